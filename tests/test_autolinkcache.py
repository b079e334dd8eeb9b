"""codeautolink's answers are kept between builds until our packages or libraries change."""

import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "docs" / "_ext"))

import autolinkcache  # noqa: E402
from sphinx_codeautolink.extension.resolve import CouldNotResolve  # noqa: E402


def build(root: Path, monkeypatch, answers: dict) -> list:
    """One build's worth: load, resolve two names, save. Returns the names really asked."""
    asked = []

    def resolve(chain, inventory):
        asked.append(chain.import_components)
        if answers.get(tuple(chain.import_components)) is None:
            raise CouldNotResolve("no")
        return answers[tuple(chain.import_components)]

    monkeypatch.setattr(autolinkcache, "_resolve", resolve)
    original = autolinkcache.autolink.resolve_location  # _load replaces it; put it back after
    monkeypatch.setattr(autolinkcache.autolink, "resolve_location", original)
    app = SimpleNamespace(srcdir=str(root), outdir=str(root / "_build" / "html"))
    autolinkcache._load(app)
    chain = SimpleNamespace(import_components=["pkg", "f"])
    assert autolinkcache.resolve_location(chain, {}) == "pkg.f"
    with pytest.raises(CouldNotResolve):
        autolinkcache.resolve_location(SimpleNamespace(import_components=["torch", "()"]), {})
    autolinkcache._save(app, None)
    return asked


def test_names_are_resolved_once_until_a_package_changes(tmp_path, monkeypatch):
    (tmp_path / "src/pkg").mkdir(parents=True)
    (tmp_path / "src/pkg/__init__.py").write_text("def f():\n    return 1\n")
    (tmp_path / "_build").mkdir()
    answers = {("pkg", "f"): "pkg.f"}
    assert len(build(tmp_path, monkeypatch, answers)) == 2
    assert build(tmp_path, monkeypatch, answers) == [], "the second build asks nothing"
    (tmp_path / "src/pkg/__init__.py").write_text("# why\ndef f():\n    return 1\n")
    assert build(tmp_path, monkeypatch, answers) == [], "a comment changes no answer"
    (tmp_path / "src/pkg/__init__.py").write_text("def f() -> int:\n    return 1\n")
    assert len(build(tmp_path, monkeypatch, answers)) == 2, "changed code is asked again"
