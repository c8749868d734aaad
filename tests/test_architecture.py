"""The package layout stays readable: sub-packages in one direction, no cycles, no hidden imports, small
modules. Read from the source (tests/imports.py), so a violation names the file and line."""

from __future__ import annotations

import ast

from imports import PACKAGE_DIR, imports_of, modules

# Lower layers first: a module may import its own layer and the layers before it, never one after it.
LAYERS = [
    {"attendance", "attendance.errors", "attendance.timeofday"},
    {"attendance.settings"},
    {"attendance.reporting"},
    {"attendance.ingest"},
    {"attendance.cleaning"},
    {"attendance.demand"},
    {"attendance.economy"},
    {"attendance.tracks"},
    {"attendance.synth"},
    {"attendance.pipeline", "attendance.__main__"},
]
MAX_LINES = 600
# The CLI imports each command's module when the command runs, so that `attendance --help` and
# `attendance occupancy` start without loading pandas, matplotlib and the notebooks' machinery.
LAZY_IMPORTS_ALLOWED = {"attendance.pipeline.cli"}

KNOWN = modules()


def layer_of(name: str) -> int:
    parts = name.split(".")
    for depth in (2, 1):
        prefix = ".".join(parts[:depth])
        for index, layer in enumerate(LAYERS):
            if prefix in layer:
                return index
    raise AssertionError(f"{name} is in no layer: add its sub-package to LAYERS in {__file__}")


def test_every_module_is_in_a_layer():
    for name in KNOWN:
        layer_of(name)


def test_sub_packages_import_only_downwards():
    wrong = [
        f"{KNOWN[i.importer].relative_to(PACKAGE_DIR.parent)}:{i.line} imports {i.imported}"
        for name in KNOWN
        for i in imports_of(name, KNOWN)
        if layer_of(i.imported) > layer_of(name)
    ]
    assert not wrong, "a lower layer imports a higher one:\n" + "\n".join(wrong)


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of a directed graph as a path (first node repeated at the end), or None."""
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                return path[path.index(target) :] + [target]
            if target not in state and (cycle := visit(target)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def module_graph() -> dict[str, set[str]]:
    graph = {name: {i.imported for i in imports_of(name, KNOWN) if i.top_level} for name in KNOWN}
    # a package's __init__ importing its own submodules is how a package presents its API, not a cycle
    for name, targets in graph.items():
        if KNOWN[name].name != "__init__.py":
            graph[name] = {t for t in targets if not name.startswith(t + ".")}
    return graph


def test_no_import_cycle_between_modules():
    cycle = find_cycle(module_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_no_function_level_import_of_package_code():
    """A function-level import of our own code usually hides a cycle or a layering problem."""
    hidden = [
        f"{KNOWN[i.importer].relative_to(PACKAGE_DIR.parent)}:{i.line} imports {i.imported} inside a function"
        for name in KNOWN
        if name not in LAZY_IMPORTS_ALLOWED
        for i in imports_of(name, KNOWN)
        if not i.top_level
    ]
    assert not hidden, "\n".join(hidden)


def test_modules_stay_small():
    long = {
        str(path.relative_to(PACKAGE_DIR.parent)): n
        for path in KNOWN.values()
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert not long, f"modules over {MAX_LINES} lines (split them along what they do): {long}"


def test_every_module_says_why_it_exists():
    missing = [
        str(path.relative_to(PACKAGE_DIR.parent))
        for name, path in KNOWN.items()
        if not name.endswith("__main__")
        and not ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
    ]
    assert not missing, f"modules without a docstring: {missing}"


def test_the_checks_can_fail():
    """The graph reader sees a function-level import and a cycle when they are there."""
    source = "def f():\n    from attendance.pipeline import cli\n"
    found = imports_of("attendance.errors", KNOWN, source=source)
    assert {(i.imported, i.top_level) for i in found} == {
        ("attendance.pipeline", False),
        ("attendance.pipeline.cli", False),
    }
    assert layer_of("attendance.pipeline.cli") > layer_of("attendance.errors")
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None
