"""Longer contexts, the split, and the smoothings of chapters 5 and 6.

Expected values are derived independently: by brute-force loops over strings, by a grid
search, or by the other form of the same computation.
"""

import itertools
import math

import pytest
import torch
from brute_force import pair_counts

from makemore.__main__ import main
from makemore.counting import CountModel, count_table
from makemore.neural import NeuralModel
from makemore.smoothing import (
    InterpolatedModel,
    KneserNeyModel,
    kneser_ney_probs,
    repeat_rows,
    shorter_counts,
    sweep,
)
from makemore.vocab import Vocab, examples
from makemore.words import split_words

WORDS = ["emma", "olivia", "ava", "isabella", "sophia", "mia", "amelia", "ella", "eva", "liam"]
DEV = ["emily", "mila", "leo", "noah", "anna"]
VOCAB = Vocab.from_words(WORDS + DEV)
V = len(VOCAB)


def context_number(context):
    number = 0
    for ch in context:
        number = number * V + VOCAB.stoi[ch]
    return number


@pytest.mark.parametrize("k", [1, 2, 3])
def test_counts_equal_brute_force(k):
    N = count_table(WORDS, VOCAB, k)
    expected = torch.zeros(V**k, V, dtype=torch.int64)
    for (context, nxt), n in pair_counts(WORDS, k).items():
        expected[context_number(context), VOCAB.stoi[nxt]] = n
    assert torch.equal(N, expected)


def test_shorter_counts_equal_counting_afresh():
    N3 = count_table(WORDS, VOCAB, 3)
    assert torch.equal(shorter_counts(N3), count_table(WORDS, VOCAB, 2))
    assert torch.equal(shorter_counts(shorter_counts(N3)), count_table(WORDS, VOCAB, 1))


def bigram_probs_by_hand(words, smoothing):
    table = [[smoothing] * V for _ in range(V)]
    for (context, nxt), n in pair_counts(words, 1).items():
        table[VOCAB.stoi[context]][VOCAB.stoi[nxt]] += n
    return torch.tensor([[c / sum(row) for c in row] for row in table])


def test_context_one_is_the_bigram_model():
    model = CountModel.fit(WORDS, VOCAB, context=1, smoothing=0.5)
    assert torch.allclose(model.probs(), bigram_probs_by_hand(WORDS, 0.5), atol=1e-7)


def test_a_longer_table_that_ignores_the_older_character_samples_the_bigram_words():
    bigram = CountModel.fit(WORDS, VOCAB, context=1, smoothing=0.5)
    # A context-2 table whose row for (a, b) is the bigram row for b: the same model.
    wide = repeat_rows(bigram.probs(), V * V)
    from makemore.sampling import sample_words

    ours = sample_words(wide, VOCAB, 50, torch.Generator().manual_seed(7))
    theirs = bigram.sample(50, torch.Generator().manual_seed(7))
    assert ours == theirs


def test_split_is_deterministic_and_disjoint():
    words = [f"w{i}" for i in range(1000)]
    train, dev, test = split_words(words)
    assert (train, dev, test) == split_words(words)
    assert (len(train), len(dev), len(test)) == (800, 100, 100)
    assert not set(train) & set(dev) and not set(train) & set(test) and not set(dev) & set(test)
    assert sorted(train + dev + test) == sorted(words)
    assert split_words(words, seed=1) != (train, dev, test)


def per_example_descent(words, k, W, steps, lr, reg):
    """The lecture's form: a one-hot row per (context, next) pair."""
    x, y = examples(words, VOCAB, k)
    xenc = torch.nn.functional.one_hot(x, V**k).float()
    W = W.clone().requires_grad_()
    losses = []
    for _ in range(steps):
        probs = (xenc @ W).softmax(1)
        loss = -probs[torch.arange(len(y)), y].log().mean() + reg * (W**2).mean()
        W.grad = None
        loss.backward()
        with torch.no_grad():
            W -= lr * W.grad
        losses.append(loss.item())
    return W.detach(), losses


@pytest.mark.parametrize("k", [1, 2])
def test_count_form_training_equals_per_example_training(k):
    W0 = torch.randn((V**k, V), generator=torch.Generator().manual_seed(3))
    W_ex, losses_ex = per_example_descent(WORDS, k, W0, steps=8, lr=5.0, reg=0.01)
    net = NeuralModel(VOCAB, W0, k)
    losses = net.train(count_table(WORDS, VOCAB, k), steps=8, lr=5.0, reg=0.01)
    assert losses == pytest.approx(losses_ex, abs=1e-5)
    assert torch.allclose(net.weights, W_ex, atol=1e-5)


@pytest.mark.parametrize("k", [1, 2])
def test_interpolation_weights_sum_to_one_and_are_the_best_mixture(k):
    model = InterpolatedModel.fit(WORDS, DEV, VOCAB, context=k)
    assert float(model.weights.sum()) == pytest.approx(1.0, abs=1e-12)
    assert bool((model.weights >= 0).all())
    assert torch.allclose(model.probs().sum(1), torch.ones(V**k), atol=1e-6)
    # No mixture on a grid over the simplex does better on dev.
    steps = 20
    best = math.inf
    for parts in itertools.product(range(steps + 1), repeat=k + 1):
        if sum(parts) <= steps:
            weights = [p / steps for p in parts] + [(steps - sum(parts)) / steps]
            grid_model = InterpolatedModel(VOCAB, model.counts, k, weights)
            best = min(best, grid_model.nll(DEV))
    assert model.nll(DEV) <= best + 1e-6


def test_em_never_raises_the_dev_loss():
    model = InterpolatedModel(VOCAB, count_table(WORDS, VOCAB, 2), 2, [0.25] * 4)
    losses = model.fit_weights(DEV)
    assert all(b <= a + 1e-12 for a, b in itertools.pairwise(losses))


def test_interpolation_refuses_weights_that_do_not_sum_to_one():
    with pytest.raises(ValueError, match="sum to 1"):
        InterpolatedModel(VOCAB, count_table(WORDS, VOCAB, 1), 1, [0.5, 0.5, 0.5])


def test_dev_sweep_picks_the_minimum_of_its_curve():
    counts = count_table(WORDS, VOCAB, 2)
    strengths = [0.001, 0.01, 0.1, 0.3, 1.0, 3.0, 10.0, 100.0]
    scores, chosen = sweep(strengths, lambda s: CountModel(VOCAB, counts, 2, s).nll(DEV))
    curve = [CountModel(VOCAB, counts, 2, s).nll(DEV) for s in strengths]
    assert scores == curve
    assert curve[strengths.index(chosen)] == min(curve)
    # The curve has an interior minimum here: both ends are worse.
    assert chosen not in (strengths[0], strengths[-1])


def kneser_ney_by_hand(words, discount, context, nxt):
    """Interpolated Kneser-Ney for k = 1 by the textbook formula, with dictionaries."""
    bigrams = pair_counts(words, 1)
    followers = {c for (_, c) in bigrams}
    # continuation count of c: distinct characters seen before it
    continuation = {c: len({a for (a, b) in bigrams if b == c}) for c in VOCAB.itos}
    total = sum(continuation.values())
    kinds = len(followers)
    unigram = (max(continuation[nxt] - discount, 0) + discount * kinds / V) / total
    seen = sum(n for (a, _), n in bigrams.items() if a == context)
    if seen == 0:
        return unigram
    n = bigrams.get((context, nxt), 0)
    types = len({b for (a, b) in bigrams if a == context})
    return (max(n - discount, 0) + discount * types * unigram) / seen


def test_kneser_ney_matches_the_textbook_formula():
    P = kneser_ney_probs(count_table(WORDS, VOCAB, 1), 0.75)
    for a, b in itertools.product(VOCAB.itos, repeat=2):
        expected = kneser_ney_by_hand(WORDS, 0.75, a, b)
        assert P[VOCAB.stoi[a], VOCAB.stoi[b]].item() == pytest.approx(expected, rel=1e-5)


@pytest.mark.parametrize("k", [1, 2, 3])
def test_kneser_ney_rows_are_distributions(k):
    model = KneserNeyModel.fit(WORDS, DEV, VOCAB, context=k)
    P = model.probs()
    assert bool((P > 0).all())
    assert torch.allclose(P.sum(1), torch.ones(V**k), atol=1e-6)


def test_command_line_refuses_a_table_too_large_before_allocating(tmp_path, capsys):
    words = tmp_path / "words.txt"
    words.write_text("\n".join(WORDS) + "\n")
    status = main(["-i", str(words), "-o", str(tmp_path / "out"), "--context", "12"])
    err = capsys.readouterr().err
    assert status == 2
    assert "context length 12" in err and "entries" in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()
