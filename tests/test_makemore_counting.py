"""The counting model against brute force: counts, probabilities, average NLL."""

import collections
import math
from pathlib import Path

import pytest
import torch

from makemore.counting import CountModel, count_table
from makemore.evaluation import average_nll
from makemore.limits import TableTooLargeError, table_shape
from makemore.neural import NeuralModel
from makemore.vocab import (
    UnknownCharacterError,
    Vocab,
    check_words,
    context_length,
    contexts_of_length,
    examples,
)
from makemore.words import read_words

FIXTURE = Path(__file__).parent / "data" / "words.txt"
WORDS = read_words(FIXTURE)


def brute_force_counts(words, k):
    """(context string, next character) counts with plain Python."""
    counts = collections.Counter()
    for w in words:
        padded = "." * k + w + "."
        for t in range(k, len(padded)):
            counts[padded[t - k : t], padded[t]] += 1
    return counts


def context_index(context, vocab):
    index = 0
    for char in context:
        index = index * len(vocab) + vocab.stoi[char]
    return index


def test_vocabulary_is_dot_then_sorted_characters():
    vocab = Vocab.from_words(WORDS)
    assert vocab.itos[0] == "."
    assert list(vocab.itos[1:]) == sorted(set("".join(WORDS)))
    assert all(vocab.stoi[c] == i for i, c in enumerate(vocab.itos))


@pytest.mark.parametrize("k", [1, 2, 3])
def test_count_table_equals_brute_force(k):
    vocab = Vocab.from_words(WORDS)
    N = count_table(WORDS, vocab, k)
    expected = torch.zeros(len(vocab) ** k, len(vocab), dtype=torch.int64)
    for (context, nxt), n in brute_force_counts(WORDS, k).items():
        expected[context_index(context, vocab), vocab.stoi[nxt]] = n
    assert N.dtype == torch.int64
    assert torch.equal(N, expected)


def test_count_table_of_names_matches_the_lecture_total():
    words = read_words(Path(__file__).parents[1] / "data" / "names.txt")
    assert len(words) == 32033  # the last line of the file has no newline
    N = count_table(words, Vocab.from_words(words))
    assert N.sum().item() == 228146 == sum(len(w) + 1 for w in words)
    assert N[0, 1].item() == sum(w.startswith("a") for w in words)


def test_examples_pairs_are_the_bigrams_in_order():
    vocab = Vocab.from_words(WORDS)
    x, y = examples(WORDS[:3], vocab)
    pairs = [(a, b) for w in WORDS[:3] for a, b in zip("." + w, w + ".", strict=True)]
    assert [
        (vocab.itos[i], vocab.itos[j]) for i, j in zip(x.tolist(), y.tolist(), strict=True)
    ] == pairs


def test_unknown_character_names_the_word():
    vocab = Vocab.from_words(["anna"])
    with pytest.raises(UnknownCharacterError, match=r"word 2 \('bob'\) has the character 'b'"):
        examples(["anna", "bob"], vocab)
    with pytest.raises(UnknownCharacterError) as caught:
        count_table(["anna", "an", "nob"], vocab)
    assert (caught.value.index, caught.value.word, caught.value.char) == (2, "nob", "o")


def test_every_word_check_goes_through_check_words():
    vocab = Vocab("ab")
    for call in (
        lambda: Vocab.from_words(["ab", "a.b"]),
        lambda: examples(["ab", "a.b"], vocab),
        lambda: vocab.encode("ab.a.b"[:3] + "c"),
    ):
        with pytest.raises(UnknownCharacterError):
            call()
    with pytest.raises(UnknownCharacterError) as caught:
        check_words(["ab", "ba", "a.b"])
    assert caught.value.index == 2 and caught.value.char == "."
    check_words(["ab", "ba"], vocab)  # nothing to refuse
    assert vocab.encode("ab.ba").tolist() == [1, 2, 0, 2, 1]


def test_word_with_the_boundary_marker_is_refused():
    with pytest.raises(ValueError, match="contains '.'"):
        Vocab.from_words(["ann.a"])


def test_a_table_too_large_is_refused_before_allocation():
    with pytest.raises(TableTooLargeError, match=r"context length 12: the table of 27\^13 entries"):
        table_shape(27, 12)
    assert context_length(27**3, 27) == 3


@pytest.mark.parametrize("context", [40, 10**20])
def test_a_context_whose_number_overflows_int64_is_refused_at_once(context):
    # The check compares logarithms, so even 10**20 answers at once.
    with pytest.raises(ValueError, match="overflow int64"):
        CountModel.fit(WORDS, context=context)
    with pytest.raises(ValueError, match="overflow int64"):
        NeuralModel.init(Vocab.from_words(WORDS), context=context)


def test_the_int64_limit_is_where_the_table_index_overflows():
    assert contexts_of_length(27, 12) == 27**12  # 27**13 entries < 2**63
    assert 27**14 >= 2**63
    with pytest.raises(ValueError, match="overflow int64"):
        contexts_of_length(27, 13)  # 27**14 entries


@pytest.mark.parametrize("context", [0, -1, 1.5, True, "2"])
def test_a_bad_context_length_is_refused(context):
    with pytest.raises(ValueError, match="context length must be a whole number >= 1"):
        examples(WORDS, Vocab.from_words(WORDS), context)


@pytest.mark.parametrize("smoothing", [-1, float("nan"), float("inf"), True, "1"])
def test_a_bad_smoothing_is_refused(smoothing):
    with pytest.raises(ValueError, match="smoothing must be a finite number >= 0"):
        CountModel.fit(WORDS, smoothing=smoothing)


@pytest.mark.parametrize("smoothing", [0, 0.5, 1, 10])
def test_probabilities_are_smoothed_normalised_counts(smoothing):
    model = CountModel.fit(WORDS, smoothing=smoothing)
    P = model.probs()
    counts = brute_force_counts(WORDS, 1)
    vocab = model.vocab
    for a in vocab.itos:
        total = sum(counts[a, b] + smoothing for b in vocab.itos)
        for b in vocab.itos:
            assert P[vocab.stoi[a], vocab.stoi[b]].item() == pytest.approx(
                (counts[a, b] + smoothing) / total, rel=1e-6
            )
    assert torch.allclose(P.sum(1), torch.ones(len(vocab)))


def loop_nll(model, words):
    """Average NLL with a Python loop over bigrams and math.log."""
    P = model.probs()
    total, n = 0.0, 0
    for w in words:
        padded = "." + w + "."
        for a, b in zip(padded, padded[1:], strict=False):
            p = P[model.vocab.stoi[a], model.vocab.stoi[b]].item()
            total += -math.log(p) if p > 0 else math.inf
            n += 1
    return total / n


def test_vectorised_nll_equals_a_per_bigram_loop():
    model = CountModel.fit(WORDS)
    assert model.nll(WORDS) == pytest.approx(loop_nll(model, WORDS), rel=1e-12)
    assert average_nll(model.probs(), WORDS[:5], model.vocab) == pytest.approx(
        loop_nll(model, WORDS[:5]), rel=1e-12
    )


def test_unseen_bigram_has_infinite_loss_without_smoothing_only():
    raw = CountModel.fit(WORDS, smoothing=0)
    assert raw.nll(["emmz"] if "z" in raw.vocab.stoi else ["ee"]) == math.inf
    assert math.isfinite(CountModel.fit(WORDS, smoothing=1).nll(["zz"]))
