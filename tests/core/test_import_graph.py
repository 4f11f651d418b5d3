"""The shape of the code: imports flow blueprints -> services -> models -> core, with no cycles.

The graph counts every import in a module, also those inside functions and TYPE_CHECKING
blocks: a cycle hidden in a function is still a cycle.
"""

import ast
from pathlib import Path

import portal

PORTAL = Path(portal.__file__).parent
# Imports a layer may not make: (importer prefix, imported prefix).
FORBIDDEN = [
    ("portal.core", "portal."),
    ("portal.models", "portal.services"),
    ("portal.models", "portal.blueprints"),
    ("portal.services", "portal.blueprints"),
    ("portal.services", "portal.demo"),
    ("portal.blueprints", "portal.demo"),
    ("portal.tasks", "portal.blueprints"),
]
# What belongs to the web layer only: services take plain values and raise domain errors.
WEB_ONLY = {"wtforms", "flask_wtf", "flask.abort", "flask.request", "flask_login.current_user"}


def _modules() -> dict[str, Path]:
    found = {}
    for path in PORTAL.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        parts = path.relative_to(PORTAL.parent).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    targets = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            for alias in node.names:
                full = f"{base}.{alias.name}"
                targets.add(full if full in modules else base)
                targets.add(full)
        elif isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
    return targets


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    graph = {}
    for name, path in modules.items():
        edges = set()
        for target in _imports(name, path, modules):
            while target not in modules and "." in target:
                target = target.rsplit(".", 1)[0]
            if target in modules and target != name and not target.startswith(name + "."):
                edges.add(target)
        graph[name] = edges
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in graph:
        if v not in index:
            visit(v)
    return found


def test_are_there_no_import_cycles():
    cycles = [c for c in _cycles(_graph()) if not (len(c) == 2 and c[1].startswith(c[0] + "."))]
    assert cycles == []


def test_do_imports_flow_one_way():
    wrong = [
        (name, target)
        for name, targets in _graph().items()
        for target in targets
        for importer, imported in FORBIDDEN
        if name.startswith(importer) and target.startswith(imported)
    ]
    assert wrong == []


def test_do_services_leave_forms_requests_and_abort_to_the_blueprints():
    modules = _modules()
    wrong = []
    for name, path in modules.items():
        if not name.startswith(("portal.services", "portal.models", "portal.core")):
            continue
        for target in _imports(name, path, modules):
            if any(target == w or target.startswith(w + ".") for w in WEB_ONLY):
                wrong.append((name, target))
    assert wrong == []


def test_does_a_web_worker_never_load_the_demo_seeders():
    """Follow every import from the app factory, except into the CLI (where seed-demo lives)."""
    graph, modules = _graph(), _modules()
    todo = [t for t in _imports("portal", modules["portal"], modules) if t in modules]
    # portal.blueprints registers every package in it by name (pkgutil), not by import.
    todo += [m for m in modules if m.startswith("portal.blueprints.")]
    seen: set[str] = set()
    while todo:
        module = todo.pop()
        if module in seen or module == "portal.cli":
            continue
        seen.add(module)
        todo.extend(graph.get(module, ()))
    assert "portal.blueprints.auth.routes" in seen, "the walk did not reach the blueprints"
    assert [m for m in seen if m.startswith("portal.demo")] == []
