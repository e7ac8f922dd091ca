"""The house's import direction: a module imports its own layer or lower ones, never higher.

Every module of the package is read with `ast` (all imports: at the top, inside
functions, under TYPE_CHECKING) and each import mapped to its layer. Also: nothing
outside samples/ imports samples (the test-data generator is never on the scan
path), and no module reaches for another module's private (_underscore) name.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import postbakke

PACKAGE = "postbakke"
SAMPLES = "postbakke.samples"

# Imports known to break the rules, each with why it is still there. Keep this empty.
KNOWN_EXCEPTIONS: dict[tuple[str, str], str] = {
    ("postbakke.cli.evaluate", "postbakke.samples.evaluate"):
        "`postbakke eval TRUTH.json` (README) scores the workspace against a generated "
        "truth file; to go when the command moves to samples or evaluate into the product",
}

# Lowest first. An entry names a module or a package (then all modules under it).
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("base", ("postbakke", "postbakke.errors", "postbakke.models", "postbakke.privacy",
              "postbakke.config", "postbakke.settings", "postbakke.identifiers")),
    ("reading", ("postbakke.reading",)),
    ("letters", ("postbakke.letters",)),
    ("deciding", ("postbakke.deciding",)),
    ("store", ("postbakke.store", "postbakke.migrations")),
    ("people", ("postbakke.people",)),
    ("outputs", ("postbakke.outputs",)),
    ("orchestration", ("postbakke.pipeline", "postbakke.watch", "postbakke.retention")),
    ("web", ("postbakke.web",)),
    ("cli", ("postbakke.cli", "postbakke.__main__")),
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


def _is_submodule(root: Path, dotted: str) -> bool:
    rel = Path(*dotted.split(".")[1:]) if "." in dotted else Path()
    return (root / rel).with_suffix(".py").is_file() or (root / rel / "__init__.py").is_file()


def imports_of(root: Path, path: Path) -> Iterator[Import]:
    """Every import of the package's own modules in one file, wherever it sits."""
    module = module_name(root, path)
    is_package = path.name == "__init__.py"
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    aliases: dict[str, str] = {}  # a local name bound to a module of the package
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == PACKAGE:
                    aliases[alias.asname or alias.name] = alias.name
                    yield Import(node.lineno, alias.name, (), f"import {alias.name}")
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: from . import x, from ..y import z
                base = module.split(".") if is_package else module.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            if source.split(".")[0] != PACKAGE:
                continue
            names = []
            for alias in node.names:
                full = f"{source}.{alias.name}"
                if _is_submodule(root, full):
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


def violations(root: Path) -> list[str]:
    """Readable lines, one per import that goes against the house's order."""
    found: list[str] = []
    for path in sorted(root.rglob("*.py")):
        module = module_name(root, path)
        where = f"{path.relative_to(root.parent)}"
        own = layer_of(module)
        in_samples = module == SAMPLES or module.startswith(SAMPLES + ".")
        if own is None and not in_samples:
            found.append(f"{where}: module {module} is in no layer (add it to LAYERS)")
            continue
        for imp in imports_of(root, path):
            if (module, imp.target) in KNOWN_EXCEPTIONS:
                continue
            at = f"{where}:{imp.line}: {imp.text}"
            if imp.target == SAMPLES or imp.target.startswith(SAMPLES + "."):
                if not in_samples:
                    found.append(f"{at} — only samples/ may import samples/")
                continue
            private = [name for name in imp.names if _private(name)]
            if private and imp.target != module:
                found.append(f"{at} — imports private {', '.join(private)} of {imp.target}")
            target = layer_of(imp.target)
            if in_samples or own is None or target is None:
                continue
            if target > own:
                found.append(
                    f"{at} — {LAYERS[own][0]} ({module}) imports the higher layer "
                    f"{LAYERS[target][0]} ({imp.target})"
                )
    return found


def test_no_module_imports_a_higher_layer_samples_or_a_private_name() -> None:
    root = Path(postbakke.__file__).parent
    problems = violations(root)
    assert not problems, "imports against the layer order:\n  " + "\n  ".join(problems)


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
        ("pipeline.py", "import postbakke.samples\n", "only samples/ may import samples/"),
        ("people/review.py", "from ..letters.extract import _ENCLOSURE\n",
         "imports private _ENCLOSURE of postbakke.letters.extract"),
        ("gadgets.py", "", "module postbakke.gadgets is in no layer"),
    ],
)
def test_the_checker_names_the_offending_import(
    tmp_path: Path, path: str, source: str, expected: str
) -> None:
    root = tmp_path / "postbakke"
    for name in ("__init__.py", "store.py", "pipeline.py", "people/__init__.py",
                 "people/review.py", "letters/__init__.py", "letters/extract.py",
                 "samples/__init__.py"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("")
    (root / path).write_text(source)
    problems = violations(root)
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
