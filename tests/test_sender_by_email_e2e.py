"""The sender by e-mail only, on a fax-like scan, through the real scan (issue 20).

GIVEN a letter whose info column shows just "E-mail: abcd@favrskov.dk" and whose
signature shows only the municipality and department (no sender name, no
"Sagsbehandler", no initials), drawn with reportlab, rasterised at 200 dpi and
thresholded to pure black and white (a bitonal G4 TIFF, as a fax or a cheap
scanner gives it)
WHEN it is scanned with real Tesseract (the Danish model has no "@")
THEN its sender is the staff member with that e-mail, in their department.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
import pytest
from click.testing import CliRunner
from municipality import configure_municipality
from PIL import Image
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from postbakke.cli import cli

SECRET = "afsender-e-mail-hemmelighed-til-test-01"  # >= 32 characters
DPI = 200
THRESHOLD = 160  # grey below this is black: a fax-like page, no grey at all
STAFF = (
    "name,initials,email,phone,department\n"
    "Birthe Dalgaard,ABCD,abcd@favrskov.dk,89641240,Jobcenter\n"
    "Carsten Ebbesen,ABCE,abce@favrskov.dk,89641241,Borgerservice\n"
    "Dorte Fisker,BCD,bcd@favrskov.dk,89641242,Teknik og Miljø\n"
    "Karin Bjørn,KBJO,kbjo@favrskov.dk,89641243,Børn og Familie\n"
    "Kurt Bjerre,KBJE,kbje@favrskov.dk,89641244,Jobcenter\n"
)
ENROLMENT = ("id,status,name,street,postcode,city\n"
             "010190-1234,tilmeldt,Jens Hansen,Søvej 3,8370,Hadsten\n")


def draw_letter(path: Path, email: str, department: str) -> None:
    """A one-page letter: the info column's only contact is the e-mail, and the
    signature names no person, only the municipality and the department."""
    c = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    _, height = A4

    def text(x_mm: float, y_mm: float, s: str, font: str = "Helvetica", size: float = 10.5):
        c.setFont(font, size)
        c.drawString(x_mm * mm, height - y_mm * mm, s)

    text(20, 18, "Favrskov Kommune", "Helvetica-Bold", 16)
    text(20, 25, f"{department} · Skovvej 20 · 8382 Hinnerup · Tlf. 89 64 10 10", size=9)
    for i, line in enumerate(("Jens Hansen", "Søvej 3", "8370 Hadsten")):
        text(22, 55 + 5.5 * i, line, size=11)
    for i, line in enumerate(("Dato: 12. november 2026", "Sagsnr.: 27.12.04-G01-3-26",
                              f"E-mail: {email}")):
        text(128, 52 + 4.8 * i, line, size=9.5)
    text(20, 100, "Indkaldelse til samtale", "Helvetica-Bold", 12)
    y = 112.0
    for line in ("Kære Jens Hansen", "",
                 "Du indkaldes hermed til en samtale om din plan for job og uddannelse.",
                 "Samtalen finder sted tirsdag den 24. november kl. 10.00 på rådhuset.",
                 "Kan du ikke komme, beder vi dig skrive til os senest dagen før.", "",
                 "Med venlig hilsen", "", "Favrskov Kommune", department):
        if line:
            text(20, y, line)
        y += 5.5
    text(175, 287, "Side 1 af 1", size=8)
    c.showPage()
    c.save()


def bitonal_scan(pdf: Path, out: Path) -> None:
    """The page at 200 dpi, thresholded to pure black and white, as a G4 TIFF."""
    document = pdfium.PdfDocument(str(pdf))
    try:
        grey = document[0].render(scale=DPI / 72, grayscale=True).to_numpy()
    finally:
        document.close()
    grey = grey if grey.ndim == 2 else grey[..., 0]
    black_white = np.where(grey < THRESHOLD, 0, 255).astype(np.uint8)
    Image.fromarray(black_white).convert("1", dither=Image.Dither.NONE).save(
        out, dpi=(DPI, DPI), compression="group4")


@pytest.mark.slow
def test_the_sender_of_a_fax_like_letter_is_found_by_its_email_alone(tmp_path, monkeypatch):
    home, tray = tmp_path / "ws", tmp_path / "bakke"
    tray.mkdir()
    monkeypatch.setenv("POSTBAKKE_HOME", str(home))
    monkeypatch.setenv("POSTBAKKE_SECRET", SECRET)
    configure_municipality(home)
    letters = {"brev-1": ("abcd@favrskov.dk", "Jobcenter"),
               "brev-2": ("kbjo@favrskov.dk", "Børn og Familie")}
    for name, (email, department) in letters.items():
        draw_letter(tmp_path / f"{name}.pdf", email, department)
        bitonal_scan(tmp_path / f"{name}.pdf", tray / f"{name}.tif")
    with Image.open(tray / "brev-1.tif") as scanned:
        assert scanned.mode == "1" and round(scanned.info["dpi"][0]) == DPI
    (tmp_path / "staff.csv").write_text(STAFF, encoding="utf-8")
    (tmp_path / "enrolment.csv").write_text(ENROLMENT, encoding="utf-8")
    runner = CliRunner()
    for register in ("staff", "enrolment"):
        result = runner.invoke(cli, [register, "import", str(tmp_path / f"{register}.csv")])
        assert result.exit_code == 0, result.output
    result = runner.invoke(cli, ["scan", "--workers", "1", "--tray", "Postrum", "--date",
                                 "2026-11-25", str(tray)])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in
            runner.invoke(cli, ["letters", "--format", "jsonl"]).output.splitlines()]
    assert [(r["source"], r["sender"], r["department"]) for r in rows] == [
        ("brev-1.tif", "Birthe Dalgaard", "Jobcenter"),
        ("brev-2.tif", "Karin Bjørn", "Børn og Familie"),
    ]
