"""Layout rules of issue 13, read from the source with `ast` (nothing is imported or run).

* No import cycle inside the ``evalkit`` package, counting imports inside functions (they hide
  cycles at import time but still tie the modules together) and ``from . import x`` as an import
  of the submodule ``x``. Imports under ``if TYPE_CHECKING:`` never run and are not counted.
* No module over 600 lines and no function or method over 80 lines, except under
  ``evalkit/sandboxed/`` (code that runs inside the sandbox, kept self-contained on purpose).
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent.parent / "evalkit"
MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 80
EXEMPT = ("sandboxed",)  # first path parts, relative to the package folder


def module_names(pkg_dir: Path) -> dict[str, Path]:
    """Dotted module name -> file, for every .py file of the package (packages under their own name)."""
    root = pkg_dir.name
    out = {}
    for path in sorted(pkg_dir.rglob("*.py")):
        parts = [root, *path.relative_to(pkg_dir).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _import_nodes(tree: ast.AST):
    """Every Import/ImportFrom at any depth, skipping `if TYPE_CHECKING:` bodies."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            stack.extend(node.orelse)
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        stack.extend(ast.iter_child_nodes(node))


def _targets(node: ast.Import | ast.ImportFrom, name: str, is_pkg: bool, modules: dict) -> set[str]:
    """The package modules one import statement of module `name` loads by name."""
    if isinstance(node, ast.Import):
        return {a.name for a in node.names if a.name in modules}
    if node.level:
        base_parts = name.split(".") if is_pkg else name.split(".")[:-1]
        base_parts = base_parts[: len(base_parts) - (node.level - 1)]
        base = ".".join(base_parts + ([node.module] if node.module else []))
    else:
        base = node.module or ""
    out = set()
    for alias in node.names:
        sub = f"{base}.{alias.name}"
        if sub in modules:       # `from . import x` / `from pkg import submodule`
            out.add(sub)
        elif base in modules:    # `from .x import name`
            out.add(base)
    return out


def import_graph(pkg_dir: Path) -> dict[str, set[str]]:
    modules = module_names(pkg_dir)
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        is_pkg = path.name == "__init__.py"
        for node in _import_nodes(tree):
            graph[name] |= _targets(node, name, is_pkg, modules) - {name}
    return graph


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One concrete cycle (a -> ... -> a) per strongly connected component with more than one module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[set[str]] = []

    def visit(v: str) -> None:  # Tarjan; the package is small enough for recursion
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.add(w)
                if w == v:
                    break
            if len(comp) > 1:
                components.append(comp)

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return [_shortest_cycle(graph, comp) for comp in components]


def _shortest_cycle(graph: dict[str, set[str]], comp: set[str]) -> list[str]:
    start = min(comp)
    prev: dict[str, str] = {}
    frontier = [start]
    while frontier:  # breadth-first inside the component, back to start
        nxt = []
        for v in frontier:
            for w in sorted(graph[v] & comp):
                if w == start:
                    path = [v]
                    while path[-1] != start:
                        path.append(prev[path[-1]])
                    return [start, *reversed(path[:-1]), start] if len(path) > 1 else [start, v, start]
                if w not in prev:
                    prev[w] = v
                    nxt.append(w)
        frontier = nxt
    return sorted(comp)


def _exempt(path: Path, pkg_dir: Path) -> bool:
    return path.relative_to(pkg_dir).parts[0] in EXEMPT


def oversized_modules(pkg_dir: Path) -> list[str]:
    out = []
    for path in sorted(pkg_dir.rglob("*.py")):
        n = len(path.read_text(encoding="utf-8").splitlines())
        if n > MAX_MODULE_LINES and not _exempt(path, pkg_dir):
            out.append(f"{path.relative_to(pkg_dir.parent)}: {n} lines")
    return out


def long_functions(pkg_dir: Path) -> list[str]:
    out = []
    for path in sorted(pkg_dir.rglob("*.py")):
        if _exempt(path, pkg_dir):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                n = node.end_lineno - node.lineno + 1
                if n > MAX_FUNCTION_LINES:
                    out.append(f"{path.relative_to(pkg_dir.parent)}:{node.lineno} {node.name}: {n} lines")
    return out


# --- the rules, on evalkit itself -------------------------------------------------------------


def test_evalkit_has_no_import_cycle():
    cycles = find_cycles(import_graph(PACKAGE_DIR))
    assert not cycles, "import cycles in evalkit/:\n" + "\n".join(" -> ".join(c) for c in cycles)


def test_no_module_over_600_lines():
    big = oversized_modules(PACKAGE_DIR)
    assert not big, f"modules over {MAX_MODULE_LINES} lines:\n" + "\n".join(big)


def test_no_function_over_80_lines():
    long = long_functions(PACKAGE_DIR)
    assert not long, f"functions over {MAX_FUNCTION_LINES} lines:\n" + "\n".join(long)


# --- the checker itself, on small packages written here -----------------------------------------


def _write_pkg(root: Path, files: dict[str, str]) -> Path:
    pkg = root / "pkg"
    for rel, text in files.items():
        p = pkg / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    return pkg


def test_graph_sees_function_level_relative_and_submodule_imports(tmp_path):
    pkg = _write_pkg(tmp_path, {
        "__init__.py": "",
        "a.py": "def f():\n    from . import b\n",
        "b.py": "from .sub.c import thing\n",
        "sub/__init__.py": "",
        "sub/c.py": "import pkg.a\nfrom .. import d\nfrom typing import TYPE_CHECKING\n"
                    "if TYPE_CHECKING:\n    from pkg import b\n",
        "d.py": "from pkg.sub import c\n",
    })
    graph = import_graph(pkg)
    assert graph["pkg.a"] == {"pkg.b"}
    assert graph["pkg.b"] == {"pkg.sub.c"}
    assert graph["pkg.sub.c"] == {"pkg.a", "pkg.d"}  # the TYPE_CHECKING import is not counted
    assert graph["pkg.d"] == {"pkg.sub.c"}
    cycles = find_cycles(graph)
    assert len(cycles) == 1
    cycle = cycles[0]
    assert cycle[0] == cycle[-1] == "pkg.a"
    assert set(cycle) == {"pkg.a", "pkg.b", "pkg.sub.c"}  # the shortest way round, d is a side loop
    for src, dst in zip(cycle, cycle[1:]):
        assert dst in graph[src]


def test_acyclic_package_passes_and_sizes_are_measured(tmp_path):
    long_body = "".join(f"    x{i} = {i}\n" for i in range(MAX_FUNCTION_LINES))
    pkg = _write_pkg(tmp_path, {
        "__init__.py": "from .a import f\n",
        "a.py": "from .b import g\ndef f():\n" + long_body,
        "b.py": "def g():\n    pass\n" + "#\n" * MAX_MODULE_LINES,
        "sandboxed/__init__.py": "",
        "sandboxed/big.py": "def h():\n" + long_body + "#\n" * MAX_MODULE_LINES,
    })
    assert find_cycles(import_graph(pkg)) == []
    assert long_functions(pkg) == [f"pkg/a.py:2 f: {MAX_FUNCTION_LINES + 1} lines"]
    assert oversized_modules(pkg) == [f"pkg/b.py: {MAX_MODULE_LINES + 2} lines"]
