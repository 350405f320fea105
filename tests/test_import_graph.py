"""No import cycles between the modules of bot, hotline_router and nlu (module-level imports:
what runs when a module is first imported). Imports inside functions are listed in
ALLOWED_LATE with the reason each one stays there."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).parents[1]
PACKAGES = ("bot", "hotline_router", "nlu")
# (module, imported module): why the import waits until the function runs.
ALLOWED_LATE = {
    ("bot.startup", "bot.storage.db"): "bot.storage.db imports StartupError from bot.startup",
    ("nlu.report", "matplotlib"): "the Agg backend is chosen before pyplot is imported",
    ("nlu.report", "matplotlib.pyplot"): "the Agg backend is chosen before pyplot is imported",
    ("nlu.yamlcompose", "yaml._yaml"): "PyYAML's C extension is optional",
    ("nlu.rasa.predict", "rasa.core.agent"): "runs in Rasa's own environment, after its arguments",
}


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
            found[name] = path
    return found


def _imports(body: list[ast.stmt], *, top: bool) -> list[tuple[str, bool]]:
    """(module, at module level) of every absolute import; TYPE_CHECKING blocks are skipped."""
    out: list[tuple[str, bool]] = []
    for node in body:
        if isinstance(node, ast.Import):
            out += [(alias.name, top) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.append((node.module, top))
            out += [(f"{node.module}.{alias.name}", top) for alias in node.names]
        elif isinstance(node, ast.If) and not (isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"):
            out += _imports(node.body, top=top) + _imports(node.orelse, top=top)
        elif isinstance(node, ast.Try):
            out += _imports(node.body, top=top) + _imports(node.orelse, top=top)
            for handler in node.handlers:
                out += _imports(handler.body, top=top)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.With | ast.AsyncWith
                        | ast.For | ast.While):
            out += _imports(node.body, top=top and isinstance(node, ast.ClassDef))
    return out


def test_imports_inside_functions_are_the_known_ones() -> None:
    late = set()
    for name, path in _modules().items():
        for module, top in _imports(ast.parse(path.read_text(encoding="utf-8")).body, top=True):
            if not top:
                late.add((name, module))
    # `from a.b import c` is listed as a.b and a.b.c: one is enough.
    late = {(name, module) for name, module in late if (name, module.rpartition(".")[0]) not in late}
    assert late <= set(ALLOWED_LATE), sorted(late - set(ALLOWED_LATE))


def test_no_import_cycles() -> None:
    modules = _modules()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        deps = set()
        for module, top in _imports(ast.parse(path.read_text(encoding="utf-8")).body, top=True):
            while module and module not in modules:
                module = module.rpartition(".")[0]
            if top and module and module != name:
                deps.add(module)
        graph[name] = deps
    # Depth-first search; a grey node met again closes a cycle.
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for dep in sorted(graph[node]):
            if state.get(dep) == 1:
                cycles.append([*path[path.index(dep):], dep])
            elif dep not in state:
                visit(dep, [*path, dep])
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert cycles == []
