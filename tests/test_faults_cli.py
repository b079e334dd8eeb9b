"""The command line under faults (issue 16, points 1, 2, 4-7 and 9): each case ends with
one line naming the cause, the right exit status, and the model already saved intact.

Signals, full disks and memory limits need a process of their own; the rest call ``main``.
"""

import fcntl
import json
import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from makemore.__main__ import main
from makemore.counting import CountModel
from makemore.storage import load_model, save_model
from makemore.vocab import Vocab

FIXTURE = Path(__file__).parent / "data" / "words.txt"
ENV = {**os.environ, "PYTHONWARNINGS": "ignore"}


def run(capsys, *args):
    status = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return status, out, err


def error_line(err: str) -> str:
    """The one line that reports the failure (progress and reports come before it)."""
    (line,) = [x for x in err.splitlines() if x.startswith("makemore: ")]
    assert "Traceback" not in err and err.rstrip().endswith(line)
    return line


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp"))


def default_sigint() -> None:
    """Give a child the SIGINT a terminal user has: a job that a shell starts in the
    background (as CI may) inherits SIGINT ignored, and Python then keeps ignoring it."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def start(*args, **kwargs) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "makemore", *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=ENV,
        preexec_fn=default_sigint,
        **kwargs,
    )


@pytest.mark.parametrize("option", [("--lr", "1e308"), ("--reg", "1e308")])
def test_a_diverging_net_does_not_replace_a_good_model(tmp_path, capsys, option):
    common = ("-i", FIXTURE, "-o", tmp_path, "--type", "net", "-n", 3)
    status, good_words, _ = run(capsys, *common, "--steps", 5, "--lr", 10)
    assert status == 0
    before = (tmp_path / "model.pt").read_bytes()
    status, out, err = run(capsys, *common, "--steps", 3, *option)
    assert status == 2 and out == ""
    line = error_line(err)
    assert "not saved" in line and "not finite" in line
    assert line.endswith("the previous model was kept")
    assert "diverged" in err
    assert (tmp_path / "model.pt").read_bytes() == before and leftovers(tmp_path) == []
    status, again, _ = run(capsys, "-o", tmp_path, "--sample-only", "-n", 3)
    assert status == 0 and again == good_words


def test_huge_context_lengths_are_refused_at_once(tmp_path, capsys):
    status, _, err = run(capsys, "--context", "99999999999999999999", "-o", tmp_path / "w")
    assert status == 2 and "the context length must be below 64" in err
    assert not (tmp_path / "w").exists()
    # A saved model whose metadata claims context 10**12; the alarm turns a regression
    # (computing 27 ** 10**12) into a failure instead of a hang.
    meta = {"type": "net", "vocab": "ab", "context": 10**12}
    payload = {"format": "makemore-model", "version": 1, "metadata": json.dumps(meta)}
    torch.save(payload | {"table": torch.zeros(3, 3)}, tmp_path / "model.pt")

    def too_slow(signum, frame):
        raise TimeoutError("the context length was not refused at once")

    previous = signal.signal(signal.SIGALRM, too_slow)
    signal.alarm(30)
    try:
        status, _, err = run(capsys, "--sample-only", "-o", tmp_path)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert status == 2
    assert "does not fit the vocabulary and context length" in error_line(err)


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_devices_are_refused_before_reading(tmp_path, capsys, device):
    if not os.path.exists(device):
        pytest.skip(f"no {device} here")
    status, _, err = run(capsys, "-i", device, "-o", tmp_path / "w")
    assert (
        status == 2
        and error_line(err) == f"makemore: error: {device}: is a device, not a word list"
    )


def test_files_over_the_byte_limit_are_refused_until_it_is_raised(tmp_path, capsys):
    words = tmp_path / "words.txt"
    words.write_text(FIXTURE.read_text() * 20)
    size = words.stat().st_size
    status, _, err = run(capsys, "-i", words, "-o", tmp_path / "w", "--max-bytes", size - 1)
    assert status == 2 and f"{size:,} bytes, more than the {size - 1:,}" in error_line(err)
    assert not (tmp_path / "w").exists()
    status, _, _ = run(capsys, "-i", words, "-o", tmp_path / "w", "--max-bytes", size, "-n", 1)
    assert status == 0


def test_an_impossible_work_directory_is_found_before_training(tmp_path, capsys):
    (tmp_path / "file").write_text("x")
    status, _, err = run(capsys, "-i", FIXTURE, "-o", tmp_path / "file" / "sub", "--type", "net")
    assert status == 2 and "average NLL" not in err and "step" not in err
    assert error_line(err).endswith("cannot write in the work directory (Not a directory)")


def mount_tmpfs(where: Path, options: str) -> None:
    if sys.platform != "linux" or os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root on Linux")
    where.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(where)], capture_output=True
    )
    if done.returncode:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")


@pytest.fixture
def small_disk(tmp_path):
    """A 1 MB tmpfs (skipped where one cannot be mounted)."""
    mount_tmpfs(tmp_path / "small", "size=1m")
    yield tmp_path / "small"
    subprocess.run(["umount", str(tmp_path / "small")], check=True)


def test_a_read_only_work_directory_is_found_before_training(tmp_path, capsys):
    mount_tmpfs(tmp_path / "ro", "ro,size=1m")  # root ignores permissions, not a ro mount
    try:
        status, _, err = run(capsys, "-i", FIXTURE, "-o", tmp_path / "ro" / "w", "--type", "net")
    finally:
        subprocess.run(["umount", str(tmp_path / "ro")], check=True)
    assert status == 2 and "step" not in err and "average NLL" not in err
    assert "Read-only file system" in error_line(err)


def test_a_disk_too_small_for_the_model_is_found_before_training(small_disk, capsys):
    status, _, err = run(capsys, "--context", 3, "-o", small_disk)
    assert status == 2 and "average NLL" not in err
    assert "bytes free on the disk, and the model needs about" in error_line(err)
    assert not (small_disk / "model.pt").exists() and leftovers(small_disk) == []


def test_a_disk_that_fills_up_during_training(small_disk):
    # a line at step 1,000, then 500 more steps
    run_ = start("-i", FIXTURE, "-o", small_disk, "--type", "net", "--context", 2, "--steps", 1500)
    try:
        wait_for_step(run_)
        run_.send_signal(signal.SIGSTOP)  # hold the training while the disk fills up
        descriptor = os.open(small_disk / "filler", os.O_WRONLY | os.O_CREAT)
        with pytest.raises(OSError, match="No space left"):
            while True:
                os.write(descriptor, b"\0" * 4096)
        os.close(descriptor)
        run_.send_signal(signal.SIGCONT)
        _, err = run_.communicate(timeout=300)
    finally:
        run_.kill()
        run_.wait()
    assert run_.returncode == 2
    line = error_line(err)
    assert line.endswith("not saved (No space left on device); nothing was written"), line
    assert sorted(p.name for p in small_disk.iterdir()) == [".makemore.lock", "filler"]


def wait_for_step(run_: subprocess.Popen) -> None:
    """Return once the run has printed its first ``step N | loss`` line."""
    for line in run_.stderr:
        if line.startswith("step "):
            return
    pytest.fail(f"the run ended before its first step: {run_.communicate()}")


def wait_for_temporary(run_: subprocess.Popen, directory: Path) -> None:
    """Return as soon as a save's temporary file exists in ``directory``."""
    deadline = time.monotonic() + 300
    while not leftovers(directory):
        if run_.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"the save was never caught in the act: {run_.communicate()}")
        time.sleep(0.002)


def test_sigint_during_the_save_leaves_the_old_model_and_no_temporary(tmp_path):
    # SIGTERM and SIGKILL in the act are in test_faults_storage.py, in a smaller process.
    work = tmp_path / "work"
    work.mkdir()
    save_model(CountModel.fit(["anna", "bob"]), work / "model.pt")
    before = (work / "model.pt").read_bytes()
    # 27**4 x 27 int64 counts: a 115 MB file, slow enough to write to catch it in the act
    run_ = start("-o", work, "--context", 4, "-n", 1)
    wait_for_temporary(run_, work)
    run_.send_signal(signal.SIGINT)
    out, err = run_.communicate(timeout=300)
    assert run_.returncode == 130 and out == ""
    assert error_line(err) == "makemore: interrupted; nothing was saved"
    assert (work / "model.pt").read_bytes() == before
    assert leftovers(work) == []


def test_a_stale_temporary_is_removed_before_training(tmp_path, capsys):
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    stale = tmp_path / f".model.pt.{int(dead.stdout)}.k1ll3d.tmp"  # as SIGKILL leaves it
    stale.write_bytes(b"half a model")
    status, _, _ = run(capsys, "-i", FIXTURE, "-o", tmp_path, "-n", 1)
    assert status == 0 and leftovers(tmp_path) == []


def test_sigterm_during_training_removes_the_new_work_directory(tmp_path):
    args = ("-i", FIXTURE, "--type", "net", "--context", 2, "--steps", 10**6)
    run_ = start("-o", tmp_path / "new", *args)
    deadline = time.monotonic() + 300
    while not (tmp_path / "new" / ".makemore.lock").exists():  # checks done, training
        assert run_.poll() is None and time.monotonic() < deadline, run_.communicate()
        time.sleep(0.01)
    run_.terminate()
    _, err = run_.communicate(timeout=300)
    assert run_.returncode == 143
    assert error_line(err) == "makemore: terminated; nothing was saved"
    assert not (tmp_path / "new").exists()


def test_a_file_that_is_not_a_model_is_not_clobbered_without_force(tmp_path, capsys):
    notes = tmp_path / "model.pt"
    notes.write_text("my notes\n")
    status, _, err = run(capsys, "-i", FIXTURE, "-o", tmp_path, "--type", "net")
    assert status == 2 and "step" not in err
    assert error_line(err).endswith("it is left alone (--force replaces it)")
    assert notes.read_text() == "my notes\n"
    status, _, _ = run(capsys, "-i", FIXTURE, "-o", tmp_path, "--force", "-n", 1)
    assert status == 0 and load_model(notes)[1]["type"] == "counts"


def test_two_runs_on_one_work_directory(tmp_path, capsys):
    tmp_path.joinpath(".makemore.lock").touch()
    with open(tmp_path / ".makemore.lock") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # as a run in another process would hold it
        status, _, err = run(capsys, "-i", FIXTURE, "-o", tmp_path, "-n", 1)
        assert status == 2 and "another makemore run is using this work directory" in err
        assert not (tmp_path / "model.pt").exists()
    status, _, _ = run(capsys, "-i", FIXTURE, "-o", tmp_path, "-n", 1)
    assert status == 0 and (tmp_path / "model.pt").exists()


def test_the_model_file_follows_the_umask(tmp_path, capsys):
    old = os.umask(0o027)
    try:
        status, _, _ = run(capsys, "-i", FIXTURE, "-o", tmp_path, "-n", 1)
    finally:
        os.umask(old)
    assert status == 0 and (tmp_path / "model.pt").stat().st_mode & 0o777 == 0o640


def test_running_out_of_memory_is_one_line(tmp_path):
    # The address space allowed is what importing torch takes plus a little, so the
    # 115 MB table of context length 4 cannot be allocated.
    probe = subprocess.run(
        [sys.executable, "-c", "import makemore.__main__; print(open('/proc/self/status').read())"],
        capture_output=True,
        text=True,
        env=ENV,
    )
    if probe.returncode or "VmPeak" not in probe.stdout:
        pytest.skip("no /proc/self/status to size the memory limit")
    peak = next(int(x.split()[1]) for x in probe.stdout.splitlines() if x.startswith("VmPeak"))
    limit = (peak + 60_000) * 1024

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    done = subprocess.run(
        [sys.executable, "-m", "makemore", "-o", str(tmp_path / "w"), "--context", "4"],
        capture_output=True,
        text=True,
        env=ENV,
        preexec_fn=cap,
    )
    assert done.returncode == 2, done.stderr
    assert error_line(done.stderr) == "makemore: error: out of memory; nothing was saved"
    assert not (tmp_path / "w").exists()


def test_a_model_that_never_ends_a_word_is_cut_at_max_length(tmp_path, capsys):
    never = torch.tensor([[0, 1, 1], [0, 1, 1], [0, 1, 1]])  # '.' (the end) has count 0
    save_model(CountModel(Vocab("ab"), never, 1, smoothing=0), tmp_path / "model.pt")
    status, out, _ = run(capsys, "-o", tmp_path, "--sample-only", "-n", 3, "--max-length", 7)
    assert status == 0
    words = out.splitlines()
    assert len(words) == 3
    assert all(w.endswith(" (cut)") and len(w.removesuffix(" (cut)")) == 7 for w in words)
    status, out, _ = run(capsys, "-o", tmp_path, "--sample-only", "-n", 1)
    assert out.strip() and len(out.split()[0]) == 200 and out.split()[1] == "(cut)"


def test_names_are_not_cut_by_the_default_max_length(tmp_path, capsys):
    status, out, _ = run(capsys, "-i", FIXTURE, "-o", tmp_path, "-n", 50)
    assert status == 0 and len(out.splitlines()) == 50 and "(cut)" not in out


def test_compare_refuses_a_huge_context_length_at_once(tmp_path, capsys):
    from makemore.compare import main as compare

    def too_slow(signum, frame):
        raise TimeoutError("the context length was not refused at once")

    previous = signal.signal(signal.SIGALRM, too_slow)
    signal.alarm(30)
    try:
        status = compare(["-i", str(FIXTURE), "--context", "99999999999999999999"])
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    _, err = capsys.readouterr()
    assert status == 2 and "context length 99999999999999999999" in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
