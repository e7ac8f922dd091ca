"""The wheel a municipality installs holds the product and no sample generator.

The generator (samples/, import package postbakke_samples) is a distribution of its own,
installed for the tests, the demo and the benchmark only. The product's wheel is built
here from a copy of the tree (the generator's folder beside it, as in the repository) and
its files are listed.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_product_wheel_holds_no_sample_generator(tmp_path: Path) -> None:
    """GIVEN the repository WHEN the product's wheel is built THEN it holds postbakke's
    modules, templates and static files, and nothing of the generator."""
    tree = tmp_path / "tree"
    tree.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "build")
    for name in ("postbakke", "samples"):
        shutil.copytree(ROOT / name, tree / name, ignore=ignore)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, tree / name)
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "--no-index", "-q", "-w", str(tmp_path / "dist"), str(tree)],
        capture_output=True, text=True, check=False,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = (tmp_path / "dist").glob("postbakke-*.whl")
    names = zipfile.ZipFile(wheel).namelist()

    generator = [n for n in names if "samples" in n.split("/")[0] or "/samples/" in n]
    assert generator == [], f"the generator in the product's wheel: {generator[:5]}"
    packages = {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")}
    assert packages == {"postbakke"}, packages
    assert "postbakke/cli.py" in names or "postbakke/cli/__init__.py" in names
    assert any(n.startswith("postbakke/templates/") for n in names)
    assert any(n.startswith("postbakke/static/") for n in names)

    # What the generator alone draws with is no requirement of the product.
    metadata = zipfile.ZipFile(wheel).read(
        next(n for n in names if n.endswith(".dist-info/METADATA"))
    ).decode()
    required = [
        line.split(":", 1)[1].strip()
        for line in metadata.splitlines()
        if line.startswith("Requires-Dist:") and "extra ==" not in line
    ]
    assert required, "the wheel names no requirements at all"
    assert not [r for r in required if r.lower().startswith("reportlab")], required
