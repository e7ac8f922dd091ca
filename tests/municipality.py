"""The workspace settings every scanning test needs: `scan` refuses a workspace that does
not name its municipality and own CVR (issue 15). The generated letters' municipality."""

from __future__ import annotations

from pathlib import Path

MUNICIPALITY_TOML = '[municipality]\nname = "Favrskov Kommune"\ncvr = ["29189714"]\n'


def configure_municipality(home: Path, extra: str = "") -> Path:
    """Write postbakke.toml with the municipality (and any `extra` TOML) into `home`."""
    home.mkdir(parents=True, exist_ok=True)
    path = home / "postbakke.toml"
    path.write_text(MUNICIPALITY_TOML + extra, encoding="utf-8")
    return path
