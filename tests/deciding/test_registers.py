"""Register imports: good files load, a bad row refuses the whole import."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

import pytest
from workspace_secret import TEST_SECRET

from postbakke.store import Store

GOOD = """id,status,name,street,postcode,city
010203-1234,tilmeldt,Jens Hansen,Skovvej 4,8370,Hadsten
1506781235,fritaget,Grethe Jensen,Bakkevej 12,8450,Hammel
29189714,tilmeldt,Favrskov Kommune,Skovvej 20,8382,Hinnerup
"""

STAFF = """name,initials,email,phone,department
Anne Mette Holm,AMH,amh@favrskov.dk,89641234,Jobcenter
Peter Lund,PL,pl@favrskov.dk,89641235,Teknik og Miljø
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_enrolment_import_stores_pseudonyms_and_masked_ids_only(tmp_path, run, workspace):
    result = run("enrolment", "import", str(write(tmp_path, "reg.csv", GOOD)))
    assert result.exit_code == 0, result.output
    assert "3 modtagere" in result.output
    rows = {r["masked"]: r for r in Store(workspace / "postbakke.db").db["enrolment"].rows}
    assert set(rows) == {"010203-XXXX", "150678-XXXX", "29189714"}
    expected = hmac.new(TEST_SECRET.encode(), b"0102031234", hashlib.sha256).hexdigest()
    assert rows["010203-XXXX"]["pseudonym"] == expected
    raw = (workspace / "postbakke.db").read_bytes()
    assert b"0102031234" not in raw and b"010203-1234" not in raw


BAD_ROWS = [
    ("320199-1234,tilmeldt,A B,Vej 1,8370,Hadsten", 3, "ugyldigt id"),
    ("12345678,tilmeldt,A B,Vej 1,8370,Hadsten", 3, "ugyldigt id"),  # fails modulus 11
    ("010203-1234,måske,A B,Vej 1,8370,Hadsten", 3, "ukendt status"),
    ("010203-1234,tilmeldt,A B,Vej 1,8370", 3, "kolonner"),
    ("0102031234,tilmeldt,A B,Vej 1,83700,Hadsten", 3, "postnummer"),
]


@pytest.mark.parametrize(("row", "line", "reason"), BAD_ROWS)
def test_bad_enrolment_row_refuses_import_and_keeps_previous(tmp_path, run, workspace,
                                                             row, line, reason):
    assert run("enrolment", "import", str(write(tmp_path, "good.csv", GOOD))).exit_code == 0
    text = "id,status,name,street,postcode,city\n2802701234,tilmeldt,X Y,Vej 2,8370,Hadsten\n"
    bad = write(tmp_path, "bad.csv", text + row + "\n")
    result = run("enrolment", "import", str(bad))
    assert result.exit_code == 4
    assert f"bad.csv:{line}: " in result.output and reason in result.output, result.output
    assert "Traceback" not in result.output
    store = Store(workspace / "postbakke.db")
    assert len(store.registers.enrolment_entries()) == 3  # the previous register is still in place


def test_missing_column_is_reported_at_the_header(tmp_path, run):
    bad = write(tmp_path, "bad.csv", "id,name,street,postcode,city\n")
    result = run("enrolment", "import", str(bad))
    assert result.exit_code == 4
    assert "bad.csv:1: " in result.output and "status" in result.output


def test_cpr_failing_old_checksum_is_accepted(tmp_path, run, workspace):
    # 0101701235: modulus 11 fails (issued without checksum since 2007), date valid
    text = "id,status,name,street,postcode,city\n010170-1235,tilmeldt,A B,Vej 1,8370,Hadsten\n"
    assert run("enrolment", "import", str(write(tmp_path, "r.csv", text))).exit_code == 0


def test_reimport_replaces_the_register(tmp_path, run, workspace):
    run("enrolment", "import", str(write(tmp_path, "a.csv", GOOD)))
    smaller = (
        "id,status,name,street,postcode,city\n"
        "1506781235,tilmeldt,Grethe Jensen,Bakkevej 12,8450,Hammel\n"
    )
    run("enrolment", "import", str(write(tmp_path, "b.csv", smaller)))
    entries = Store(workspace / "postbakke.db").registers.enrolment_entries()
    assert [(e.masked, e.status.value) for e in entries] == [("150678-XXXX", "tilmeldt")]


def test_staff_import_and_bad_email(tmp_path, run, workspace):
    result = run("staff", "import", str(write(tmp_path, "staff.csv", STAFF)))
    assert result.exit_code == 0 and "2 i 2 afdelinger" in result.output
    bad = write(tmp_path, "bad.csv", STAFF + "Ole Bo,OB,ikke-en-mail,1,Jobcenter\n")
    result = run("staff", "import", str(bad))
    assert result.exit_code == 4 and "bad.csv:4: " in result.output
    assert len(Store(workspace / "postbakke.db").registers.staff_members()) == 2
