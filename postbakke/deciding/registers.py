"""The enrolment register and the staff directory: import from CSV, validate every row.

A bad row refuses the whole import (`file:line: reason`), so a half-read file
can never replace a good register.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from pathlib import Path

from stdnum.dk import cvr as stdnum_cvr

from postbakke.errors import RegisterFormatError
from postbakke.identifiers import cpr_birth_date
from postbakke.models import Enrolment, EnrolmentEntry, IdKind, StaffMember
from postbakke.privacy import Pseudonymiser, masked_id

ENROLMENT_COLUMNS = ("id", "status", "name", "street", "postcode", "city")
STAFF_COLUMNS = ("name", "initials", "email", "phone", "department")

_CPR_FORM = re.compile(r"^\d{6}-?\d{4}$")
_CVR_FORM = re.compile(r"^\d{8}$")
_EMAIL_FORM = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def read_csv_rows(path: Path, columns: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (line number, row) after checking the header; reasons in Danish."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as error:
        raise RegisterFormatError(str(path), 0, "filen findes ikke") from error
    except UnicodeDecodeError as error:
        raise RegisterFormatError(str(path), 1, "filen er ikke UTF-8") from error
    reader = csv.reader(text.splitlines())
    header = next(reader, None)
    if header is None:
        raise RegisterFormatError(str(path), 1, "filen er tom")
    header = [h.strip().lower() for h in header]
    missing = [c for c in columns if c not in header]
    if missing:
        raise RegisterFormatError(
            str(path), 1, f"kolonne mangler i overskriften: {', '.join(missing)}"
        )
    for index, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(header):
            raise RegisterFormatError(
                str(path), index, f"forventede {len(header)} kolonner, fandt {len(values)}"
            )
        yield index, {h: v.strip() for h, v in zip(header, values, strict=True)}


def _register_id(raw: str) -> tuple[IdKind, str] | None:
    """Validate an ID from the register: a CPR (date and century) or a CVR (mod 11)."""
    if _CPR_FORM.match(raw):
        digits = raw.replace("-", "")
        if cpr_birth_date(digits) is None:  # date and century; the old checksum is not used
            return None
        return IdKind.CPR, digits
    if _CVR_FORM.match(raw) and stdnum_cvr.is_valid(raw):
        return IdKind.CVR, raw
    return None


def _birth_date_iso(kind: IdKind, digits: str) -> str | None:
    born = cpr_birth_date(digits) if kind is IdKind.CPR else None
    return born.isoformat() if born else None


def read_enrolment_csv(path: Path, pseudonymiser: Pseudonymiser) -> list[EnrolmentEntry]:
    entries: dict[str, EnrolmentEntry] = {}
    for line, row in read_csv_rows(path, ENROLMENT_COLUMNS):
        found = _register_id(row["id"])
        if found is None:
            raise RegisterFormatError(
                str(path), line, "ugyldigt id: hverken et gyldigt CPR-nummer eller CVR-nummer"
            )
        kind, digits = found
        try:
            status = Enrolment(row["status"].lower())
        except ValueError as error:
            raise RegisterFormatError(
                str(path), line,
                f"ukendt status '{row['status']}' (skal være tilmeldt eller fritaget)",
            ) from error
        if not re.fullmatch(r"\d{4}", row["postcode"]):
            raise RegisterFormatError(str(path), line, "postnummer skal være fire cifre")
        if not row["name"]:
            raise RegisterFormatError(str(path), line, "navn mangler")
        pseudonym = pseudonymiser.pseudonym(digits)
        if pseudonym in entries:
            raise RegisterFormatError(str(path), line, "samme id står to gange i registret")
        entries[pseudonym] = EnrolmentEntry(
            pseudonym=pseudonym,
            kind=kind,
            masked=masked_id(kind.value, digits),
            status=status,
            name=row["name"],
            street=row["street"],
            postcode=row["postcode"],
            city=row["city"],
            birth_date=_birth_date_iso(kind, digits),
        )
    return list(entries.values())


def read_staff_csv(path: Path) -> list[StaffMember]:
    members: list[StaffMember] = []
    seen_emails: set[str] = set()
    for line, row in read_csv_rows(path, STAFF_COLUMNS):
        if not row["name"]:
            raise RegisterFormatError(str(path), line, "navn mangler")
        if not row["department"]:
            raise RegisterFormatError(str(path), line, "afdeling mangler")
        email = row["email"].lower()
        if email and not _EMAIL_FORM.match(email):
            raise RegisterFormatError(str(path), line, f"ugyldig e-mail '{row['email']}'")
        if email and email in seen_emails:
            raise RegisterFormatError(str(path), line, f"e-mail '{email}' står to gange")
        seen_emails.add(email)
        members.append(
            StaffMember(
                name=row["name"],
                initials=row["initials"].upper(),
                email=email,
                phone=row["phone"],
                department=row["department"],
            )
        )
    return members
