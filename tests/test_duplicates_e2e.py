"""Re-scans and look-alikes end to end: generated letters, real scans, real Tesseract.

GIVEN a day's letters scanned as one batch, then scanned again the next day as a
new batch (new bytes: other skew, other noise, the pages in another order), and
genuine look-alikes: the same standard letter to another person (same day), and the
same letter to the same person a month later
WHEN every batch is scanned into one workspace
THEN each re-scanned letter is a copy of its first scan (0 double counts) and no
look-alike is taken for a copy (0 genuine letters hidden).
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from municipality import configure_municipality
from rapidfuzz import fuzz

from postbakke.cli import cli
from postbakke.config import load_settings
from postbakke.store import Store
from postbakke_samples import make_letter_specs, make_world, render_letter_pdf, render_scan
from postbakke_samples.world import write_registers

SECRET = "kopi-test-hemmelighed-til-pseudonymer-01"  # >= 32 characters (issue 14)
N_LETTERS = 8


def _batch(world, specs, order, out: Path, skew: float, noise: float, seed: int) -> None:
    """The letters as one scanned TIFF, in `order`: rendered, merged, rastered anew."""
    import pypdfium2 as pdfium

    with tempfile.TemporaryDirectory() as tmp:
        merged = pdfium.PdfDocument.new()
        for i in order:
            one = Path(tmp) / f"{i}.pdf"
            render_letter_pdf(world, specs[i], one)
            merged.import_pages(pdfium.PdfDocument(str(one)))
        merged_path = Path(tmp) / "bakke.pdf"
        merged.save(str(merged_path))
        render_scan(merged_path, out, skew_deg=skew, noise=noise, seed=seed)


@pytest.mark.slow
def test_rescans_count_once_and_look_alikes_count_as_letters(tmp_path, monkeypatch):
    monkeypatch.setenv("POSTBAKKE_HOME", str(tmp_path / "ws"))
    configure_municipality(tmp_path / "ws")
    monkeypatch.setenv("POSTBAKKE_SECRET", SECRET)
    world = make_world(71)
    write_registers(world, tmp_path / "registers")
    specs = [s for s in make_letter_specs(world, 71, 3 * N_LETTERS, page_weights=(1.0,))
             if s.recipient.__class__.__name__ == "Person"][:N_LETTERS]
    taken = {s.recipient.name for s in specs}
    others = [p for p in world.persons if p.status == "tilmeldt" and p.name not in taken
              and p.cpr[4:6] < "10"]  # adults
    to_another = [replace(s, recipient=others[i]) for i, s in enumerate(specs[:3])]
    month_later = [replace(s, letter_date=s.letter_date + timedelta(days=30))
                   for s in specs[3:5]]
    day1, day2, day31 = tmp_path / "dag1", tmp_path / "dag2", tmp_path / "dag31"
    for folder in (day1, day2, day31):
        folder.mkdir()
    everyone = list(range(N_LETTERS))
    _batch(world, specs, everyone, day1 / "bakke.tif", skew=0.4, noise=6.0, seed=1)
    _batch(world, to_another, [0, 1, 2], day1 / "bakke-2.tif", skew=-0.3, noise=6.0, seed=2)
    _batch(world, specs, everyone[::-1], day2 / "bakke-igen.tif", skew=-0.8, noise=9.0, seed=3)
    _batch(world, month_later, [0, 1], day31 / "bakke.tif", skew=0.6, noise=8.0, seed=4)

    runner = CliRunner()
    for register, name in (("enrolment", "enrolment.csv"), ("staff", "staff.csv")):
        result = runner.invoke(cli, [register, "import", str(tmp_path / "registers" / name)])
        assert result.exit_code == 0, result.output
    for folder, day in ((day1, "2026-11-16"), (day2, "2026-11-17"), (day31, "2026-12-16")):
        result = runner.invoke(cli, ["scan", "--workers", "2", "--tray", "Postrum", "--date",
                                     day, str(folder)])
        assert result.exit_code == 0, result.output
    exported = [json.loads(line) for line in
                runner.invoke(cli, ["letters", "--format", "jsonl"]).output.splitlines()]
    store = Store(load_settings().db_path)
    rows = list(store.letters.export())
    assert [r["duplicate_of"] for r in rows] == [r["duplicate_of"] for r in exported]
    by_file: dict[str, list[dict]] = {}
    for row in rows:
        by_file.setdefault(f"{row['scanned_on']}/{row['source']}", []).append(row)
    first, again = by_file["2026-11-16/bakke.tif"], by_file["2026-11-17/bakke-igen.tif"]
    look_alikes = by_file["2026-11-16/bakke-2.tif"] + by_file["2026-12-16/bakke.tif"]
    assert len(first) == len(again) == N_LETTERS and len(look_alikes) == 5
    caught = sum(1 for r in again if r["duplicate_of"] is not None)
    # the batch came back in reverse order: letter k of the re-scan is letter N-1-k
    right_first = sum(1 for k, r in enumerate(again) if r["duplicate_of"] == {
        "source": "bakke.tif", "pages": first[N_LETTERS - 1 - k]["pages"]})
    hidden = sum(1 for r in [*first, *look_alikes] if r["duplicate_of"] is not None)

    texts = {r[0]: r[1] for r in store.db.execute(
        "SELECT letter_id, ocr_text FROM letter_texts")}
    same = [fuzz.ratio(texts[a["id"]], texts[b["id"]])
            for a, b in zip(first, again[::-1], strict=True)]
    other = [fuzz.ratio(texts[a["id"]], texts[b["id"]])
             for a, b in zip(first, by_file["2026-11-16/bakke-2.tif"], strict=False)]
    print(f"\nre-scans caught {caught}/{N_LETTERS} (right first copy {right_first}); "
          f"look-alikes kept {len(look_alikes) - hidden}/{len(look_alikes)}; genuine hidden "
          f"{hidden}; text ratio same letter {min(same):.1f}-{max(same):.1f}, to another "
          f"person {min(other):.1f}-{max(other):.1f}")
    summary = store.figures.department_summary()
    assert sum(r.letters for r in summary) == N_LETTERS + len(look_alikes)
    assert (caught, right_first, hidden) == (N_LETTERS, N_LETTERS, 0)
