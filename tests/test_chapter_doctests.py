"""Sybil runs a chapter's ``pycon`` examples in the namespace of its code cells."""

import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

CHAPTER = """\
# A chapter

```{code-cell} ipython3
x = 20
```

Some prose.

```{code-cell} ipython3
:tags: [raises-exception]
1 / 0
```

```pycon
>>> x + 1
21
>>> x * 2
41
```
"""


def run_pytest_on(tmp_path: Path, text: str) -> subprocess.CompletedProcess:
    (tmp_path / "literate").mkdir()
    (tmp_path / "literate" / "ch.md").write_text(text)
    shutil.copy(REPO / "conftest.py", tmp_path / "conftest.py")
    shutil.copytree(REPO / "tools", tmp_path / "tools")  # conftest reads cells with tools.chapters
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "literate"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )


def test_failing_example_is_reported_with_file_and_line(tmp_path):
    result = run_pytest_on(tmp_path, CHAPTER)
    assert result.returncode == 1, result.stdout
    assert "1 failed, 3 passed" in result.stdout, result.stdout
    assert "ch.md, line 17" in result.stdout, result.stdout  # the `>>> x * 2` line
    assert "Expected:\n    41\nGot:\n    40" in result.stdout


def test_correct_examples_pass_and_expected_errors_are_allowed(tmp_path):
    result = run_pytest_on(tmp_path, CHAPTER.replace("41", "40"))
    assert result.returncode == 0, result.stdout
    assert "4 passed" in result.stdout


def test_unexpected_error_in_a_cell_fails_with_its_line(tmp_path):
    result = run_pytest_on(tmp_path, CHAPTER.replace(":tags: [raises-exception]\n", ""))
    assert result.returncode == 1
    assert "ch.md:10: code cell failed" in result.stdout, result.stdout
    assert 'ch.md", line 10, in <module>' in result.stdout, "tracebacks quote chapter lines"
