"""The size goal of the lecture-sized core: what chapters 1-6 tangle into
``micrograd/engine.py`` and ``micrograd/nn.py`` is at most 200 lines of code.

A line of code holds at least one token that is neither a comment nor part of a
docstring; blank lines do not count. ``python tests/test_micrograd_size.py`` prints the
count for each module.
"""

from __future__ import annotations

import ast
import io
import sys
import tokenize
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src" / "micrograd"
CORE = ("engine.py", "nn.py")
LIMIT = 200


def docstring_lines(tree: ast.AST) -> set[int]:
    """Line numbers covered by module, class and function docstrings."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if (
                body
                and isinstance(body[0], ast.Expr)
                and isinstance(body[0].value, ast.Constant)
                and isinstance(body[0].value.value, str)
            ):
                lines.update(range(body[0].lineno, body[0].end_lineno + 1))
    return lines


def code_lines(source: str) -> int:
    """The number of lines with code: not blank, not only comments, not docstrings."""
    skip = docstring_lines(ast.parse(source))
    ignored = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT}
    ignored |= {tokenize.DEDENT, tokenize.ENDMARKER}
    lines: set[int] = set()
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type not in ignored:
            lines.update(range(token.start[0], token.end[0] + 1))
    return len(lines - skip)


def test_counter_ignores_comments_blank_lines_and_docstrings():
    source = '"""Module.\n\nMore."""\n\n# a comment\nx = 1  # trailing\n\n\ndef f():\n'
    source += '    """Doc."""\n    return (\n        x\n    )\n'
    assert code_lines(source) == 5  # x = 1, def f, return (, x, )


def test_core_modules_are_lecture_sized():
    counts = {name: code_lines((SRC / name).read_text()) for name in CORE}
    assert sum(counts.values()) <= LIMIT, counts


if __name__ == "__main__":
    total = 0
    for name in CORE:
        n = code_lines((SRC / name).read_text())
        total += n
        print(f"{name:10} {n:4} lines of code")
    print(f"{'together':10} {total:4} (goal <= {LIMIT})")
    sys.exit(0 if total <= LIMIT else 1)
