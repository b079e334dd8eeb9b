"""Reading word lists: byte-order mark, line ends, line numbers and one-line errors."""

import pytest

from makemore.vocab import Vocab
from makemore.words import WordListError, read_numbered_words, read_words


def write(tmp_path, data: bytes):
    path = tmp_path / "words.txt"
    path.write_bytes(data)
    return path


def test_a_leading_byte_order_mark_is_not_part_of_the_first_word(tmp_path):
    path = write(tmp_path, "\ufeffemma\nava\n".encode())
    assert read_words(path) == ["emma", "ava"]
    assert "\ufeff" not in Vocab.from_words(read_words(path)).itos


def test_a_byte_order_mark_later_in_the_file_is_kept(tmp_path):
    # Only the file's first bytes can be a byte-order mark; elsewhere U+FEFF is a character.
    path = write(tmp_path, "emma\n\ufeffava\n".encode())
    assert read_words(path) == ["emma", "\ufeffava"]


def test_windows_line_ends_read_like_unix_ones(tmp_path):
    unix = write(tmp_path, b"emma\n\nava\nbo\n")
    expected = read_numbered_words(unix)
    windows = write(tmp_path, b"emma\r\n\r\nava\r\nbo\r\n")
    assert read_numbered_words(windows) == expected == (["emma", "ava", "bo"], [1, 3, 4])


@pytest.mark.parametrize("separator", ["\x0c", "\x0b", "\x1c", "\x85", "\u2028", "\u2029"])
def test_only_newline_ends_a_line(tmp_path, separator):
    # str.splitlines() splits at each of these; an editor shows them inside the line.
    path = write(tmp_path, f"emma\nan{separator}na\nzoe\n".encode())
    words, lines = read_numbered_words(path)
    assert words == ["emma", f"an{separator}na", "zoe"]
    assert lines == [1, 2, 3]


def test_an_only_byte_order_mark_file_has_no_words(tmp_path):
    with pytest.raises(WordListError, match="no words"):
        read_words(write(tmp_path, b"\xef\xbb\xbf\n"))


def test_bad_utf8_names_the_file_and_the_line(tmp_path):
    path = write(tmp_path, b"\xef\xbb\xbfemma\r\nava\r\nzo\xe9\r\n")
    with pytest.raises(WordListError) as caught:
        read_words(path)
    assert str(caught.value) == f"{path}:3: not UTF-8 text"


@pytest.mark.parametrize(
    ("data", "message"),
    [(b"", "the file is empty"), (b"\n  \r\n\n", "no words")],
)
def test_empty_and_blank_files_are_refused_naming_the_file(tmp_path, data, message):
    path = write(tmp_path, data)
    with pytest.raises(WordListError, match=f"^{path}: {message}"):
        read_words(path)


def test_missing_file_and_directory_are_refused(tmp_path):
    with pytest.raises(WordListError, match="no such file"):
        read_words(tmp_path / "nothing.txt")
    with pytest.raises(WordListError, match="is a directory"):
        read_words(tmp_path)
