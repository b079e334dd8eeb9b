"""Which chapters run again after a change in src/ or data/ (docs/_ext/chapterinputs.py)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "docs" / "_ext"))

import chapterinputs  # noqa: E402

FRONT = "---\nkernelspec:\n  name: python3\n---\n\n# A chapter\n\n"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def make_tree(root: Path) -> None:
    write(root / "src/pkg/__init__.py", "")
    write(root / "src/pkg/base.py", "def f():\n    return 1\n")
    write(root / "src/pkg/top.py", "from .base import f\n\n\ndef g():\n    return f()\n")
    write(root / "src/pkg/other.py", "X = 1\n")
    write(root / "src/pkg/cli/__init__.py", "")
    write(root / "src/pkg/cli/__main__.py", "from pkg.top import g\n")
    write(root / "src/pkg/table.txt", "a b\n")
    write(root / "data/names.txt", "emma\n")
    write(root / "data/other.txt", "x\n")


def chapter(root: Path, code: str, tags: str = "") -> Path:
    cell = f"```{{code-cell}} ipython3\n{tags}{code}\n```\n"
    return write(root / "literate/ch.md", FRONT + cell)


def inputs(root: Path, page: Path) -> tuple[list[str], str]:
    found = chapterinputs.page_inputs(page, root, {})
    files = chapterinputs.dependencies(set(found["modules"]), root / "src")
    for cached in ("parse", "module_file", "imports_of", "code_digest"):  # one build each
        getattr(chapterinputs, cached).cache_clear()
    return [str(p.relative_to(root)) for p in files], chapterinputs.fingerprint(found, root)


def test_imports_are_followed_through_the_package(tmp_path):
    make_tree(tmp_path)
    page = chapter(tmp_path, "from pkg.top import g\nopen('../data/names.txt')")
    files, _ = inputs(tmp_path, page)
    assert files == ["src/pkg/__init__.py", "src/pkg/base.py", "src/pkg/top.py"]
    assert chapterinputs.page_inputs(page, tmp_path, {})["data"] == ["names.txt"]


def test_a_module_run_with_dash_m_counts(tmp_path):
    make_tree(tmp_path)
    page = chapter(tmp_path, "import subprocess\nsubprocess.run(['python', '-m', 'pkg.cli'])")
    files, _ = inputs(tmp_path, page)
    assert "src/pkg/cli/__main__.py" in files and "src/pkg/top.py" in files
    assert "src/pkg/other.py" not in files


def test_a_comment_changes_nothing_but_code_and_data_do(tmp_path):
    make_tree(tmp_path)
    page = chapter(tmp_path, "from pkg.top import g\nopen('../data/names.txt')")
    _, before = inputs(tmp_path, page)
    write(tmp_path / "src/pkg/base.py", "# why it returns 1\ndef f():\n\n    return 1\n")
    write(tmp_path / "src/pkg/other.py", "X = 2\n")  # not imported
    write(tmp_path / "data/other.txt", "y\n")  # not named
    assert inputs(tmp_path, page)[1] == before
    write(tmp_path / "src/pkg/base.py", "def f():\n    return 2\n")
    assert inputs(tmp_path, page)[1] != before
    write(tmp_path / "src/pkg/base.py", "def f():\n    return 1\n")
    assert inputs(tmp_path, page)[1] == before
    write(tmp_path / "src/pkg/table.txt", "a c\n")  # package data
    assert inputs(tmp_path, page)[1] != before
    _, before = inputs(tmp_path, page)
    write(tmp_path / "data/names.txt", "olivia\n")
    assert inputs(tmp_path, page)[1] != before


def test_pages_that_show_tracebacks_count_comments_too(tmp_path):
    make_tree(tmp_path)
    page = chapter(tmp_path, "from pkg.base import f\nf(1)", ":tags: [raises-exception]\n")
    _, before = inputs(tmp_path, page)
    write(
        tmp_path / "src/pkg/base.py", "# shifts the lines of a traceback\ndef f():\n    return 1\n"
    )
    assert inputs(tmp_path, page)[1] != before


def test_forget_removes_only_the_named_pages_outputs(tmp_path):
    import nbformat
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    cache = get_cache(str(tmp_path / "cache"))
    for name in ("a", "b"):
        notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(f"{name} = 1")])
        notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "python3"}
        cache.cache_notebook_bundle(
            CacheBundleIn(notebook, f"/book/{name}.md"), check_validity=False
        )
    chapterinputs.forget(tmp_path / "cache", {"/book/a.md"})
    assert [record.uri for record in cache.list_cache_records()] == ["/book/b.md"]


def test_an_author_sees_the_edited_chapter_first_and_the_rest_one_build_later():
    outdated = ["a/ch1", "a/ch2", "b/ch1"]
    plan = chapterinputs.plan
    assert plan(outdated, {"a/ch1"}, False, defer=False) == (outdated, [])
    assert plan(outdated, {"a/ch1"}, False, defer=True) == (["a/ch1"], ["a/ch2", "b/ch1"])
    assert plan(outdated, {"a/ch1"}, True, defer=True) == (outdated, [])  # never twice
    assert plan(outdated, set(), False, defer=True) == (outdated, [])  # src/ alone changed
    assert plan([], {"a/ch1"}, False, defer=True) == ([], [])


class Build:
    """What Sphinx gives the extension: the app (source dir, settings) and the pages."""

    def __init__(self, root: Path, defer: bool) -> None:
        config = {"nb_execution_mode": "cache", "chapter_inputs_defer": defer}
        config["nb_execution_cache_path"] = str(root / "_build" / "cache")
        self.app = type("App", (), {"srcdir": str(root), "config": type("C", (), config)})()
        self.env = type("Env", (), {"doc2path": lambda _, d: str(root / f"{d}.md")})()
        self.env.found_docs = {"literate/a", "literate/b"}

    def run(self, saved: set[str], fails: bool = False) -> tuple[list[str], list[str]]:
        """Pages read again beyond the saved ones, and pages deferred to the next build."""
        for cached in ("parse", "module_file", "imports_of", "code_digest"):
            getattr(chapterinputs, cached).cache_clear()
        again = chapterinputs._outdated(self.app, self.env, set(), saved, set())
        chapterinputs._record(self.app, RuntimeError("a cell failed") if fails else None)
        return again, self.app.env_inputs["deferred"]


def test_deferred_chapters_run_in_the_build_that_the_trigger_starts(tmp_path):
    make_tree(tmp_path)
    cell = "```{{code-cell}} ipython3\n{}\n```\n"
    write(tmp_path / "literate/a.md", FRONT + cell.format("from pkg.top import g"))
    write(tmp_path / "literate/b.md", FRONT + cell.format("from pkg.base import f"))
    build = Build(tmp_path, defer=True)
    trigger = tmp_path / chapterinputs.TRIGGER
    assert build.run({"literate/a", "literate/b"}) == ([], [])
    write(tmp_path / "src/pkg/base.py", "def f():\n    return 2\n")  # a saves a new f
    assert build.run({"literate/a"}) == ([], ["literate/b"])  # a now, b next
    assert trigger.read_text().split() == ["literate/b"]
    assert build.run(set()) == (["literate/b"], [])  # the build the trigger starts
    assert build.run(set()) == ([], [])  # and then nothing is left over
    # A build that fails records nothing: the next one runs whatever it left behind.
    write(tmp_path / "src/pkg/base.py", "def f():\n    return 3\n")
    assert build.run({"literate/a"}, fails=True) == ([], ["literate/b"])
    assert build.run(set()) == (["literate/a", "literate/b"], [])
    # make html never defers.
    write(tmp_path / "src/pkg/base.py", "def f():\n    return 4\n")
    assert Build(tmp_path, defer=False).run({"literate/a"}) == (["literate/b"], [])
