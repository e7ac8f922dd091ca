"""Settings of one workspace: $POSTBAKKE_HOME and its postbakke.toml.

Built once by the CLI and passed down; no stage reads the environment itself.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from stdnum.dk import cvr as stdnum_cvr

from postbakke.errors import ConfigError

DEFAULT_HOME = "postbakke-data"
SETTINGS_FILE = "postbakke.toml"
DB_FILE = "postbakke.db"

# Measured on the generated letters: 200 dpi reads them as well as 300 dpi and
# avoids the pathological pages (6-53 s) seen at 300 dpi.
DEFAULT_OCR_DPI = 200
# Hard limit per page in Tesseract; a normal page takes ~1 s on these machines.
DEFAULT_PAGE_TIMEOUT_S = 30.0
DEFAULT_RETENTION_DAYS = 30
# A tray of 100 letters of up to three pages; beyond it a file is most likely
# a whole archive scanned by mistake, refused with a reason (settable).
DEFAULT_MAX_PAGES = 300


@dataclass(frozen=True)
class Settings:
    home: Path
    municipality_name: str = "Favrskov Kommune"
    own_cvrs: frozenset[str] = field(default_factory=frozenset)
    ocr_dpi: int = DEFAULT_OCR_DPI
    page_timeout_s: float = DEFAULT_PAGE_TIMEOUT_S
    retention_days: int = DEFAULT_RETENTION_DAYS
    max_pages: int = DEFAULT_MAX_PAGES

    @property
    def db_path(self) -> Path:
        return self.home / DB_FILE

    @property
    def pages_dir(self) -> Path:
        """Cleaned page images kept for review (deleted after retention_days)."""
        return self.home / "sider"


def _line_of(error: tomllib.TOMLDecodeError, text: str) -> str:
    found = re.search(r"line (\d+)", str(error))
    if found:
        return found.group(1)
    return str(max(1, len(text.splitlines())))  # "at end of document"


def _parse_cvrs(values: object, where: str) -> frozenset[str]:
    if isinstance(values, str):
        values = [values]
    if not isinstance(values, list):
        raise ConfigError(f"{where}: cvr skal være en liste af CVR-numre")
    cvrs = set()
    for value in values:
        digits = re.sub(r"\D", "", str(value))
        if not stdnum_cvr.is_valid(digits):
            raise ConfigError(f"{where}: '{value}' er ikke et gyldigt CVR-nummer")
        cvrs.add(digits)
    return frozenset(cvrs)


def load_settings(env: dict[str, str] | None = None) -> Settings:
    """Read $POSTBAKKE_HOME/postbakke.toml (if any) and the environment overrides."""
    env = dict(os.environ) if env is None else env
    home = Path(env.get("POSTBAKKE_HOME") or DEFAULT_HOME)
    path = home / SETTINGS_FILE
    data: dict = {}
    if path.exists():
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as error:
            raise ConfigError(f"{path}: filen er ikke UTF-8") from error
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            raise ConfigError(f"{path}:{_line_of(error, text)}: ugyldig TOML ({error})") from error
    municipality = data.get("municipality", {})
    if not isinstance(municipality, dict):
        raise ConfigError(f"{path}: [municipality] skal være en tabel")
    own_cvrs = _parse_cvrs(municipality.get("cvr", []), f"{path}: [municipality]")
    if env.get("POSTBAKKE_OWN_CVR"):
        own_cvrs = _parse_cvrs(env["POSTBAKKE_OWN_CVR"].split(","), "POSTBAKKE_OWN_CVR")
    scan = data.get("scan", {})
    retention = data.get("retention_days", scan.get("retention_days", DEFAULT_RETENTION_DAYS))
    if not isinstance(retention, int) or retention < 0:
        raise ConfigError(f"{path}: retention_days skal være et helt antal dage (0 eller mere)")
    return Settings(
        home=home,
        municipality_name=str(municipality.get("name", "Favrskov Kommune")),
        own_cvrs=own_cvrs,
        ocr_dpi=int(scan.get("ocr_dpi", DEFAULT_OCR_DPI)),
        page_timeout_s=float(scan.get("page_timeout_s", DEFAULT_PAGE_TIMEOUT_S)),
        retention_days=retention,
        max_pages=int(scan.get("max_pages", DEFAULT_MAX_PAGES)),
    )
