"""The command line end to end on a small word list, and every bad input it must refuse."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from makemore.__main__ import main
from makemore.storage import load_model
from makemore.words import split_words

FIXTURE = Path(__file__).parent / "data" / "words.txt"
FIXTURE_WORDS = [w.strip() for w in FIXTURE.read_text().splitlines() if w.strip()]


def run(capsys, *args):
    status = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return status, out, err


def refused(capsys, *args, match, usage=False):
    """The run exits 2 with one line naming the problem; a usage error puts the usage
    line before it and a pointer to --help after it."""
    status, out, err = run(capsys, *args)
    assert status == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert "Traceback" not in err
    if usage:
        assert len(lines) == 3, err
        assert lines[0].startswith("usage: makemore ")
        assert lines[2] == "Try 'makemore --help' for more information."
        lines = lines[1:2]
    else:
        lines = [line for line in lines if "error" in line or "interrupted" in line]
        assert len(lines) == 1, err
    assert match in lines[0], lines[0]
    return lines[0]


def test_train_counts_report_save_and_sample(tmp_path, capsys):
    status, out, err = run(capsys, "-i", FIXTURE, "-o", tmp_path, "-n", 7)
    assert status == 0
    assert len(out.splitlines()) == 7
    assert "30 words (24 train, 3 dev, 3 test)" in err
    report = next(line for line in err.splitlines() if line.startswith("average NLL"))
    assert "train" in report and "dev" in report and "test" not in report
    model, metadata = load_model(tmp_path / "model.pt")
    assert metadata["type"] == "counts" and set(metadata["training"]["nll"]) == {"train", "dev"}
    # The counts are those of the training split only: 24 words of the fixture.
    assert int(model.counts.sum()) < sum(len(w) + 1 for w in FIXTURE_WORDS)
    status, again, _ = run(capsys, "-o", tmp_path, "--sample-only", "-n", 7)
    assert status == 0 and again == out


def test_train_net_and_sample_only(tmp_path, capsys):
    status, out, err = run(
        capsys, "-i", FIXTURE, "-o", tmp_path, "--type", "net", "--steps", 20, "--lr", 10, "-n", 3
    )
    assert status == 0 and len(out.splitlines()) == 3
    model, metadata = load_model(tmp_path / "model.pt")
    assert metadata["type"] == "net" and len(metadata["training"]["losses"]) == 20
    status, out2, err2 = run(capsys, "-o", tmp_path, "--sample-only", "-n", 3, "-i", FIXTURE)
    assert status == 0 and out2 == out and "average NLL" in err2


def test_context_length_option(tmp_path, capsys):
    status, out, _ = run(capsys, "-i", FIXTURE, "-o", tmp_path, "--context", 2, "-n", 2)
    assert status == 0
    assert load_model(tmp_path / "model.pt")[0].context == 2


def test_blank_lines_and_whitespace_are_skipped(tmp_path, capsys):
    messy = tmp_path / "messy.txt"
    messy.write_text("\n".join(f"   {w}\t " for w in FIXTURE_WORDS) + "\n\n\n")
    run(capsys, "-i", FIXTURE, "-o", tmp_path / "a", "-n", 5)
    run(capsys, "-i", messy, "-o", tmp_path / "b", "-n", 5)
    a, _ = load_model(tmp_path / "a" / "model.pt")
    b, _ = load_model(tmp_path / "b" / "model.pt")
    assert a.vocab == b.vocab and (a.counts == b.counts).all()


def test_bad_inputs_are_refused_with_one_line(tmp_path, capsys):
    work = tmp_path / "work"
    refused(capsys, "-i", tmp_path / "missing.txt", "-o", work, match="missing.txt: no such file")
    refused(capsys, "-i", tmp_path, "-o", work, match="is a directory")
    (tmp_path / "empty.txt").write_text("")
    refused(capsys, "-i", tmp_path / "empty.txt", "-o", work, match="empty.txt: the file is empty")
    (tmp_path / "blank.txt").write_text("\n   \n\t\n")
    refused(capsys, "-i", tmp_path / "blank.txt", "-o", work, match="no words")
    (tmp_path / "latin1.txt").write_bytes("anna\nzo\xeb\n".encode("latin-1"))
    refused(capsys, "-i", tmp_path / "latin1.txt", "-o", work, match="latin1.txt:2: not UTF-8")
    (tmp_path / "dots.txt").write_text("anna\nmr.bean\n")
    refused(capsys, "-i", tmp_path / "dots.txt", "-o", work, match="dots.txt:2:")
    for n in ("0", "-3", "two"):
        refused(capsys, "-n", n, "-o", work, match="number of samples", usage=True)
    usage = {"usage": True}
    refused(capsys, "--steps", "-1", "--type", "net", "-o", work, match="steps", **usage)
    refused(capsys, "--lr", "0", "--type", "net", "-o", work, match="learning rate", **usage)
    refused(capsys, "--smoothing", "-1", "-o", work, match="smoothing", **usage)
    refused(capsys, "--context", "0", "-o", work, match="context length", **usage)
    refused(capsys, "--seed", str(2**70), "-o", work, match="the seed must be below", **usage)
    refused(capsys, "--type", "tree", "-o", work, match="invalid choice", **usage)
    refused(capsys, "--max-bytes", "0", "-o", work, match="--max-bytes", **usage)
    refused(capsys, "--context", "30", "-i", FIXTURE, "-o", work, match="needs more than the")
    refused(capsys, "--context", "99999999999999999999", "-o", work, match="below 64", usage=True)
    refused(capsys, "--sample-only", "-o", tmp_path / "nowhere", match="no model file")
    refused(
        capsys, "--sample-only", "--test", "-o", work, match="drop --test (-i FILE scores", **usage
    )
    assert not work.exists()  # nothing was written by any refused run


def test_characters_outside_the_saved_vocabulary(tmp_path, capsys):
    run(capsys, "-i", FIXTURE, "-o", tmp_path, "-n", 1)
    (tmp_path / "new.txt").write_text("anna\n\nzoë\n")
    refused(
        capsys,
        "--sample-only",
        "-o",
        tmp_path,
        "-i",
        tmp_path / "new.txt",
        match="new.txt:3: the word 'zoë' has 'ë'",
    )


def test_corrupt_or_foreign_model_is_refused_and_a_failed_run_keeps_the_old_model(tmp_path, capsys):
    run(capsys, "-i", FIXTURE, "-o", tmp_path, "-n", 1)
    saved = (tmp_path / "model.pt").read_bytes()
    (tmp_path / "empty.txt").write_text("")
    refused(capsys, "-i", tmp_path / "empty.txt", "-o", tmp_path, match="empty")
    assert (tmp_path / "model.pt").read_bytes() == saved
    (tmp_path / "model.pt").write_bytes(saved[: len(saved) // 2])
    refused(capsys, "--sample-only", "-o", tmp_path, match="not a makemore model file")
    torch.save({"weights": torch.ones(3)}, tmp_path / "model.pt")
    refused(capsys, "--sample-only", "-o", tmp_path, match="format marker")


def test_work_dir_that_is_a_file(tmp_path, capsys):
    (tmp_path / "file").write_text("x")
    refused(capsys, "-i", FIXTURE, "-o", tmp_path / "file", match="is a file")


@pytest.mark.parametrize("command", [[sys.executable, "-m", "makemore"], ["makemore"]])
def test_installed_commands(tmp_path, command):
    exe = Path(sys.executable).parent / "makemore"
    if command == ["makemore"]:
        command = [str(exe)]
    ok = subprocess.run(
        [*command, "-i", str(FIXTURE), "-o", str(tmp_path), "-n", "4"],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    assert ok.returncode == 0 and len(ok.stdout.splitlines()) == 4
    bad = subprocess.run([*command, "-n", "0"], capture_output=True, text=True)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    usage, error, hint = bad.stderr.strip().splitlines()
    assert usage.startswith("usage: makemore") and "number of samples" in error
    assert "--help" in hint


def test_help_exits_cleanly_and_ends_with_examples(capsys):
    status, out, _ = run(capsys, "--help")
    assert status == 0 and "--sample-only" in out
    examples = out[out.index("examples:") :]
    assert "makemore --type kneser-ney" in examples and "--sample-only" in examples
    # the --test option says why it is off by default
    assert "honest" in " ".join(out[out.index("--test") :].split()[:40])


def test_version(capsys):
    from importlib.metadata import version

    status, out, _ = run(capsys, "--version")
    assert status == 0 and out.strip() == f"makemore {version('spelled-out')}"


def test_test_loss_only_with_the_flag(tmp_path, capsys):
    status, _, err = run(capsys, "-i", FIXTURE, "-o", tmp_path, "-n", 1, "--test")
    assert status == 0
    report = next(line for line in err.splitlines() if line.startswith("average NLL"))
    assert report.split()[2::2] == ["train", "dev", "test"]
    _, metadata = load_model(tmp_path / "model.pt")
    assert set(metadata["training"]["nll"]) == {"train", "dev", "test"}


def test_bigram_is_the_net_with_context_one(tmp_path, capsys):
    args = ("-i", FIXTURE, "--steps", 5, "--lr", 10, "-n", 3)
    run(capsys, *args, "-o", tmp_path / "bigram", "--type", "bigram")
    run(capsys, *args, "-o", tmp_path / "net", "--type", "net")
    bigram, meta = load_model(tmp_path / "bigram" / "model.pt")
    net, _ = load_model(tmp_path / "net" / "model.pt")
    assert meta["type"] == "net" and meta["training"]["type"] == "bigram"
    assert bigram.context == 1 and torch.equal(bigram.weights, net.weights)
    refused(capsys, *args, "-o", tmp_path / "x", "--type", "bigram", "--context", 2, match="bigram")


def test_progress_lines_when_not_on_a_terminal(tmp_path, capsys):
    status, _, err = run(
        capsys, "-i", FIXTURE, "-o", tmp_path, "--type", "net", "--steps", 25, "-n", 1
    )
    assert status == 0
    steps = [line.split(" | ") for line in err.splitlines() if line.startswith("step ")]
    assert [s[0] for s in steps] == ["step 10", "step 20", "step 25"]
    _, metadata = load_model(tmp_path / "model.pt")
    losses = metadata["training"]["losses"]
    assert [s[1] for s in steps] == [f"loss {losses[i]:.4f}" for i in (9, 19, 24)]


@pytest.mark.parametrize("kind", ["interpolated", "kneser-ney"])
def test_smoothed_models_from_the_command_line(tmp_path, capsys, kind):
    status, out, err = run(
        capsys, "-i", FIXTURE, "-o", tmp_path, "--type", kind, "--context", 2, "-n", 4
    )
    assert status == 0 and len(out.splitlines()) == 4
    assert "chosen on dev" in err
    model, metadata = load_model(tmp_path / "model.pt")
    assert metadata["type"] == kind and model.context == 2
    dev = next(line for line in err.splitlines() if line.startswith("average NLL")).split()[5]
    assert dev == f"{model.nll(split_words(FIXTURE_WORDS)[1]):.4f}"
    status, again, _ = run(capsys, "-o", tmp_path, "--sample-only", "-n", 4)
    assert status == 0 and again == out
    (tmp_path / "few.txt").write_text("anna\nbob\n")
    refused(capsys, "-i", tmp_path / "few.txt", "-o", tmp_path / "y", "--type", kind, match="dev")


def test_modified_kneser_ney_from_the_command_line(tmp_path, capsys):
    names = Path(__file__).parents[1] / "data" / "names.txt"
    args = ["-i", names, "--type", "modified-kneser-ney", "--context", 2, "-n", 4]
    status, out, err = run(capsys, *args, "-o", tmp_path)
    assert status == 0 and len(out.splitlines()) == 4
    model, metadata = load_model(tmp_path / "model.pt")
    assert metadata["type"] == "modified-kneser-ney" and model.context == 2
    for j, level in enumerate(model.discounts):
        assert f"  context length {j}: {', '.join(f'{d:.4f}' for d in level)}" in err
    status, again, _ = run(capsys, "-o", tmp_path, "--sample-only", "-n", 4)
    assert status == 0 and again == out
    # The fixture's 24 training words are too few for the closed-form discounts.
    refused(capsys, "-i", FIXTURE, "-o", tmp_path / "y", *args[2:], match=f"{FIXTURE}: too few")
    assert not (tmp_path / "y" / "model.pt").exists()


def test_sample_only_refuses_the_options_only_training_reads(tmp_path, capsys):
    assert run(capsys, "-i", FIXTURE, "-o", tmp_path, "-n", 2)[0] == 0
    line = refused(
        capsys,
        "-o",
        tmp_path,
        "--sample-only",
        "--steps",
        5,
        "--type",
        "net",
        usage=True,
        match="--sample-only trains nothing: drop",
    )
    assert line.endswith("drop --type, --steps")
    for option in ("--force", "--test"):  # what only training reads, flags too
        refused(capsys, "-o", tmp_path, "--sample-only", option, usage=True, match=option)
    # Options that sampling reads are taken.
    status, out, _ = run(capsys, "-o", tmp_path, "--sample-only", "--seed", 1, "-n", 3)
    assert status == 0 and len(out.splitlines()) == 3


def test_default_input_is_the_bundled_names(tmp_path, capsys):
    status, out, err = run(capsys, "-o", tmp_path, "-n", 3)
    assert status == 0 and "32,033 words" in err
