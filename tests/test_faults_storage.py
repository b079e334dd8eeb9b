"""Model files under faults: a model that would not load, a full disk, signals during a
save, temporary files left by a killed save, and the umask (issue 16, points 1, 5, 6, 9)."""

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import torch

from makemore import storage
from makemore.counting import CountModel
from makemore.model import TableModel
from makemore.neural import NeuralModel
from makemore.smoothing import InterpolatedModel, KneserNeyModel
from makemore.storage import ModelFileError, ModelSaveError, load_model, save_model
from makemore.vocab import Vocab
from makemore.words import bundled_names, read_words

WORDS = read_words(Path(__file__).parent / "data" / "words.txt")


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp"))


def diverged_net() -> NeuralModel:
    net = NeuralModel.fit(WORDS, steps=2)
    net.weights[3, 4] = float("inf")
    net.weights[5, 0] = float("nan")
    return net


def test_a_model_that_would_not_load_is_not_saved_and_the_old_one_is_kept(tmp_path):
    path = tmp_path / "model.pt"
    with pytest.raises(ModelSaveError, match="model.pt: not saved.*nothing was written"):
        save_model(diverged_net(), path)
    assert not path.exists() and leftovers(tmp_path) == []
    save_model(CountModel.fit(WORDS), path)
    before = path.read_bytes()
    with pytest.raises(ModelSaveError) as caught:
        save_model(diverged_net(), path)
    message = str(caught.value)
    assert "not finite" in message and message.endswith("the previous model was kept")
    assert "\n" not in message
    assert path.read_bytes() == before and leftovers(tmp_path) == []
    load_model(path)


def test_every_model_type_round_trips(tmp_path):
    vocab = Vocab.from_words(WORDS)
    train, dev = WORDS[:24], WORDS[24:]

    class Uniform(TableModel):  # a model of the common interface that storage does not know
        def __init__(self):
            self.vocab, self.context = vocab, 2

        def probs(self):
            return torch.full((len(vocab) ** 2, len(vocab)), 1 / len(vocab))

    models = [
        InterpolatedModel.fit(train, dev, vocab, context=2),
        KneserNeyModel.fit(train, dev, vocab, context=2),
        Uniform(),
    ]
    for model in models:
        save_model(model, tmp_path / "m.pt")
        loaded, _ = load_model(tmp_path / "m.pt")
        assert torch.equal(loaded.probs(), model.probs())
        assert loaded.nll(dev) == model.nll(dev)
        g1, g2 = torch.Generator().manual_seed(3), torch.Generator().manual_seed(3)
        assert loaded.sample(5, g1) == model.sample(5, g2)
    with pytest.raises(TypeError, match="not a TableModel"):
        save_model(object(), tmp_path / "m.pt")


def test_absurd_context_length_in_a_file_is_refused_without_computing_the_power(tmp_path):
    # 27 ** 10**12 would never finish; the check walks powers only up to the table's rows.
    meta = {"type": "counts", "vocab": "ab", "context": 10**12, "smoothing": 1}
    payload = {"format": "makemore-model", "version": 1, "metadata": json.dumps(meta)}
    torch.save(payload | {"table": torch.zeros(3, 3, dtype=torch.int64)}, tmp_path / "m.pt")

    def too_slow(signum, frame):
        raise TimeoutError("the context length was not refused at once")

    previous = signal.signal(signal.SIGALRM, too_slow)
    signal.alarm(30)
    try:
        with pytest.raises(ModelFileError, match="does not fit the vocabulary and context"):
            load_model(tmp_path / "m.pt")
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture
def small_disk(tmp_path):
    """A 1 MB tmpfs, or a skip saying why there cannot be one."""
    if sys.platform != "linux" or os.geteuid() != 0:
        pytest.skip("mounting a 1 MB tmpfs needs root on Linux")
    mount = tmp_path / "small"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)], capture_output=True
    )
    if done.returncode:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    yield mount
    subprocess.run(["umount", str(mount)], check=True)


def test_a_full_disk_is_one_line_and_keeps_the_old_model(small_disk):
    path = small_disk / "model.pt"
    save_model(CountModel.fit(WORDS), path)
    before = path.read_bytes()
    names = read_words(bundled_names())
    big = CountModel.fit(names, context=3)  # 27**3 x 27 int64 counts: 4.3 MB
    with pytest.raises(ModelSaveError) as caught:
        save_model(big, path)
    assert str(caught.value) == (
        f"{path}: not saved (No space left on device); the previous model was kept"
    )
    assert path.read_bytes() == before and leftovers(small_disk) == []


def test_signals_during_a_save_remove_the_temporary_and_keep_the_old_model(tmp_path, monkeypatch):
    path = tmp_path / "model.pt"
    save_model(CountModel.fit(WORDS), path)
    before = path.read_bytes()
    real_fsync = os.fsync

    def interrupted_fsync(descriptor):
        os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C while the bytes go to disk
        assert leftovers(tmp_path)  # the temporary file exists at this point
        real_fsync(descriptor)

    monkeypatch.setattr(storage.os, "fsync", interrupted_fsync)
    # Ctrl-C raises KeyboardInterrupt, even when pytest runs as a background job (SIGINT
    # ignored, which the save would rightly respect)
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.raises(KeyboardInterrupt):
            save_model(CountModel.fit(WORDS[:5]), path)
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    finally:
        signal.signal(signal.SIGINT, previous)
    assert path.read_bytes() == before and leftovers(tmp_path) == []


def run_saver(tmp_path: Path, send: str) -> subprocess.CompletedProcess:
    """A process that saves a model over ``model.pt`` and sends itself ``send`` while the
    bytes go to disk."""
    script = textwrap.dedent(
        f"""
        import os, signal
        from makemore import storage
        from makemore.counting import CountModel
        real = os.fsync
        def fsync(fd):
            os.kill(os.getpid(), signal.{send})
            real(fd)
        storage.os.fsync = fsync
        storage.save_model(CountModel.fit(["anna", "bob"]), {str(tmp_path / "model.pt")!r})
        print("finished")
        """
    )
    return subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        # SIGINT as a terminal user has it, even when this runs as a background job
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )


def test_sigterm_during_a_save_leaves_no_temporary(tmp_path):
    save_model(CountModel.fit(WORDS), tmp_path / "model.pt")
    before = (tmp_path / "model.pt").read_bytes()
    done = run_saver(tmp_path, "SIGTERM")
    assert done.returncode == -signal.SIGTERM and "finished" not in done.stdout
    assert (tmp_path / "model.pt").read_bytes() == before and leftovers(tmp_path) == []


def test_a_temporary_left_by_sigkill_is_removed_by_the_next_save(tmp_path):
    save_model(CountModel.fit(WORDS), tmp_path / "model.pt")
    before = (tmp_path / "model.pt").read_bytes()
    done = run_saver(tmp_path, "SIGKILL")
    assert done.returncode == -signal.SIGKILL
    (stale,) = leftovers(tmp_path)  # nothing can clean up after SIGKILL...
    assert stale.startswith(".model.pt.") and (tmp_path / "model.pt").read_bytes() == before
    live = tmp_path / f".model.pt.{os.getpid()}.abc_123.tmp"  # a save still running
    live.write_bytes(b"")
    other = tmp_path / ".model.pt.backup.tmp"  # not of our naming
    other.write_bytes(b"")
    save_model(CountModel.fit(WORDS[:4]), tmp_path / "model.pt")  # ...but the next save does
    assert leftovers(tmp_path) == sorted([live.name, other.name])


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o027, 0o640), (0o077, 0o600)])
def test_the_model_file_honours_the_umask(tmp_path, umask, mode):
    old = os.umask(umask)
    try:
        save_model(CountModel.fit(WORDS), tmp_path / "model.pt")
    finally:
        os.umask(old)
    assert (tmp_path / "model.pt").stat().st_mode & 0o777 == mode


def test_damaged_settings_of_the_new_types_are_refused(tmp_path):
    vocab = Vocab.from_words(WORDS)
    model = InterpolatedModel.fit(WORDS[:24], WORDS[24:], vocab, context=1)
    save_model(model, tmp_path / "m.pt")
    payload = torch.load(tmp_path / "m.pt", weights_only=True)
    for weights in ([0.5, 0.5], [float("nan"), 0.5, 0.5], [2.0, -0.5, -0.5]):
        metadata = json.loads(payload["metadata"]) | {"weights": weights}
        torch.save(payload | {"metadata": json.dumps(metadata)}, tmp_path / "bad.pt")
        with pytest.raises(ModelFileError, match="bad.pt: not a valid makemore model file"):
            load_model(tmp_path / "bad.pt")
