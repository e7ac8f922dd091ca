"""The sample-letter generator: deterministic, valid IDs, zones where the reader expects them."""

from __future__ import annotations

import csv
import json
from collections import Counter
from dataclasses import replace
from datetime import date
from pathlib import Path

import cv2
import numpy as np
import pdfplumber
import pypdfium2 as pdfium
import pytest
import zxingcpp
from PIL import Image, ImageSequence
from stdnum.dk import cpr as stdnum_cpr
from stdnum.dk import cvr as stdnum_cvr

from postbakke import samples
from postbakke.reading.preprocess import is_blank
from postbakke.samples import (
    Company,
    LetterSpec,
    Person,
    World,
    cpr_birth_date,
    cpr_checksum_ok,
    expected_verdict,
    format_cpr,
    make_batch,
    make_letter_specs,
    make_tray,
    make_world,
    render_letter_pdf,
    render_scan,
    write_registers,
)

PT_TO_MM = 25.4 / 72


@pytest.fixture(scope="module")
def world() -> World:
    return make_world(11)


def _person(world: World, status: str | None) -> Person:
    return next(
        p for p in world.persons if p.status == status and cpr_birth_date(p.cpr).year < 2005
    )


def _spec(world: World, recipient: Person | Company, **kw: object) -> LetterSpec:
    sender = world.staff[0]
    base = LetterSpec(
        layout="classic",
        recipient=recipient,
        sender=sender,
        department=sender.department,
        subject="Afgørelse om hjemmehjælp",
        id_placement="info",
        id_form="hyphen" if isinstance(recipient, Person) else "plain",
    )
    return replace(base, **kw)  # type: ignore[arg-type]


def _words_mm(pdf_path: Path, page: int = 0) -> list[dict[str, float | str]]:
    with pdfplumber.open(pdf_path) as pdf:
        words = pdf.pages[page].extract_words()
    return [
        {
            "text": w["text"],
            "x0": w["x0"] * PT_TO_MM,
            "x1": w["x1"] * PT_TO_MM,
            "top": w["top"] * PT_TO_MM,
            "bottom": w["bottom"] * PT_TO_MM,
        }
        for w in words
    ]


def _in_zone(word: dict[str, float | str], zone: tuple[float, float, float, float]) -> bool:
    x0, y0, x1, y1 = zone
    return (
        x0 <= float(word["x0"])
        and float(word["x1"]) <= x1
        and y0 <= float(word["top"])
        and float(word["bottom"]) <= y1
    )


# --------------------------------------------------------------------------- determinism


def test_same_seed_gives_the_same_world_and_letters() -> None:
    assert make_world(5) == make_world(5)
    assert make_world(5) != make_world(6)
    w = make_world(5)
    assert make_letter_specs(w, 5, 30) == make_letter_specs(w, 5, 30)


def test_same_seed_gives_the_same_tray(tmp_path: Path) -> None:
    for run in ("a", "b"):
        make_tray(tmp_path / run, seed=3, n_letters=4, scanned_share=0.5, dpi=60)
    truth_a = (tmp_path / "a" / "truth.json").read_text(encoding="utf-8")
    assert truth_a == (tmp_path / "b" / "truth.json").read_text(encoding="utf-8")
    for item in json.loads(truth_a):
        a = (tmp_path / "a" / samples.TRAY_DIR / item["file"]).read_bytes()
        b = (tmp_path / "b" / samples.TRAY_DIR / item["file"]).read_bytes()
        if item["degradation"] == "text":
            assert a == b, item["file"]


def test_tray_writes_files_registers_and_truth(tmp_path: Path) -> None:
    truths = make_tray(tmp_path, seed=9, n_letters=6, scanned_share=0.5, dpi=60)
    assert [t.file.split(".")[0] for t in truths] == [f"brev-{i:03d}" for i in range(1, 7)]
    assert sum(t.degradation != "text" for t in truths) == 3
    assert sum("upside-down" in t.degradation for t in truths) == 1
    for t in truths:
        assert (tmp_path / samples.TRAY_DIR / t.file).is_file()
    assert (tmp_path / "registers" / "enrolment.csv").is_file()
    assert (tmp_path / "registers" / "staff.csv").is_file()
    assert samples.load_truth(tmp_path / "truth.json") == truths


# --------------------------------------------------------------------------- registers and IDs


def test_register_csvs_hold_exactly_the_people_in_the_register(
    world: World, tmp_path: Path
) -> None:
    enrolment, staff = write_registers(world, tmp_path)
    with enrolment.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["id", "status", "name", "street", "postcode", "city"]
    expected = {format_cpr(p.cpr): p.status for p in world.persons if p.status} | {
        c.cvr: c.status for c in world.companies if c.status
    }
    assert {r["id"]: r["status"] for r in rows} == expected
    assert len(rows) == len(expected)
    assert all(r["status"] in ("tilmeldt", "fritaget") for r in rows)
    with staff.open(encoding="utf-8", newline="") as f:
        staff_rows = list(csv.DictReader(f))
    assert list(staff_rows[0]) == ["name", "initials", "email", "phone", "department"]
    assert [r["name"] for r in staff_rows] == [s.name for s in world.staff]


def test_every_cpr_is_valid_by_date_and_century(world: World) -> None:
    mod11: Counter[bool] = Counter()
    for p in world.persons:
        assert stdnum_cpr.validate(p.cpr) == p.cpr
        assert stdnum_cpr.get_birth_date(p.cpr) == cpr_birth_date(p.cpr)
        ok = cpr_checksum_ok(p.cpr)
        mod11[ok] += 1
        if not ok:  # cpr.dk issues numbers without modulus 11 on 1 January
            assert p.cpr[:4] == "0101", p.name
    assert mod11[True] and mod11[False]
    assert len({p.cpr for p in world.persons}) == len(world.persons)


def test_every_cvr_passes_modulus_11_and_is_not_the_municipality(world: World) -> None:
    assert stdnum_cvr.is_valid(world.municipality_cvr)
    for c in world.companies:
        assert stdnum_cvr.validate(c.cvr) == c.cvr
        assert c.cvr != world.municipality_cvr
        assert c.name.endswith(("ApS", "A/S"))


def test_world_holds_every_case_the_mix_needs(world: World) -> None:
    statuses = Counter(p.status for p in world.persons)
    assert statuses["tilmeldt"] > statuses["fritaget"] >= 2 and statuses[None] >= 2
    registered = {p.name: p for p in world.persons if p.status}
    namesakes = [p for p in world.persons if p.status is None and p.name in registered]
    assert namesakes and all(p.street != registered[p.name].street for p in namesakes)
    children = [p for p in world.persons if samples._is_child(p.cpr, samples.REFERENCE_DATE)]
    assert len(children) == 2 and all(p.status is None for p in children)
    assert {c.status for c in world.companies} == {"tilmeldt", None}
    # The trap: some direct phone numbers pass the CVR check.
    assert any(stdnum_cvr.is_valid(s.phone.replace(" ", "")) for s in world.staff)


# --------------------------------------------------------------------------- text-layer letters


@pytest.mark.parametrize("layout", samples.ALL_LAYOUTS)
def test_recipient_block_sits_in_the_window_zone(world: World, tmp_path: Path, layout: str) -> None:
    person = _person(world, "tilmeldt")
    pdf = tmp_path / "brev.pdf"
    render_letter_pdf(world, _spec(world, person, layout=layout, id_placement="window"), pdf)
    words = _words_mm(pdf)
    window = [w for w in words if _in_zone(w, samples.WINDOW_ZONE)]
    window_text = " ".join(str(w["text"]) for w in window)
    assert person.name in window_text
    assert person.street in window_text
    assert f"{person.postcode} {person.city}" in window_text
    assert format_cpr(person.cpr) in window_text
    if layout == "modern":  # the sender's small return address, just above the block
        back = [w for w in words if w["text"] == "Afs.:"]
        assert len(back) == 1 and 45 < float(back[0]["top"]) < samples.WINDOW_ZONE[1]
    # Nothing else in the window: the info column and letterhead stay outside.
    assert len(window) == len(
        " ".join(
            [
                person.name,
                person.street,
                person.postcode,
                person.city,
                "CPR-nr.",
                format_cpr(person.cpr),
            ]
        ).split()
    )


@pytest.mark.parametrize("layout", samples.ALL_LAYOUTS)
def test_info_cpr_is_outside_the_window_and_labelled(
    world: World, tmp_path: Path, layout: str
) -> None:
    person = _person(world, "fritaget")
    pdf = tmp_path / "brev.pdf"
    render_letter_pdf(world, _spec(world, person, layout=layout, id_form="space"), pdf)
    words = _words_mm(pdf)
    head = [w for w in words if w["text"] == person.cpr[:6]]
    assert len(head) == 1
    assert not _in_zone(head[0], samples.WINDOW_ZONE)
    if layout == "classic":
        assert _in_zone(head[0], samples.INFO_ZONE_CLASSIC)
    with pdfplumber.open(pdf) as doc:
        text = doc.pages[0].extract_text()
    assert (
        f"{samples._id_label(_spec(world, person, layout=layout))} {person.cpr[:6]} "
        f"{person.cpr[6:]}" in text
    )


def test_text_pdf_carries_the_recipient_name_in_danish(world: World, tmp_path: Path) -> None:
    person = next(p for p in world.persons if any(ch in p.name + p.street for ch in "æøåÆØÅ"))
    pdf = tmp_path / "brev.pdf"
    render_letter_pdf(world, _spec(world, person, id_placement="subject"), pdf)
    with pdfplumber.open(pdf) as doc:
        text = doc.pages[0].extract_text()
    assert person.name in text and person.street in text
    assert f"Vedr. {person.name}, cpr.nr. {format_cpr(person.cpr)}" in text
    assert "Tlf. 89 64 10 10" in text
    assert "Med venlig hilsen" in text


def test_later_pages_have_no_recipient_block(world: World, tmp_path: Path) -> None:
    company = next(c for c in world.companies if c.status == "tilmeldt")
    spec = _spec(world, company, n_pages=3, layout="compact", own_cvr="both")
    pdf = tmp_path / "brev.pdf"
    render_letter_pdf(world, spec, pdf)
    with pdfplumber.open(pdf) as doc:
        texts = [p.extract_text() for p in doc.pages]
    assert len(texts) == 3
    assert company.street in texts[0] and f"CVR-nr.: {company.cvr}" in texts[0]
    assert "CVR-nr. 29189714" in texts[0]
    for k, t in enumerate(texts, start=1):
        assert f"Side {k} af 3" in t
        if k > 1:
            assert company.street not in t and company.cvr not in t
    assert "Med venlig hilsen" in texts[2] and "Med venlig hilsen" not in texts[0]


def test_every_letter_of_the_default_mix_renders(world: World, tmp_path: Path) -> None:
    for i, spec in enumerate(make_letter_specs(world, 1, 30)):
        render_letter_pdf(world, spec, tmp_path / f"{i}.pdf")


# --------------------------------------------------------------------------- scans


@pytest.fixture(scope="module")
def letter_pdf(world: World, tmp_path_factory: pytest.TempPathFactory) -> Path:
    pdf = tmp_path_factory.mktemp("scan") / "brev.pdf"
    render_letter_pdf(world, _spec(world, _person(world, "tilmeldt"), n_pages=2), pdf)
    return pdf


def test_scanned_pdf_has_no_text_layer(letter_pdf: Path, tmp_path: Path) -> None:
    out = tmp_path / "scan.pdf"
    render_scan(letter_pdf, out, dpi=72, skew_deg=1.2, noise=8, seed=1)
    with pdfplumber.open(out) as doc:
        assert len(doc.pages) == 2
        assert all(not p.chars for p in doc.pages)
    with pdfplumber.open(letter_pdf) as doc:
        assert doc.pages[0].chars


def test_upside_down_scan_is_turned_half_round(letter_pdf: Path, tmp_path: Path) -> None:
    render_scan(letter_pdf, tmp_path / "up.tif", dpi=50)
    render_scan(letter_pdf, tmp_path / "down.tif", dpi=50, upside_down=True)
    up, down = Image.open(tmp_path / "up.tif"), Image.open(tmp_path / "down.tif")
    assert getattr(up, "n_frames", 1) == getattr(down, "n_frames", 1) == 2
    a, b = np.asarray(up.convert("L")), np.asarray(down.convert("L"))
    assert not np.array_equal(a, b)
    assert np.array_equal(a, np.rot90(b, 2))


def test_skew_and_noise_change_the_page_but_keep_its_size(letter_pdf: Path, tmp_path: Path) -> None:
    render_scan(letter_pdf, tmp_path / "clean.pdf", dpi=50)
    render_scan(letter_pdf, tmp_path / "skew.pdf", dpi=50, skew_deg=2.0, noise=8, seed=2)
    sizes = []
    for name in ("clean.pdf", "skew.pdf"):
        doc = pdfium.PdfDocument(str(tmp_path / name))
        sizes.append(doc[0].get_size())
        doc.close()
    assert sizes[0] == pytest.approx(sizes[1], abs=1)
    assert sizes[0] == pytest.approx((595, 842), abs=2)  # A4 in points at resolution=dpi


def test_single_image_formats_refuse_multi_page_letters(letter_pdf: Path, tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        render_scan(letter_pdf, tmp_path / "x.png", dpi=30)


def test_jpeg_scan_records_its_resolution(world: World, tmp_path: Path) -> None:
    pdf = tmp_path / "one.pdf"
    render_letter_pdf(world, _spec(world, _person(world, "tilmeldt")), pdf)
    render_scan(pdf, tmp_path / "one.jpg", dpi=100, noise=8, seed=4)
    im = Image.open(tmp_path / "one.jpg")
    assert im.mode == "L"
    assert im.size == pytest.approx((827, 1169), abs=1)  # A4 at 100 dpi
    assert tuple(round(v) for v in im.info["dpi"]) == (100, 100)


# --------------------------------------------------------------------------- verdicts


def _child(world: World) -> Person:
    return next(p for p in world.persons if cpr_birth_date(p.cpr) > date(2011, 11, 25))


@pytest.mark.parametrize(
    ("case", "placement", "expected"),
    [
        ("person_tilmeldt", "info", ("leak", "enrolled")),
        ("person_tilmeldt", "subject", ("leak", "enrolled")),
        ("person_tilmeldt", "window", ("leak", "enrolled")),
        ("person_tilmeldt", "none", ("leak", "enrolled")),  # unique name+address
        ("person_fritaget", "info", ("legitimate", "exempt")),
        ("person_fritaget", "none", ("legitimate", "exempt")),
        ("person_unregistered", "info", ("review", "cpr_not_in_register")),
        ("person_unregistered", "none", ("review", "no_recipient")),
        ("child", "info", ("legitimate", "child_under_15")),
        ("child", "none", ("review", "no_recipient")),
        ("company_tilmeldt", "info", ("leak", "enrolled")),
        ("company_unregistered", "subject", ("leak", "company_obliged")),
        ("company_unregistered", "none", ("review", "no_recipient")),
    ],
)
def test_expected_verdict_follows_the_domain_table(
    world: World, case: str, placement: str, expected: tuple[str, str]
) -> None:
    recipient: Person | Company
    if case == "child":
        recipient = _child(world)
    elif case.startswith("person"):
        status = {"tilmeldt": "tilmeldt", "fritaget": "fritaget"}.get(case.split("_")[1])
        recipient = _person(world, status)
    else:
        cstatus = "tilmeldt" if case.endswith("tilmeldt") else None
        recipient = next(c for c in world.companies if c.status == cstatus)
    assert expected_verdict(_spec(world, recipient, id_placement=placement)) == expected


def test_enclosures_have_no_agreed_reason_yet(world: World) -> None:
    spec = _spec(world, _person(world, "tilmeldt"), enclosure=True)
    with pytest.raises(NotImplementedError):
        expected_verdict(spec)


def test_default_mix_covers_every_case(world: World) -> None:
    specs = make_letter_specs(world, 2, 30)
    truths = [samples.letter_truth(s, f"brev-{i:03d}.pdf", "text") for i, s in enumerate(specs)]
    outcomes = Counter((t.verdict, t.reason) for t in truths)
    assert set(outcomes) == {
        ("leak", "enrolled"),
        ("legitimate", "exempt"),
        ("leak", "company_obliged"),
        ("review", "cpr_not_in_register"),
        ("review", "no_recipient"),
    }
    assert outcomes[("leak", "enrolled")] > len(specs) / 2
    assert any(t.window_cpr for t in truths)
    assert any(t.match == "name_address" for t in truths)
    assert {s.layout for s in specs} == set(samples.LAYOUTS)
    assert any(s.n_pages > 1 for s in specs) and all(1 <= s.n_pages <= 3 for s in specs)
    assert not any(s.enclosure for s in specs)
    for t in truths:
        if t.reason == "no_recipient":
            assert t.recipient_kind is None and t.recipient_id is None
        else:
            assert t.recipient_kind in ("cpr", "cvr") and t.recipient_id


# --------------------------------------------------------------------------- batches

BATCH_DPI = 100  # enough for the barcodes and the blank-page checks; 9x cheaper than 300


def _batch_images(path: Path, dpi: int = BATCH_DPI) -> list[np.ndarray]:
    if path.suffix == ".pdf":
        doc = pdfium.PdfDocument(str(path))
        try:
            return [
                np.asarray(doc[i].render(scale=dpi / 72, grayscale=True).to_pil().convert("L"))
                for i in range(len(doc))
            ]
        finally:
            doc.close()
    with Image.open(path) as im:
        return [np.asarray(frame.convert("L")) for frame in ImageSequence.Iterator(im)]


@pytest.fixture(scope="module")
def batch_tray(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """GIVEN one tray folder with single letters, a PDF batch and a TIFF batch of one world."""
    out = tmp_path_factory.mktemp("batch")
    w = make_world(21)
    make_tray(out, seed=21, n_letters=3, scanned_share=0.0, world=w)
    common = {"world": w, "dpi": BATCH_DPI, "upside_down_share": 0.25}
    make_batch(out, 21, 8, name="bakke-a", **common)
    make_batch(out, 22, 6, name="bakke-b", fmt=".tif", separator_kind="qr", **common)
    return out


def test_same_seed_gives_the_same_batch(tmp_path: Path) -> None:
    for run in ("a", "b"):
        make_batch(tmp_path / run, seed=3, n_letters=3, dpi=50)
    for name in ("truth.json", samples.BATCH_FILE, f"{samples.TRAY_DIR}/bakke-001.pdf"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    make_batch(tmp_path / "c", seed=4, n_letters=3, dpi=50)
    pdf = f"{samples.TRAY_DIR}/bakke-001.pdf"
    assert (tmp_path / "a" / pdf).read_bytes() != (tmp_path / "c" / pdf).read_bytes()


@pytest.mark.parametrize("name", ["bakke-a.pdf", "bakke-b.tif"])
def test_batch_pages_add_up_to_letters_blanks_and_separators(batch_tray: Path, name: str) -> None:
    truths = [t for t in samples.load_truth(batch_tray / "truth.json") if t.file == name]
    record = samples.load_batches(batch_tray / samples.BATCH_FILE)[name]
    roles = [page["role"] for page in record["pages"]]
    assert [page["page"] for page in record["pages"]] == list(range(1, len(roles) + 1))
    assert len(_batch_images(batch_tray / samples.TRAY_DIR / name)) == record["n_pages"]
    assert record["n_pages"] == len(roles)
    counts = Counter(role.split(":")[0] for role in roles)
    assert set(counts) <= {"letter", "blank", "separator"}
    assert counts["letter"] == sum(len(t.pages) for t in truths)
    assert counts["blank"] == sum(len(t.pages) for t in truths if t.blank_backs)
    assert counts["separator"] == sum(t.separator_before for t in truths)
    assert counts["separator"] == round((len(truths) - 1) * 0.5)
    for i, t in enumerate(truths):
        assert t.pages == [n for n, role in enumerate(roles, 1) if role == f"letter:{i}"], i
        assert t.pages == list(range(t.pages[0], t.pages[0] + len(t.pages) * (1 + t.blank_backs),
                                     1 + t.blank_backs)), i
        pages = [record["pages"][n - 1] for n in t.pages]
        assert [p["letter_page"] for p in pages] == list(range(1, len(t.pages) + 1))
        assert all(p["upside_down"] == ("upside-down" in t.degradation) for p in pages), i
        assert t.degradation.startswith(f"batch{BATCH_DPI}-skew")
        if t.blank_backs:
            assert all(roles[n] == "blank" for n in t.pages), i  # page n+1, 0-based n
        before = roles[t.pages[0] - 2] if t.pages[0] > 1 else None
        assert (before == "separator") == t.separator_before, i
    assert truths[0].pages[0] == 1  # no separator before the first letter
    assert all(1 <= len(t.pages) <= 3 for t in truths)


def test_batches_and_single_files_share_one_tray(batch_tray: Path) -> None:
    truths = samples.load_truth(batch_tray / "truth.json")
    files = Counter(t.file for t in truths)
    assert files == {"brev-001.pdf": 1, "brev-002.pdf": 1, "brev-003.pdf": 1,
                     "bakke-a.pdf": 8, "bakke-b.tif": 6}
    assert set(samples.load_batches(batch_tray / samples.BATCH_FILE)) == {
        "bakke-a.pdf", "bakke-b.tif"}
    assert sorted(p.name for p in (batch_tray / samples.TRAY_DIR).iterdir()) == sorted(files)


def test_a_batch_written_again_replaces_its_entries(tmp_path: Path) -> None:
    w = make_world(5)
    make_batch(tmp_path, 5, 3, world=w, dpi=40, name="x")
    make_batch(tmp_path, 6, 2, world=w, dpi=40, name="x")
    assert [t.file for t in samples.load_truth(tmp_path / "truth.json")] == ["x.pdf"] * 2
    with pytest.raises(ValueError, match="another world"):
        make_batch(tmp_path, 5, 1, world=make_world(6), dpi=40, name="y")


def test_longer_letters_only_when_max_pages_allows(tmp_path: Path) -> None:
    truths = make_batch(tmp_path, 8, 6, max_pages=1, dpi=30, separator_share=0.0)
    assert all(len(t.pages) == 1 for t in truths)
    specs = make_letter_specs(make_world(8), 8, 400, page_weights=samples.BATCH_PAGE_WEIGHTS)
    lengths = Counter(s.n_pages for s in specs)
    assert lengths[1] > lengths[2] > lengths[3] > 0


@pytest.mark.parametrize("kind", samples.SEPARATOR_KINDS)
def test_separator_sheet_reads_patcht_after_a_crooked_noisy_scan(tmp_path: Path, kind: str) -> None:
    pdf = tmp_path / "skilleark.pdf"
    samples.render_separator_sheet(pdf, kind)
    with pdfplumber.open(pdf) as doc:
        assert len(doc.pages) == 1
        assert doc.pages[0].extract_text() == "PATCH T - skilleark"
    for skew, upside_down in ((2.0, False), (-1.5, True)):
        scan = tmp_path / f"scan{skew}.png"
        render_scan(pdf, scan, dpi=150, skew_deg=skew, noise=8, upside_down=upside_down, seed=3)
        gray = np.asarray(Image.open(scan).convert("L"))
        assert [b.text for b in zxingcpp.read_barcodes(gray)] == ["PATCHT"], (kind, skew)


def test_batch_separators_read_patcht_and_blank_backs_stay_blank(batch_tray: Path) -> None:
    batches = samples.load_batches(batch_tray / samples.BATCH_FILE)
    shadows = 0
    for name, record in batches.items():
        images = _batch_images(batch_tray / samples.TRAY_DIR / name)
        roles = [page["role"] for page in record["pages"]]
        content = [img for img, role in zip(images, roles, strict=True) if role.startswith("l")]
        ink_level, _ = cv2.threshold(content[0], 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
        assert 80 < ink_level < 200  # Otsu between ink and paper on a page with text
        for number, (img, page) in enumerate(zip(images, record["pages"], strict=True), 1):
            where = f"{name} page {number} ({page['role']})"
            if page["role"] == "separator":
                assert [b.text for b in zxingcpp.read_barcodes(img)] == ["PATCHT"], where
            elif page["role"] == "blank":
                # On a blank page Otsu only splits the noise (its threshold lands at
                # the paper grey), so the ink level comes from a page with text.
                assert np.mean(img < ink_level) < 0.005, where
                assert 235 < np.median(img) < 250, where
                assert is_blank(img, BATCH_DPI), where
                shadows += page["shadow"] is not None
            else:
                assert np.mean(img < ink_level) > 0.005, where
                assert not is_blank(img, BATCH_DPI), where
                assert not zxingcpp.read_barcodes(img), where
    assert shadows > 0  # some blank backs carry a shadow along an edge, and stay blank


def test_batch_cli_writes_one_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    samples.main([str(tmp_path), "--batch", "2", "--seed", "4", "--format", "tif"])
    assert [p.name for p in (tmp_path / samples.TRAY_DIR).iterdir()] == ["bakke-001.tif"]
    assert "2 breve" in capsys.readouterr().out
