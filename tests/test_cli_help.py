"""Every command explains itself, in Danish."""

from __future__ import annotations

import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from postbakke.cli import cli


def all_commands(group: click.Group, prefix: tuple[str, ...] = ()):
    for name in group.list_commands(click.Context(group)):
        command = group.get_command(click.Context(group), name)
        assert command is not None, name
        yield (*prefix, name), command
        if isinstance(command, click.Group):
            yield from all_commands(command, (*prefix, name))


def test_every_command_has_help():
    runner = CliRunner()
    for path, command in all_commands(cli):
        result = runner.invoke(cli, [*path, "--help"])
        assert result.exit_code == 0, path
        assert command.help and len(command.help) > 10, f"{' '.join(path)} has no help"


def test_unknown_command_is_one_line_and_exit_2():
    result = CliRunner().invoke(cli, ["skan"])
    assert result.exit_code == 2


# Words of click's own that must not reach a mailroom: its usage, help and error lines.
ENGLISH = ("Usage:", "Options:", "Commands:", "Show this message", "Show the version",
           "[OPTIONS]", "COMMAND", "Try '", "Error:", "No such", "Missing argument",
           "Invalid value", "does not exist", "Got unexpected", "Did you mean")


def test_every_help_page_speaks_danish_also_in_clicks_own_words():
    runner = CliRunner()
    for path, _ in [((), cli), *all_commands(cli)]:
        text = runner.invoke(cli, [*path, "--help"], prog_name="postbakke").output
        english = [word for word in ENGLISH if word in text]
        assert not english, f"postbakke {' '.join(path)} --help: {english}"
        assert "Brug: postbakke" in text and "Vis denne hjælp og afslut." in text


def test_clicks_errors_are_danish(tmp_path):
    runner = CliRunner()
    cases = [
        (["skan"], "Kommandoen 'skan' findes ikke."),
        (["scan", "--nope"], "Tilvalget '--nope' findes ikke."),
        (["scan"], "Mangler argumentet 'FILER...'."),
        (["review", "decide"], "Mangler argumentet 'NR'."),
        (["review", "decide", "tre"], "Ugyldig værdi for 'NR': 'tre' er ikke et gyldigt tal."),
        (["watch", str(tmp_path / "ingen")], "findes ikke"),
        (["review", "list", "ekstra"], "Et argument for meget (ekstra)"),
    ]
    for args, expected in cases:
        result = runner.invoke(cli, args, prog_name="postbakke")
        assert result.exit_code == 2, (args, result.output)
        assert expected in result.output, (args, result.output)
        assert "Fejl: " in result.output and "Se 'postbakke" in result.output, result.output
        english = [word for word in ENGLISH if word in result.output]
        assert not english, (args, english, result.output)


HEAVY = ("numpy", "cv2", "tesserocr", "matplotlib", "PIL.Image", "flask", "pandas")


@pytest.mark.parametrize(("args", "heavy"), [
    (["--version"], HEAVY), (["summary"], HEAVY),
    # the report's charts are SVG written by postbakke: no plotting or image library either
    (["report", "--week", "2026-W47"], HEAVY),
])
def test_a_command_loads_no_image_plot_or_web_library_it_does_not_use(workspace, args, heavy):
    """`--version` and `summary` start without numpy, OpenCV, Tesseract, matplotlib or
    Flask (numpy alone was 0.1 s of each start; issue 24), nor does `report` (its charts
    drew with matplotlib: 0.65-0.85 s of import).
    Run as the command runs: a new Python with the package's entry point."""
    code = ("import sys\nfrom postbakke.cli import main\n"
            f"sys.argv = ['postbakke', *{args!r}]\n"
            "try:\n    main()\nexcept SystemExit as end:\n    assert not end.code, end.code\n"
            f"print(sorted(set({heavy!r}) & set(sys.modules)))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=workspace.parent, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "[]", done.stdout[-500:]


def test_a_reader_that_stops_early_is_no_error(workspace):
    """`postbakke letters | head -1`: the pipe closes long before the output ends (here
    ~150 kB); no "uventet fejl" line, no traceback."""
    from month_letters import jobcenter_letter

    from postbakke.people.filing import file_letters
    from postbakke.store import Store, StoredFile

    store = Store(workspace / "postbakke.db")
    for f in range(20):
        file_letters(store, StoredFile(f"h{f}", "a.pdf", None, "2026-11-18", 100, "nu"),
                     [jobcenter_letter(f"h{f}", p, "2026-11-18", "Anne Holm", 5)
                      for p in range(1, 101)])
    store.close()
    done = subprocess.run(f"{sys.executable} -m postbakke letters | head -1", shell=True,
                          capture_output=True, text=True, timeout=60)
    assert done.stdout.count("\n") == 1 and done.stdout.startswith("Nr ")
    assert done.stderr == "", done.stderr
    whole = subprocess.run([sys.executable, "-m", "postbakke", "letters"],
                           capture_output=True, text=True, timeout=60)
    assert len(whole.stdout) > 100_000  # more than a pipe holds: the reader did stop early
