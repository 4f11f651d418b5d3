"""Does every "who may read it" filter live in portal/services/access.py?

An AST walk over ``portal/``: outside access.py (and the models and migrations, which
define the column and its indexes), no code may compare a model's ``visibility`` column in
a query, nor compare anything to ``Visibility.shared`` / ``Visibility.private`` with ``==``.
Such a filter would bypass the audience rule (an item is read through the pairings it is
shared in, not because it is marked shared).
"""

from __future__ import annotations

import ast
from pathlib import Path

import portal

ROOT = Path(portal.__file__).parent
ALLOWED = {ROOT / "services" / "access.py"}
SKIPPED_DIRS = {ROOT / "models", ROOT / "migrations"}
FILTER_OPS = (ast.Eq, ast.NotEq, ast.In, ast.NotIn)


def _is_visibility_column(node: ast.AST) -> bool:
    """``Model.visibility`` (a class attribute: the column, not an instance's value)."""
    return (
        isinstance(node, ast.Attribute)
        and node.attr == "visibility"
        and isinstance(node.value, ast.Name)
        and node.value.id[:1].isupper()
    )


def _is_visibility_value(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "Visibility"
    )


def visibility_filters(source: str) -> list[int]:
    """Line numbers of visibility filters in ``source``."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Compare) and any(isinstance(op, FILTER_OPS) for op in node.ops):
            operands = [node.left, *node.comparators]
            if any(_is_visibility_column(o) or _is_visibility_value(o) for o in operands):
                lines.append(node.lineno)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in {"in_", "not_in", "is_", "is_not"}
            and _is_visibility_column(node.func.value)
        ):
            lines.append(node.lineno)
    return lines


def _modules() -> list[Path]:
    return [
        path
        for path in sorted(ROOT.rglob("*.py"))
        if path not in ALLOWED and not any(d in path.parents for d in SKIPPED_DIRS)
    ]


def test_does_no_module_outside_access_filter_on_visibility():
    found = {
        str(path.relative_to(ROOT.parent)): lines
        for path in _modules()
        if (lines := visibility_filters(path.read_text()))
    }
    assert found == {}


def test_would_a_visibility_filter_be_caught():
    """The walk has teeth: the old digest's filter and an ``in_`` are both found; building
    an item with ``visibility=Visibility.shared`` and an ``is`` test are not filters."""
    old_digest = "q = select(E).where(E.id == 1, JournalEntry.visibility == Visibility.shared)"
    assert visibility_filters(old_digest) == [1]
    assert visibility_filters("q = select(P).where(Practice.visibility.in_(['shared']))") == [1]
    assert visibility_filters("x = f(v == Visibility.private)") == [1]
    assert visibility_filters("e = JournalEntry(visibility=Visibility.shared)") == []
    assert visibility_filters("if entry.visibility is Visibility.shared:\n    pass") == []
