"""Chapter 6's smoothers: renormalised interpolation, the absolute-discounting ablation,
and the comparison command keeping the test split closed unless asked."""

import itertools
from collections import Counter

import pytest
from brute_force import pair_counts

from makemore.compare import main
from makemore.counting import count_table
from makemore.smoothing import InterpolatedModel, KneserNeyModel
from makemore.vocab import Vocab

WORDS = ["emma", "olivia", "ava", "isabella", "sophia", "mia", "amelia", "ella", "eva", "liam"]
VOCAB = Vocab.from_words(WORDS + ["zoe"])
V = len(VOCAB)


def test_interpolation_uses_only_the_components_with_data():
    weights = [0.1, 0.2, 0.3, 0.4]  # uniform, no context, 1 character, 2 characters
    model = InterpolatedModel(VOCAB, count_table(WORDS, VOCAB, 2), 2, weights)
    P = model.probs()
    by_length = {j: pair_counts(WORDS, 2) for j in (0, 1, 2)}
    for j in (0, 1):  # shorter contexts: the last j characters of the 2-character context
        by_length[j] = Counter()
        for (h, c), n in pair_counts(WORDS, 2).items():
            by_length[j][h[2 - j :], c] += n

    def estimate(j, h, c):
        total = sum(n for (g, _), n in by_length[j].items() if g == h)
        return None if total == 0 else by_length[j].get((h, c), 0) / total

    for number, pair in enumerate(itertools.product(VOCAB.itos, repeat=2)):
        h = "".join(pair)
        for c in VOCAB.itos:
            parts = [(weights[0], 1 / V)]
            for j in (0, 1, 2):
                p = estimate(j, h[2 - j :], c)
                if p is not None:
                    parts.append((weights[j + 1], p))
            expected = sum(w * p for w, p in parts) / sum(w for w, _ in parts)
            assert P[number, VOCAB.stoi[c]].item() == pytest.approx(expected, abs=1e-6)


def test_fitted_weights_never_raise_the_dev_loss_with_unseen_contexts():
    model = InterpolatedModel(VOCAB, count_table(WORDS, VOCAB, 3), 3, [0.2] * 5)
    losses = model.fit_weights(["zoe", "amie", "mila", "leo", "ava"])
    assert len(losses) > 2
    assert all(b <= a + 1e-12 for a, b in itertools.pairwise(losses))


def test_absolute_discounting_uses_raw_counts_for_the_shorter_context():
    D = 0.6
    P = KneserNeyModel(VOCAB, count_table(WORDS, VOCAB, 1), 1, D, continuation=False).probs()
    bigrams = pair_counts(WORDS, 1)
    unigrams = Counter()
    for (_, c), n in bigrams.items():
        unigrams[c] += n
    total = sum(unigrams.values())
    kinds = sum(1 for n in unigrams.values() if n > 0)

    def unigram(c):
        return (max(unigrams[c] - D, 0) + D * kinds / V) / total

    for a, c in itertools.product(VOCAB.itos, repeat=2):
        seen = sum(n for (h, _), n in bigrams.items() if h == a)
        if seen == 0:
            expected = unigram(c)
        else:
            types = sum(1 for (h, _), n in bigrams.items() if h == a and n > 0)
            expected = (max(bigrams[a, c] - D, 0) + D * types * unigram(c)) / seen
        assert P[VOCAB.stoi[a], VOCAB.stoi[c]].item() == pytest.approx(expected, abs=1e-6)


@pytest.fixture
def word_file(tmp_path):
    path = tmp_path / "words.txt"
    path.write_text("\n".join(WORDS * 10) + "\n")
    return path


def test_compare_prints_train_and_dev_and_test_only_on_request(word_file, capsys):
    assert main(["-i", str(word_file), "--context", "1"]) == 0
    header, *rows = capsys.readouterr().out.splitlines()
    assert header.split() == ["k", "model", "train", "dev"]
    assert rows and all(len(r.split()) >= 4 for r in rows)
    assert main(["-i", str(word_file), "--context", "1", "--test"]) == 0
    header = capsys.readouterr().out.splitlines()[0]
    assert header.split() == ["k", "model", "train", "dev", "test"]


@pytest.mark.parametrize("context", ["0", "99999999999999999999"])
def test_compare_refuses_a_bad_context_in_one_line(word_file, capsys, context):
    assert main(["-i", str(word_file), "--context", context]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "context length" in err and "Traceback" not in err
