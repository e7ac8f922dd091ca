"""The house's import direction: a module imports its own layer or lower ones, never higher.

Every module of the product (postbakke/) and of the sample generator (samples/,
postbakke_samples) is read with `ast` (all imports: at the top, inside functions, under
TYPE_CHECKING) and each import mapped to its layer. The generator is the top layer: it
imports the product, the product never imports it (the test-data generator is never on
the scan path, nor in the product's wheel). No module reaches for another module's
private (_underscore) name, none imports a module of ours that does not exist (a lazy
import of a moved module fails only when its line runs), and no modules import each
other round in a cycle (which the layers alone allow inside one layer).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

import postbakke
import postbakke_samples

PACKAGE = "postbakke"
SAMPLES = "postbakke_samples"

OWN_PACKAGES = (PACKAGE, SAMPLES)

# Imports known to break the rules, each with why it is still there. Keep this empty.
KNOWN_EXCEPTIONS: dict[tuple[str, str], str] = {}

# Modules known to import each other round (sorted), each with why. Keep this empty.
KNOWN_CYCLES: dict[tuple[str, ...], str] = {
}

# Lowest first. An entry names a module or a package (then all modules under it).
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("base", ("postbakke", "postbakke.errors", "postbakke.models", "postbakke.privacy",
              "postbakke.settings", "postbakke.identifiers", "postbakke.clock")),
    # the settings as the tool runs with them (file + environment), and their check
    ("config", ("postbakke.config", "postbakke.config_check")),
    ("reading", ("postbakke.reading",)),
    ("letters", ("postbakke.letters",)),
    ("deciding", ("postbakke.deciding",)),
    ("store", ("postbakke.store", "postbakke.migrations")),
    ("people", ("postbakke.people",)),
    ("outputs", ("postbakke.outputs",)),
    ("orchestration", ("postbakke.pipeline", "postbakke.watch", "postbakke.retention")),
    ("web", ("postbakke.web",)),
    ("cli", ("postbakke.cli", "postbakke.__main__")),
    ("samples", (SAMPLES,)),
)


def layer_of(module: str) -> int | None:
    """The layer's index of a module of the package (None: not placed in LAYERS)."""
    best: tuple[int, int] | None = None  # (length of the matching entry, layer)
    for index, (_, entries) in enumerate(LAYERS):
        for entry in entries:
            inside = module == entry or (entry != PACKAGE and module.startswith(entry + "."))
            if inside and (best is None or len(entry) > best[0]):
                best = (len(entry), index)
    return best[1] if best else None


@dataclass(frozen=True)
class Import:
    line: int
    target: str  # the module imported (a name imported from a package, if a submodule)
    names: tuple[str, ...]  # the names imported from it (`from target import a, b`), if any
    text: str  # as written, for the message


def module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_submodule(roots: Mapping[str, Path], dotted: str) -> bool:
    root = roots.get(dotted.split(".")[0])
    if root is None:
        return False
    rel = Path(*dotted.split(".")[1:]) if "." in dotted else Path()
    return (root / rel).with_suffix(".py").is_file() or (root / rel / "__init__.py").is_file()


def imports_of(roots: Mapping[str, Path], root: Path, path: Path) -> Iterator[Import]:
    """Every import of our own packages' modules in one file of `root`, wherever it sits
    (`roots`: each package's folder by its name, to tell a submodule from a name)."""
    module = module_name(root, path)
    is_package = path.name == "__init__.py"
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    aliases: dict[str, str] = {}  # a local name bound to a module of the package
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in OWN_PACKAGES:
                    aliases[alias.asname or alias.name] = alias.name
                    yield Import(node.lineno, alias.name, (), f"import {alias.name}")
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: from . import x, from ..y import z
                base = module.split(".") if is_package else module.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            if source.split(".")[0] not in OWN_PACKAGES:
                continue
            names = []
            for alias in node.names:
                full = f"{source}.{alias.name}"
                if _is_submodule(roots, full):
                    aliases[alias.asname or alias.name] = full
                    yield Import(node.lineno, full, (), f"from {source} import {alias.name}")
                else:
                    names.append(alias.name)
            if names:
                yield Import(node.lineno, source, tuple(names),
                             f"from {source} import {', '.join(names)}")
    for node in ast.walk(tree):  # module._private, on a module imported above
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                and node.value.id in aliases):
            yield Import(node.lineno, aliases[node.value.id], (node.attr,),
                         f"{node.value.id}.{node.attr}")


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _modules(roots: Sequence[Path]) -> Iterator[tuple[Path, Path, str]]:
    """(package folder, file, module name) of every module under the roots."""
    for root in roots:
        for path in sorted(root.rglob("*.py")):
            yield root, path, module_name(root, path)


def violations(*roots: Path) -> list[str]:
    """Readable lines, one per import that goes against the house's order."""
    found: list[str] = []
    by_name = {root.name: root for root in roots}
    for root, path, module in _modules(roots):
        where = f"{path.relative_to(root.parent)}"
        own = layer_of(module)
        if own is None:
            found.append(f"{where}: module {module} is in no layer (add it to LAYERS)")
            continue
        for imp in imports_of(by_name, root, path):
            if (module, imp.target) in KNOWN_EXCEPTIONS:
                continue
            at = f"{where}:{imp.line}: {imp.text}"
            if imp.target.split(".")[0] in by_name and not _is_submodule(by_name, imp.target):
                found.append(f"{at} — {imp.target} does not exist (a module moved or gone)")
                continue
            private = [name for name in imp.names if _private(name)]
            if private and imp.target != module:
                found.append(f"{at} — imports private {', '.join(private)} of {imp.target}")
            target = layer_of(imp.target)
            if target is None or target <= own:
                continue
            if LAYERS[target][0] == "samples":
                found.append(f"{at} — only samples/ may import samples/ (the generator)")
            else:
                found.append(
                    f"{at} — {LAYERS[own][0]} ({module}) imports the higher layer "
                    f"{LAYERS[target][0]} ({imp.target})"
                )
    return found


def _reachable(graph: Mapping[str, set[str]], start: str) -> set[str]:
    seen: set[str] = set()
    todo = [start]
    while todo:
        for nxt in graph[todo.pop()] - seen:
            seen.add(nxt)
            todo.append(nxt)
    return seen


def import_cycles(*roots: Path) -> list[tuple[str, ...]]:
    """Every group of modules that import each other round (all imports, lazy ones too:
    a lazy import hides a cycle from Python, not from the reader), each sorted."""
    by_name = {root.name: root for root in roots}
    graph = {module: {imp.target for imp in imports_of(by_name, root, path)} - {module}
             for root, path, module in _modules(roots)}
    graph = {module: targets & graph.keys() for module, targets in graph.items()}
    reach = {module: _reachable(graph, module) for module in graph}
    return sorted({tuple(sorted(other for other in reach[module] if module in reach[other]))
                   for module in graph if module in reach[module]})


ROOTS = (Path(postbakke.__file__).parent, Path(postbakke_samples.__file__).parent)


def test_no_module_imports_a_higher_layer_samples_or_a_private_name() -> None:
    problems = violations(*ROOTS)
    assert not problems, "imports against the layer order:\n  " + "\n  ".join(problems)


def test_no_modules_import_each_other_round() -> None:
    cycles = import_cycles(*ROOTS)
    new = [" -> ".join(cycle) for cycle in cycles if cycle not in KNOWN_CYCLES]
    assert not new, "modules that import each other round:\n  " + "\n  ".join(new)
    gone = [" -> ".join(cycle) for cycle in KNOWN_CYCLES if cycle not in cycles]
    assert not gone, "no longer a cycle, take it out of KNOWN_CYCLES:\n  " + "\n  ".join(gone)


@pytest.mark.parametrize(
    ("path", "source", "expected"),
    [
        ("store.py", "from postbakke.people.review import Decision\n",
         "store (postbakke.store) imports the higher layer people (postbakke.people.review)"),
        ("store.py", "def f():\n    from postbakke.people import review\n",
         "imports the higher layer people (postbakke.people.review)"),
        ("store.py", "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                     "    from postbakke.pipeline import scan\n",
         "imports the higher layer orchestration (postbakke.pipeline)"),
        ("people/review.py", "from postbakke.letters.extract import _ENCLOSURE\n",
         "imports private _ENCLOSURE of postbakke.letters.extract"),
        ("people/review.py", "from postbakke.letters import extract\nx = extract._ENCLOSURE\n",
         "extract._ENCLOSURE — imports private _ENCLOSURE of postbakke.letters.extract"),
        ("pipeline.py", "import postbakke_samples\n", "only samples/ may import samples/"),
        ("pipeline.py", "from postbakke_samples.truth import TRAY_DIR\n",
         "only samples/ may import samples/"),
        ("../postbakke_samples/truth.py", "from postbakke_samples.world import _is_child\n",
         "imports private _is_child of postbakke_samples.world"),
        ("people/review.py", "from ..letters.extract import _ENCLOSURE\n",
         "imports private _ENCLOSURE of postbakke.letters.extract"),
        ("gadgets.py", "", "module postbakke.gadgets is in no layer"),
        ("pipeline.py", "from postbakke.evaluate import score\n",
         "postbakke.evaluate does not exist"),
        ("pipeline.py", "def f():\n    import postbakke.people.gone\n",
         "postbakke.people.gone does not exist"),
    ],
)
def test_the_checker_names_the_offending_import(
    tmp_path: Path, path: str, source: str, expected: str
) -> None:
    root, samples = tmp_path / "postbakke", tmp_path / "postbakke_samples"
    for name in ("__init__.py", "store.py", "pipeline.py", "people/__init__.py",
                 "people/review.py", "letters/__init__.py", "letters/extract.py",
                 "../postbakke_samples/__init__.py", "../postbakke_samples/truth.py",
                 "../postbakke_samples/world.py"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("")
    (root / path).write_text(source)
    problems = violations(root, samples)
    assert any(expected in p for p in problems), f"{path}: {source!r} gave {problems}"


def test_the_checker_lets_lower_and_same_layer_imports_pass(tmp_path: Path) -> None:
    root = tmp_path / "postbakke"
    (root / "people").mkdir(parents=True)
    for name in ("__init__.py", "models.py", "store.py", "people/__init__.py",
                 "people/followup.py"):
        (root / name).write_text("")
    (root / "people/review.py").write_text(
        "from postbakke.models import IdKind\nfrom postbakke.store import Store\n"
        "from postbakke.people import followup\nfrom . import followup as f\n"
        "from postbakke.people.followup import __doc__\n"
    )
    assert violations(root) == []


def test_the_checker_names_modules_that_import_each_other_round(tmp_path: Path) -> None:
    root = tmp_path / "postbakke"
    (root / "people").mkdir(parents=True)
    for name in ("__init__.py", "models.py", "people/__init__.py"):
        (root / name).write_text("")
    (root / "people/review.py").write_text("from postbakke.people.filing import store\n")
    (root / "people/filing.py").write_text("from postbakke.models import IdKind\n"
                                           "def f():\n    from postbakke.people import review\n")
    assert import_cycles(root) == [("postbakke.people.filing", "postbakke.people.review")]
    (root / "people/filing.py").write_text("from postbakke.models import IdKind\n")
    assert import_cycles(root) == []
