"""Sphinx extension: the ``api-modules`` directive documents every module of a package.

``docs/api.md`` says only which packages to document::

    ```{api-modules} micrograd
    ```

and the directive expands to one section per public module of ``src/micrograd/``, titled
with the module's name and filled by ``automodule``, in the order the book introduces the
modules (the order of their first tangled cell). A chapter that tangles a new module
therefore adds it to the API reference with no further edit.
"""

from __future__ import annotations

from pathlib import Path

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.util.docutils import SphinxDirective

from tools import tangle


def modules_of(package: str, root: Path) -> list[str]:
    """Public modules of ``src/<package>``: book order first, then any others by name."""
    ordered: list[str] = []
    for chapter in tangle.book_order(root):
        for cell in tangle.read_cells(chapter, root):
            parts = Path(cell.target).with_suffix("").parts
            name = ".".join(parts)
            if parts[0] == package and not parts[-1].startswith("_") and name not in ordered:
                ordered.append(name)
    for path in sorted((root / "src" / package).glob("*.py")):
        name = f"{package}.{path.stem}"
        if not path.stem.startswith("_") and name not in ordered:
            ordered.append(name)
    return ordered


class ApiModules(SphinxDirective):
    required_arguments = 1  # the package

    def run(self) -> list[nodes.Node]:
        root = Path(self.env.srcdir)
        package = self.arguments[0]
        self.env.note_dependency(str(root / "docs" / "index.md"))
        modules = modules_of(package, root)
        if not modules:
            text = f"No chapter tangles a module into {package} yet."
            return [nodes.paragraph(text, text)]
        sections: list[nodes.Node] = []
        for module in modules:
            self.env.note_dependency(str(root / "src" / Path(*module.split("."))) + ".py")
            section = nodes.section(ids=[f"api-{nodes.make_id(module)}"], names=[module])
            section += nodes.title("", "", nodes.literal(module, module))
            # The page is MyST Markdown, so nested content is Markdown; autodoc writes reST.
            body = StringList(["```{eval-rst}", f".. automodule:: {module}", "```"], source=module)
            self.state.nested_parse(body, self.content_offset, section)
            sections.append(section)
        return sections


def setup(app) -> dict:
    app.add_directive("api-modules", ApiModules)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
