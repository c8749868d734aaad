"""The package's import graph, read from the source with `ast` (nothing is imported): which module imports
which, and where each import sits. Shared by the architecture test and the dvc.yaml deps test."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE_DIR = ROOT / "src" / "attendance"


@dataclass(frozen=True)
class Import:
    importer: str  # dotted module name, e.g. "attendance.tracks.referral"
    imported: str  # dotted module name it resolves to
    line: int
    top_level: bool  # False: inside a function or class body


def modules() -> dict[str, Path]:
    """Dotted name → file, for every module of the package (a package is its __init__.py)."""
    found: dict[str, Path] = {}
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        parts = path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def _is_package(name: str, known: dict[str, Path]) -> bool:
    return known[name].name == "__init__.py"


def _resolve(node: ast.ImportFrom, importer: str, known: dict[str, Path]) -> str:
    if not node.level:
        return node.module or ""
    base = importer.split(".")
    if not _is_package(importer, known):
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def imports_of(name: str, known: dict[str, Path] | None = None, source: str | None = None) -> list[Import]:
    """Every import of a package module in `name` (or in `source`, e.g. a notebook's code, as if it were
    top-level code of `name`). `from pkg import sub` counts as importing pkg and pkg.sub."""
    known = known if known is not None else modules()
    tree = ast.parse(source if source is not None else known[name].read_text(encoding="utf-8"))
    top = {id(n) for n in tree.body}
    # imports under `if TYPE_CHECKING:` or `try:` at module level are still module-level
    for node in tree.body:
        if isinstance(node, ast.If | ast.Try):
            top |= {id(n) for n in ast.walk(node)}
    found: list[Import] = []
    for node in ast.walk(tree):
        targets: list[str] = []
        if isinstance(node, ast.ImportFrom):
            module = _resolve(node, name, known)
            if module.split(".")[0] != "attendance":
                continue
            targets.append(module)
            targets += [f"{module}.{a.name}" for a in node.names if f"{module}.{a.name}" in known]
        elif isinstance(node, ast.Import):
            targets += [a.name for a in node.names if a.name.split(".")[0] == "attendance"]
        for target in targets:
            # `import attendance.a.b` also runs attendance.a's __init__: count the closest known module
            while target not in known and "." in target:
                target = target.rsplit(".", 1)[0]
            if target in known and target != name:
                found.append(Import(name, target, node.lineno, id(node) in top))
    return found


def closure(start: set[str], known: dict[str, Path] | None = None) -> set[str]:
    """Every module `start` loads, including the __init__ of each package on the way."""
    known = known if known is not None else modules()
    seen: set[str] = set()
    todo = list(start)
    while todo:
        name = todo.pop()
        if name in seen or name not in known:
            continue
        seen.add(name)
        parts = name.split(".")
        todo += [".".join(parts[:i]) for i in range(1, len(parts))]  # parent packages run first
        todo += [i.imported for i in imports_of(name, known)]
    return seen


def dep_unit(name: str) -> str:
    """The path dvc.yaml declares for a module: its sub-package folder, or the file of a top-level module."""
    parts = name.split(".")
    if len(parts) == 1:
        return "src/attendance/__init__.py"
    if len(parts) >= 3 or (PACKAGE_DIR / parts[1]).is_dir():
        return f"src/attendance/{parts[1]}"
    return f"src/attendance/{parts[1]}.py"


def stage_source_deps(stage: dict) -> set[str]:
    """The src/ paths a dvc.yaml stage must declare: the closure of what its notebook imports, plus the runner
    (`attendance run-notebook`); for the disclosure audit, the audit's module. The pipeline folder (the CLI
    the command runs) is always one of them."""
    import json

    known = modules()
    cmd = stage["cmd"].split()
    notebook = next((c for c in cmd if c.endswith(".ipynb")), None)
    if notebook:
        cells = json.loads((ROOT / notebook).read_text(encoding="utf-8"))["cells"]
        code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
        scratch = {**known, "attendance.__notebook__": ROOT / notebook}
        start = {i.imported for i in imports_of("attendance.__notebook__", scratch, source=code)}
        start.add("attendance.pipeline.notebook_runner")
    else:
        start = {"attendance.reporting.disclosure"}
    return {dep_unit(m) for m in closure(start, known)} | {"src/attendance/pipeline"}
