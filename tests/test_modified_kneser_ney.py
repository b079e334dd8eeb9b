"""Modified Kneser-Ney against a brute-force implementation with dictionaries of strings."""

import itertools
from collections import Counter
from functools import cache
from pathlib import Path

import pytest
import torch
from brute_force import pair_counts

from makemore.counting import count_table
from makemore.smoothing import ModifiedKneserNeyModel, modified_discounts
from makemore.vocab import Vocab
from makemore.words import read_words

NAMES = read_words(Path(__file__).resolve().parent.parent / "data" / "names.txt")[:600]
VOCAB = Vocab.from_words(NAMES)


def by_hand(words, k, chars):
    """P(c | h) by the textbook recursion, counting (context string, next) pairs."""
    raw = pair_counts(words, k)
    levels = {k: dict(raw)}
    for j in range(k - 1, -1, -1):
        longer = Counter()  # raw counts for contexts of j + 1 characters
        for (h, c), n in raw.items():
            longer[h[k - j - 1 :], c] += n
        continuation = Counter()  # distinct characters seen before (h, c)
        for h, c in longer:
            continuation[h[1:], c] += 1
        levels[j] = dict(continuation)

    def discounts(level):
        n = [sum(1 for v in level.values() if v == r) for r in (1, 2, 3, 4)]
        if min(n) == 0:
            return None
        y = n[0] / (n[0] + 2 * n[1])
        return [r - (r + 1) * y * n[r] / n[r - 1] for r in (1, 2, 3)]

    found = {j: discounts(levels[j]) for j in range(k + 1)}
    for j in range(k - 1, -1, -1):
        found[j] = found[j] or found[j + 1]

    @cache
    def p(c, h):
        j = len(h)
        lower = 1 / len(chars) if j == 0 else p(c, h[1:])
        row = {x: levels[j].get((h, x), 0) for x in chars}
        total = sum(row.values())
        if total == 0:
            return lower
        d1, d2, d3 = found[j]

        def cut(n):
            return 0 if n == 0 else d1 if n == 1 else d2 if n == 2 else d3

        gamma = sum(cut(n) for n in row.values())
        return (row[c] - cut(row[c]) + gamma * lower) / total

    return p, found


@pytest.mark.parametrize("k", [1, 2, 3])
def test_modified_kneser_ney_equals_the_dictionary_version(k):
    chars = VOCAB.itos
    model = ModifiedKneserNeyModel.fit(NAMES, VOCAB, k)
    P = model.probs()
    p, found = by_hand(NAMES, k, chars)
    for j, triple in enumerate(model.discounts):
        assert list(triple) == pytest.approx(found[j])
    for number, h in enumerate(itertools.product(chars, repeat=k)):
        expected = [p(c, "".join(h)) for c in chars]
        assert P[number].tolist() == pytest.approx(expected, abs=1e-6)
    assert torch.allclose(P.sum(1), torch.ones(len(P)), atol=1e-6)


def test_discounts_follow_the_closed_form():
    counts = torch.tensor([1] * 10 + [2] * 5 + [3] * 3 + [4] * 2 + [9])
    y = 10 / (10 + 2 * 5)
    expected = (1 - 2 * y * 5 / 10, 2 - 3 * y * 3 / 5, 3 - 4 * y * 2 / 3)
    assert modified_discounts(counts) == pytest.approx(expected)
    assert modified_discounts(torch.tensor([1, 2, 3, 5])) is None  # no count of 4


def test_too_few_counts_are_refused_with_a_reason():
    with pytest.raises(ValueError, match="too few counts for modified Kneser-Ney"):
        ModifiedKneserNeyModel(VOCAB, count_table(["ab"], VOCAB, 1), 1)


def test_discounts_out_of_range_are_refused_not_used():
    # Counts of counts n1..n4 = 1, 1, 1, 5: D3+ = 3 - 4 * (1/3) * 5 / 1 < 0.
    counts = torch.tensor([[1, 2, 3, 4, 4, 4, 4, 4]])
    d1, d2, d3 = modified_discounts(counts)
    assert d3 == pytest.approx(3 - 4 * (1 / 3) * 5 / 1) and d3 < 0
    vocab = Vocab("abcdefg")
    # Eight copies of the row make the 8 x 8 bigram table: the same ratios, the same D3+.
    with pytest.raises(ValueError, match=r"length 1 come out as \(.*\), outside 0-1, 0-2, 0-3"):
        ModifiedKneserNeyModel(vocab, counts.repeat(8, 1), 1)
