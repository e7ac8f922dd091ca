"""Workspace settings and the secret key."""

from __future__ import annotations

import stat

import pytest

from postbakke.config import load_settings
from postbakke.errors import ConfigError
from postbakke.privacy import load_or_create_secret


def test_defaults_without_a_settings_file(tmp_path):
    settings = load_settings({"POSTBAKKE_HOME": str(tmp_path)})
    assert settings.db_path == tmp_path / "postbakke.db"
    assert settings.own_cvrs == frozenset()
    assert settings.retention_days == 30


def test_own_cvr_from_file_and_environment_override(tmp_path):
    (tmp_path / "postbakke.toml").write_text(
        '[municipality]\nname = "Favrskov Kommune"\ncvr = ["29189714"]\n', encoding="utf-8"
    )
    assert load_settings({"POSTBAKKE_HOME": str(tmp_path)}).own_cvrs == {"29189714"}
    env = {"POSTBAKKE_HOME": str(tmp_path), "POSTBAKKE_OWN_CVR": "29 18 97 14, 55133018"}
    assert load_settings(env).own_cvrs == {"29189714", "55133018"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[municipality]\ncvr = ["29189714"\n', ":2: ugyldig TOML"),
        ('[municipality]\ncvr = ["12345678"]\n', "ikke et gyldigt CVR-nummer"),
        ("retention_days = -3\n", "retention_days"),
        ("[envelope]\nwindow = { left = 20, top = 45 }\n", "left, top, width og height"),
        ('[envelope]\nwindow = { left = 20, top = 45, width = "85", height = 45 }\n',
         "width skal være et tal"),
        ("[envelope]\nwindow = { left = 150, top = 45, width = 200, height = 45 }\n",
         "ligger ikke på en A4-side"),
        ('[scan]\nseparator_text = ""\n', "separator_text"),
    ],
)
def test_invalid_settings_are_reported_in_danish(tmp_path, text, expected):
    (tmp_path / "postbakke.toml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings({"POSTBAKKE_HOME": str(tmp_path)})
    assert expected in str(caught.value)


def test_secret_is_created_once_with_mode_0600(tmp_path):
    first = load_or_create_secret(tmp_path, None)
    assert load_or_create_secret(tmp_path, None) == first
    assert stat.S_IMODE((tmp_path / "secret.key").stat().st_mode) == 0o600
    long_enough = "x" * 32  # issue 14: a shorter $POSTBAKKE_SECRET is refused
    assert load_or_create_secret(tmp_path, long_enough) == long_enough


def test_bad_settings_file_is_one_line_at_the_cli(run, workspace):
    workspace.mkdir(parents=True, exist_ok=True)
    (workspace / "postbakke.toml").write_text("[municipality\n", encoding="utf-8")
    from click.testing import CliRunner

    from postbakke.cli import cli

    result = CliRunner().invoke(cli, ["scan", "x.pdf"])
    assert result.exit_code == 5
    assert result.output.startswith("Fejl: ") and result.output.count("\n") == 1


def test_secret_comes_from_the_environment_only_when_set():
    from postbakke.config import secret_from_environment

    assert secret_from_environment({"POSTBAKKE_SECRET": "k"}) == "k"
    assert secret_from_environment({"POSTBAKKE_SECRET": ""}) is None
    assert secret_from_environment({}) is None
    assert load_settings({"POSTBAKKE_HOME": "x", "POSTBAKKE_SECRET": "k"}).secret == "k"
    assert "'k'" not in repr(load_settings({"POSTBAKKE_HOME": "x", "POSTBAKKE_SECRET": "k"}))


def test_ocr_assets_folder_override_comes_from_the_environment(tmp_path):
    from postbakke.config import ocr_models_override

    assert ocr_models_override({"POSTBAKKE_OCR_MODELS": str(tmp_path)}) == tmp_path
    assert ocr_models_override({}) is None


def test_ocr_thread_limit_is_set_in_the_environment(monkeypatch):
    import os

    from postbakke.config import limit_ocr_threads

    monkeypatch.delenv("OMP_THREAD_LIMIT", raising=False)
    limit_ocr_threads()
    assert os.environ["OMP_THREAD_LIMIT"] == "1"



@pytest.mark.parametrize(
    ("text", "window"),
    [
        ("", (20.0, 45.0, 85.0, 45.0)),  # DIN 5008 form B
        ("[envelope]\nwindow = { left = 15, top = 40, width = 90, height = 45 }\n",
         (15.0, 40.0, 90.0, 45.0)),
    ],
)
def test_envelope_window_from_settings_or_din_5008(tmp_path, text, window):
    (tmp_path / "postbakke.toml").write_text(text, encoding="utf-8")
    got = load_settings({"POSTBAKKE_HOME": str(tmp_path)}).envelope_window
    assert (got.left, got.top, got.width, got.height) == window


def test_separator_text_is_a_setting(tmp_path):
    assert load_settings({"POSTBAKKE_HOME": str(tmp_path)}).separator_text == "PATCHT"
    (tmp_path / "postbakke.toml").write_text('[scan]\nseparator_text = "SKILLEARK"\n',
                                             encoding="utf-8")
    assert load_settings({"POSTBAKKE_HOME": str(tmp_path)}).separator_text == "SKILLEARK"


@pytest.mark.parametrize(
    ("text", "env", "missing"),
    [
        ("", {}, ["navn (name)", "CVR-nummer (cvr)"]),
        ('[municipality]\nname = "Favrskov Kommune"\n', {}, ["CVR-nummer (cvr)"]),
        ('[municipality]\ncvr = ["29189714"]\n', {}, ["navn (name)"]),
        ('[municipality]\nname = "Favrskov Kommune"\n', {"POSTBAKKE_OWN_CVR": "29189714"}, []),
    ],
)
def test_scan_is_refused_until_the_municipality_is_named(tmp_path, text, env, missing):
    (tmp_path / "postbakke.toml").write_text(text, encoding="utf-8")
    reason = load_settings({"POSTBAKKE_HOME": str(tmp_path), **env}).missing_municipality()
    if not missing:
        assert reason is None
        return
    assert reason is not None
    for what in missing:
        assert what in reason
    assert "[municipality]" in reason and "postbakke.toml" in reason


def test_scan_on_an_unconfigured_workspace_says_what_to_add(tmp_path, monkeypatch):
    """GIVEN a workspace without [municipality] WHEN scan runs THEN one Danish line, no letters."""
    from click.testing import CliRunner

    from postbakke.cli import cli

    monkeypatch.setenv("POSTBAKKE_HOME", str(tmp_path / "tom"))
    monkeypatch.setenv("POSTBAKKE_SECRET", "k")
    monkeypatch.delenv("POSTBAKKE_OWN_CVR", raising=False)
    letter = tmp_path / "brev.pdf"
    letter.write_bytes(b"%PDF-1.4")
    result = CliRunner().invoke(cli, ["scan", str(letter)])
    assert result.exit_code == 5
    assert "Kommunens navn (name) og CVR-nummer (cvr) mangler" in result.output
    assert "Traceback" not in result.output
