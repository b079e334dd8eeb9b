"""Saving and loading models: round trips, refusals, atomic writes."""

import json
from pathlib import Path

import pytest
import torch

from makemore import storage
from makemore.counting import CountModel
from makemore.neural import NeuralModel
from makemore.smoothing import ModifiedKneserNeyModel
from makemore.storage import ModelFileError, load_model, save_model
from makemore.words import read_words

WORDS = read_words(Path(__file__).parent / "data" / "words.txt")


@pytest.mark.parametrize("context", [1, 2])
def test_round_trip_keeps_probabilities_and_samples(tmp_path, context):
    for model in (
        CountModel.fit(WORDS, context=context, smoothing=0.5),
        NeuralModel.fit(WORDS, context=context, steps=3),
    ):
        save_model(model, tmp_path / "m.pt", {"steps": 3})
        loaded, metadata = load_model(tmp_path / "m.pt")
        assert type(loaded) is type(model)
        assert loaded.vocab == model.vocab and loaded.context == context
        assert torch.equal(loaded.probs(), model.probs())
        g1, g2 = torch.Generator().manual_seed(5), torch.Generator().manual_seed(5)
        assert loaded.sample(5, g1) == model.sample(5, g2)
        assert metadata["training"] == {"steps": 3}


def test_modified_kneser_ney_keeps_its_counts_and_checks_its_discounts(tmp_path):
    names = read_words(Path(__file__).parents[1] / "data" / "names.txt")[:3000]
    model = ModifiedKneserNeyModel.fit(names, context=2)
    save_model(model, tmp_path / "m.pt")
    loaded, metadata = load_model(tmp_path / "m.pt")
    assert type(loaded) is ModifiedKneserNeyModel and torch.equal(loaded.counts, model.counts)
    assert loaded.discounts == model.discounts and torch.equal(loaded.probs(), model.probs())
    payload = torch.load(tmp_path / "m.pt", weights_only=True)
    metadata["discounts"][0][0] += 0.01  # the file's discounts no longer match its counts
    payload["metadata"] = json.dumps(metadata)
    torch.save(payload, tmp_path / "m.pt")
    with pytest.raises(ModelFileError, match="do not follow from the counts"):
        load_model(tmp_path / "m.pt")


def test_the_file_loads_with_weights_only_and_documented_keys(tmp_path):
    save_model(CountModel.fit(WORDS), tmp_path / "m.pt")
    payload = torch.load(tmp_path / "m.pt", weights_only=True)
    assert set(payload) == {"format", "version", "metadata", "table"}
    assert payload["format"] == "makemore-model" and payload["version"] == 1
    assert json.loads(payload["metadata"])["type"] == "counts"


def write_payload(path, **changes):
    payload = {
        "format": "makemore-model",
        "version": 1,
        "metadata": json.dumps({"type": "counts", "vocab": "ab", "context": 1, "smoothing": 1}),
        "table": torch.zeros(3, 3, dtype=torch.int64),
    }
    payload.update(changes)
    torch.save(payload, path)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"format": "something-else"}, "format marker"),
        ({"version": 99}, "version 99"),
        ({"metadata": "{not json"}, "metadata"),
        ({"table": torch.zeros(2, 3, dtype=torch.int64)}, "does not fit"),
        ({"table": torch.zeros(3, 3)}, "int64"),
        ({"metadata": json.dumps({"type": "x", "vocab": "ab", "context": 1})}, "model type"),
        ({"metadata": json.dumps({"type": "net", "vocab": "ba", "context": 1})}, "vocabulary"),
    ],
)
def test_foreign_or_damaged_models_are_refused(tmp_path, changes, message):
    write_payload(tmp_path / "m.pt", **changes)
    with pytest.raises(ModelFileError, match=message):
        load_model(tmp_path / "m.pt")


def test_corrupt_and_missing_files_are_refused(tmp_path):
    (tmp_path / "junk.pt").write_bytes(b"\x00garbage")
    with pytest.raises(ModelFileError, match="junk.pt: not a makemore model file"):
        load_model(tmp_path / "junk.pt")
    torch.save([1, 2, 3], tmp_path / "list.pt")
    with pytest.raises(ModelFileError, match="format marker"):
        load_model(tmp_path / "list.pt")
    with pytest.raises(ModelFileError, match="no model file"):
        load_model(tmp_path / "absent.pt")
    good = tmp_path / "good.pt"
    save_model(CountModel.fit(WORDS), good)
    (tmp_path / "cut.pt").write_bytes(good.read_bytes()[:200])
    with pytest.raises(ModelFileError, match="cut.pt"):
        load_model(tmp_path / "cut.pt")


def test_a_failed_save_leaves_the_old_model_intact(tmp_path, monkeypatch):
    path = tmp_path / "model.pt"
    save_model(CountModel.fit(WORDS), path)
    before = path.read_bytes()

    def broken_save(obj, file):
        file.write(b"half a model")
        raise OSError("disk full")

    monkeypatch.setattr(storage.torch, "save", broken_save)
    with pytest.raises(OSError, match="disk full"):
        save_model(CountModel.fit(WORDS[:3]), path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["model.pt"]  # no temporary left behind
