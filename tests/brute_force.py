"""Counting by brute force over strings, the independent reference for makemore's tables."""

from collections import Counter


def pair_counts(words: list[str], k: int) -> Counter:
    """How often each (context of ``k`` characters, next character) pair occurs.

    Each word is padded with ``k`` dots in front and one behind, then sliced.

    >>> sorted(pair_counts(["ab"], 1).items())
    [(('.', 'a'), 1), (('a', 'b'), 1), (('b', '.'), 1)]
    """
    counts = Counter()
    for w in words:
        padded = "." * k + w + "."
        for i in range(len(w) + 1):
            counts[padded[i : i + k], padded[i + k]] += 1
    return counts
