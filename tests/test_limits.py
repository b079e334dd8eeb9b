"""The size guard of chapter 5: refuse a table that cannot fit, at once, with one line."""

import math

import pytest

from makemore.limits import (
    BYTES_PER_ENTRY,
    TableTooLargeError,
    available_memory,
    table_shape,
)


class NoPower(int):
    """An int that fails the test if anything raises a number to its power.

    ``27 ** k`` with ``k`` of a subclass of int calls ``k.__rpow__`` first, and sums and
    products stay ``NoPower``, so ``27 ** (k + 1)`` is caught too.
    """

    def __rpow__(self, base, modulo=None):
        raise AssertionError(f"computed a power with exponent {int(self)}")

    def __pow__(self, exponent, modulo=None):
        raise AssertionError("computed a power of the context length")

    def __add__(self, other):
        result = int(self) + other
        return NoPower(result) if isinstance(result, int) else result

    __radd__ = __add__

    def __mul__(self, other):
        result = int(self) * other
        return NoPower(result) if isinstance(result, int) else result

    __rmul__ = __mul__


def test_the_trap_catches_a_power():
    with pytest.raises(AssertionError, match="computed a power"):
        27 ** (NoPower(3) + 1)


@pytest.mark.parametrize(
    "context", [99999999999999999999, 10**12, 10**5000], ids=["20 nines", "1e12", "1e5000"]
)
def test_huge_context_is_refused_without_computing_the_power(context):
    with pytest.raises(TableTooLargeError) as refused:
        table_shape(27, NoPower(context), available=2**40)
    message = str(refused.value)
    assert "\n" not in message and "context length" in message
    assert "1,024.0 GiB" in message
    if context < 10**100:
        assert str(context) in message


def test_a_table_that_fits_has_the_right_shape():
    assert table_shape(27, 1, available=2**30) == (27, 27)
    assert table_shape(27, 3, available=2**30) == (27**3, 27)
    assert table_shape(1, 10**20, available=2**30) == (1, 1)  # one character: one row


def test_the_limit_is_exact_at_the_boundary():
    entries = 27**4  # context 3
    assert table_shape(27, 3, available=entries * BYTES_PER_ENTRY) == (27**3, 27)
    with pytest.raises(TableTooLargeError):
        table_shape(27, 3, available=entries * BYTES_PER_ENTRY - 1)
    # With 8 bytes per entry the same memory holds 8 times more entries, not 27.
    with pytest.raises(TableTooLargeError):
        table_shape(27, 4, available=entries * BYTES_PER_ENTRY, bytes_per_entry=8)


def test_a_large_vocabulary_is_refused_before_anything_is_built():
    # 25,000 CJK characters: a bigram table of 625 million entries.
    with pytest.raises(TableTooLargeError, match=r"25001\^2 entries \(625,050,001\)"):
        table_shape(25001, 1, available=16 * 2**30)


@pytest.mark.parametrize(
    "context",
    [0, -1, -(10**5000), True, 2.0, "3", None],
    ids=["0", "-1", "-1e5000", "True", "2.0", "str", "None"],
)
def test_bad_context_lengths_are_value_errors(context):
    with pytest.raises(ValueError) as e:
        table_shape(27, context)
    assert not isinstance(e.value, TableTooLargeError)
    message = str(e.value)
    assert len(message) < 200 and "\n" not in message
    if context != -(10**5000):  # too long to print: Python's own one-line ValueError
        assert "context length must be a whole number >= 1" in message


def test_bad_vocabulary_sizes_are_value_errors():
    for size in (0, -3, 2.5, False):
        with pytest.raises(ValueError, match="vocabulary size must be a whole number >= 1"):
            table_shape(size, 1)


def test_available_memory_is_a_positive_number_of_bytes():
    memory = available_memory()
    assert isinstance(memory, int) and memory > 0
    # The default check uses it: a table of 2x the available memory is refused.
    entries = 2 * memory // BYTES_PER_ENTRY
    k = math.ceil(math.log(entries, 27))
    with pytest.raises(TableTooLargeError):
        table_shape(27, k)
