"""Sphinx extension: the first prose mention of a package object in a page links to it.

In each page, the first inline code that names a documented class, function or method of
the packages (`Value`, `draw_dot()`, `Value.backward`, `backward()`) becomes a link to its
entry in the API reference, so authors need not remember to write a role. Mentions that
are already links (a ``{py:meth}`` role, say) count as the first one. Spellings that two
objects share are left alone, and so is code in headings, code blocks and cells.
"""

from __future__ import annotations

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx

SKIP_INSIDE = (nodes.reference, nodes.FixedTextElement, nodes.title, addnodes.desc)


def spellings(app: Sphinx) -> dict[str, tuple[str, str, str]]:
    """How prose writes each public object -> (full name, its page, its anchor)."""
    py = app.env.get_domain("py")
    found: dict[str, set[tuple[str, str, str]]] = {}
    for fullname, entry in py.objects.items():
        if entry.aliased or entry.objtype not in {"class", "function", "method"}:
            continue
        parts = fullname.split(".")
        if any(part.startswith("_") for part in parts):
            continue
        module = next(
            (
                ".".join(parts[:i])
                for i in range(len(parts) - 1, 0, -1)
                if ".".join(parts[:i]) in py.modules
            ),
            None,
        )
        if module is None:
            continue
        short = fullname[len(module) + 1 :]
        forms = {short, f"{short}()"}
        if entry.objtype == "method":
            forms.add(f"{parts[-1]}()")
        for form in forms:
            found.setdefault(form, set()).add((fullname, entry.docname, entry.node_id))
    return {form: targets.pop() for form, targets in found.items() if len(targets) == 1}


def link_first_mentions(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    if app.builder.format != "html":
        return
    targets = spellings(app)
    anchors = {f"#{anchor}": fullname for fullname, _, anchor in targets.values()}
    seen: set[str] = set()
    for literal in list(doctree.findall(nodes.literal)):
        parent = literal.parent
        while parent is not None and not isinstance(parent, SKIP_INSIDE):
            parent = parent.parent
        if isinstance(parent, nodes.reference):
            uri = parent.get("refuri", "")
            fragment = uri[uri.find("#") :] if "#" in uri else ""
            if fragment in anchors:
                seen.add(anchors[fragment])  # an author's role: that is the first mention
            continue
        if parent is not None:
            continue
        target = targets.get(literal.astext())
        if target is None or target[0] in seen:
            continue
        fullname, page, anchor = target
        seen.add(fullname)
        if page == docname:
            continue
        uri = f"{app.builder.get_relative_uri(docname, page)}#{anchor}"
        link = nodes.reference("", "", internal=True, refuri=uri, reftitle=fullname)
        literal.replace_self(link)
        link += literal


def setup(app: Sphinx) -> dict:
    app.connect("doctree-resolved", link_first_mentions)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
