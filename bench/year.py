"""`make bench` part 2 (`make bench-year`): a large municipality's year, every command and
every station page by workspace size.

    .venv/bin/python bench/year.py [--sizes 2000,20000,200000] [--doc docs/benchmarks-year.md]

For each size, a workspace is filled through the library's own filing, decision and
follow-up paths (bench/year_fill.py: 52 weeks, 10 departments, 315 senders, a
100,000-person register, ~15 % leaks, review letters decided after a week, follow-ups
closed every 4 weeks with 10 % justified, 1 % of trays scanned twice, OCR text kept 30
days). A fill is built once and cached in bench/cache/ (gitignored; the 200,000-letter
one takes many minutes on 2 cores); each measurement runs on a fresh copy of it, opened
by today's code (so an older cached schema is migrated first, as a municipality's is).

Measured, each the minimum of 3 after one warm-up:
- the commands as a person runs them (a new process each: Python's start included):
  `summary`, `report --week` (the latest tray's week), the year's `report --from --to`
  (with the HTML's size), `digest --dry-run`;
- the purge every `scan` starts with (in-process: the first run, then nothing due);
- every station page (Flask's test client, in-process: the server's own time);
- the database file per letter (the register's 100,000 rows included), and the live data
  per letter (`VACUUM INTO` a new file);
- the queries of the slowest page and of the slowest command, with their query plans.

Writes the tables to the --doc file. A benchmark, not a test: nothing fails on speed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from year_fill import FILL_VERSION, FIRST_DAY, SECRET, fill  # noqa: E402

CACHE = ROOT / "bench" / "cache"
REPEAT = 3
# Issue 24's targets at 200,000 letters (the table's last column)
TARGETS = {
    "purge before a scan: a day's text due (s)": "≤ 0.050",
    "purge before a scan: nothing due (s)": "≤ 0.050",
    "database per letter (bytes)": "≤ 2,000",
    "command: summary (s)": "≤ 1",
    "command: report --week (s)": "≤ 1",
    "command: report for the year (s)": "≤ 5",
    "the year's report HTML (kB)": "< 500",
}


def cached_workspace(size: int, seed: int = 1) -> Path:
    """The folder of a filled workspace of `size` letters (built on first use)."""
    folder = CACHE / f"aar-{size}-s{seed}-f{FILL_VERSION}"
    if not (folder / "postbakke.db").exists():
        partial = folder.with_name(folder.name + ".tmp")
        shutil.rmtree(partial, ignore_errors=True)
        start = time.perf_counter()
        store = fill(partial, size, seed)
        store.close()
        for suffix in ("-wal", "-shm"):
            (partial / f"postbakke.db{suffix}").unlink(missing_ok=True)
        (partial / "fill-seconds").write_text(f"{time.perf_counter() - start:.1f}\n")
        shutil.rmtree(folder, ignore_errors=True)
        partial.rename(folder)
    return folder


def _min_s(action, repeat: int = REPEAT, warm: bool = True) -> float:
    if warm:
        action()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return min(times)


def _env(home: Path) -> dict[str, str]:
    return {**os.environ, "POSTBAKKE_HOME": str(home), "POSTBAKKE_SECRET": SECRET}


def _command(home: Path, *args: str) -> float:
    def run() -> None:
        done = subprocess.run([sys.executable, "-m", "postbakke", *args], env=_env(home),
                              capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, (args, done.stdout, done.stderr)

    return _min_s(run, warm=False)


def measure(home: Path) -> tuple[dict[str, float], dict[str, list[tuple[float, str, str]]]]:
    os.environ["POSTBAKKE_HOME"] = str(home)
    os.environ["POSTBAKKE_SECRET"] = SECRET
    from postbakke.config import load_settings
    from postbakke.migrations import SCHEMA_VERSION
    from postbakke.outputs.digital import IsoWeek
    from postbakke.retention import purge_expired
    from postbakke.store import Store
    from postbakke.web.app import create_app

    _trace_connections()
    figures: dict[str, float] = {}
    settings = load_settings()
    start = time.perf_counter()
    store = Store(settings.db_path)  # an older cached schema is migrated here
    figures["open (and migrate) the workspace (s)"] = time.perf_counter() - start
    letters = store.db.execute("SELECT count(*) FROM letters").fetchone()[0]
    figures["letters stored (copies included)"] = letters
    figures["schema version"] = SCHEMA_VERSION
    latest = store.figures.latest_scanned_on()
    assert latest is not None
    figures["last scan day"] = latest.isoformat()  # type: ignore[assignment]
    week = IsoWeek.of(latest)
    # the purge before a scan: the morning after the last tray (a day's text is due), then
    # again (nothing due); at the simulated time, as the fill ran it
    morning = datetime.combine(latest + timedelta(days=1), clock_time(7), UTC)
    kwargs = {"now": morning, "report_dirs": (), "outboxes": ()}
    begin = time.perf_counter()
    purge_expired(store, settings, **kwargs)
    figures["purge before a scan: a day's text due (s)"] = time.perf_counter() - begin
    figures["purge before a scan: nothing due (s)"] = _min_s(
        lambda: purge_expired(store, settings, **kwargs))
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    size = settings.db_path.stat().st_size
    figures["database file (MB)"] = size / 1e6
    figures["database per letter (bytes)"] = size / letters
    compact = home / "compact.db"
    store.db.execute(f"VACUUM INTO '{compact}'")
    figures["live data per letter (bytes, VACUUM INTO)"] = compact.stat().st_size / letters
    register = store.db.execute(
        "SELECT coalesce(sum(pgsize), 0) FROM dbstat WHERE name LIKE '%enrolment%'"
    ).fetchone()[0] if _has_dbstat(store) else 0
    if register:
        figures["of which the 100,000-person register per letter (bytes)"] = register / letters
    compact.unlink()

    out = home / "rapporter"
    year = ["report", "--from", FIRST_DAY.isoformat(), "--to", latest.isoformat(),
            "--out", str(out)]
    figures["command: --version, the start alone (s)"] = _command(home, "--version")
    figures["command: summary (s)"] = _command(home, "summary")
    figures["command: report --week (s)"] = _command(home, "report", "--week", week.label,
                                                     "--out", str(out))
    figures["command: report for the year (s)"] = _command(home, *year)
    html = next(out.glob(f"rapport-{FIRST_DAY.isoformat()}_*.html"))
    figures["the year's report HTML (kB)"] = html.stat().st_size / 1000
    figures["command: digest --dry-run (s)"] = _command(
        home, "digest", "--dry-run", "--week", week.label, "--outbox", str(home / "udbakke"))
    figures["command: followup list (s)"] = _command(home, "followup", "list")

    app = create_app(load_settings())
    client = app.test_client()
    queue = store.review.queue()
    some_letter = queue[len(queue) // 2] if queue else 1
    pages = {
        "Afdelinger": "/afdelinger",
        "Rapport, week": "/rapport",
        "Rapport, year": f"/rapport?fra={FIRST_DAY.isoformat()}&til={latest.isoformat()}",
        "Ugebreve": f"/ugebrev?uge={week.label}",
        "Ugebrev, one department": f"/ugebrev?uge={week.label}&afdeling=Jobcenter",
        "Opfølgninger, open": "/opfoelgninger",
        "Opfølgninger, all": "/opfoelgninger?alle=1",
        "Breve": "/breve",
        "Breve, a department and week": f"/breve?afdeling=Jobcenter&uge={week.label}",
        "Gennemsyn (a letter)": f"/gennemsyn/{some_letter}",
        "Bakker": "/bakker",
    }
    for name, url in pages.items():
        response = client.get(url)
        figures[f"page: {name} (s)"] = _min_s(lambda url=url: client.get(url), warm=False)
        figures[f"page: {name} (kB)"] = len(response.get_data()) / 1000
        if response.status_code != 200:
            figures[f"page: {name} (status)"] = response.status_code
    plans: dict[str, list[tuple[float, str, str]]] = {}
    slowest_page = max(pages, key=lambda n: figures[f"page: {n} (s)"])
    plans[f"page: {slowest_page}"] = _traced(store.path,
                                             lambda: client.get(pages[slowest_page]))
    commands = {"summary": ["summary"], "report for the year": year,
                "report --week": ["report", "--week", week.label, "--out", str(out)]}
    slowest_command = max(commands, key=lambda n: figures[f"command: {n} (s)"])
    plans[f"command: {slowest_command}"] = _traced_cli(store.path, commands[slowest_command])
    store.close()
    return figures, plans


def _has_dbstat(store) -> bool:
    try:
        store.db.execute("SELECT 1 FROM dbstat LIMIT 1").fetchone()
        return True
    except sqlite3.OperationalError:
        return False


def _slowest_queries(db_path: Path, statements: list[str]) -> list[tuple[float, str, str]]:
    """Each distinct SELECT run again on its own: (seconds, SQL, query plan), slowest first."""
    conn = sqlite3.connect(db_path)
    found = []
    for sql in dict.fromkeys(s for s in statements if s.lstrip().upper().startswith("SELECT")):
        start = time.perf_counter()
        try:
            conn.execute(sql).fetchall()
        except sqlite3.Error:
            continue
        seconds = time.perf_counter() - start
        plan = "\n".join(f"{'  ' * (row[1] > 0)}{row[3]}"
                         for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}").fetchall())
        found.append((seconds, sql, plan))
    conn.close()
    return sorted(found, reverse=True)[:3]


# the statements run while `_TRACING` holds a list (every connection opened here is traced)
_TRACING: list[list[str]] = []


def _trace_connections() -> None:
    from postbakke.store import connection

    original_init = connection.Connection.__init__
    if getattr(original_init, "traced", False):
        return

    def init(self, *a, **k):
        original_init(self, *a, **k)
        self.db.conn.set_trace_callback(
            lambda sql: _TRACING[-1].append(sql) if _TRACING else None)

    init.traced = True  # type: ignore[attr-defined]
    connection.Connection.__init__ = init  # type: ignore[method-assign]


def _traced(db_path: Path, action) -> list[tuple[float, str, str]]:
    _TRACING.append([])
    try:
        action()
    finally:
        statements = _TRACING.pop()
    return _slowest_queries(db_path, statements)


def _traced_cli(db_path: Path, args: list[str]) -> list[tuple[float, str, str]]:
    from click.testing import CliRunner

    from postbakke.cli import cli

    def run() -> None:
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 0, result.output

    return _traced(db_path, run)


def _value(name: str, value: float) -> str:
    if name.startswith("machine load"):
        return f"{value:.1f}"
    if name.endswith("(s)"):
        return f"{value:.3f}" if value < 1 else f"{value:.2f}"
    if "bytes" in name or "letters" in name or "status" in name or "version" in name:
        return f"{value:,.0f}"
    return f"{value:,.1f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/year.py", description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="2000,20000,200000")
    parser.add_argument("--doc", type=Path, default=ROOT / "docs" / "benchmarks-year.md")
    parser.add_argument("--no-doc", action="store_true", help="print only")
    parser.add_argument("--partial", action="store_true",
                        help="measure a size whose fill is still running on what it holds")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    results: dict[int, dict[str, float]] = {}
    plans: dict[int, dict[str, list[tuple[float, str, str]]]] = {}
    labels = {size: f"{size:,} letters" for size in sizes}
    for size in sizes:
        partial = CACHE / f"aar-{size}-s1-f{FILL_VERSION}.tmp"
        unfinished = args.partial and partial.is_dir() and not (
            CACHE / f"aar-{size}-s1-f{FILL_VERSION}" / "postbakke.db").exists()
        cached = partial if unfinished else cached_workspace(size)
        with tempfile.TemporaryDirectory(prefix="postbakke-aar-") as folder:
            home = Path(folder) / "arbejdsmappe"
            if unfinished:  # a consistent copy of the letters filed so far
                home.mkdir()
                shutil.copy(cached / "postbakke.toml", home)
                source = sqlite3.connect(f"file:{cached / 'postbakke.db'}?mode=ro", uri=True)
                copy = sqlite3.connect(home / "postbakke.db")
                source.backup(copy)
                if copy.execute("SELECT count(*) FROM sqlite_master WHERE name IN "
                                "('letter_texts', 'login_attempts')").fetchone()[0] == 1:
                    # filled before the merge renumbered the branch's steps 9 and 10 (now
                    # 11 and 12, after main's 9 and 10): run 9 onwards (each idempotent)
                    copy.execute("PRAGMA user_version = 8")
                copy.close()
                source.close()
            else:
                shutil.copytree(cached, home)
            load = os.getloadavg()[0]
            figures, plans[size] = measure(home)
            last_day = figures.pop("last scan day")
            results[size] = {
                "fill (s, once, cached)": float("nan") if unfinished else float(
                    (cached / "fill-seconds").read_text()),
                "machine load before (1-minute average, 2 cores)": load,
                **figures}
            if unfinished:
                labels[size] = (f"{size:,} letters: the fill's first "
                                f"{int(figures['letters stored (copies included)']):,}, to "
                                f"{last_day}")
            results[size]["machine load after"] = os.getloadavg()[0]
        print(f"{size:>7} letters:", flush=True)
        for name, value in results[size].items():
            print(f"    {name}: {_value(name, value)}", flush=True)
    names = list(dict.fromkeys(n for r in results.values() for n in r))
    lines = [
        "# A municipality's year: every command and station page, by workspace size",
        "",
        f"Generated by `bench/year.py` (`make bench-year`, part of `make bench`) on this "
        f"machine ({date.today().isoformat()}, 2 cores, git {_git()}). The workspaces are "
        "filled through the library's own filing, decision and follow-up paths "
        "(bench/year_fill.py; shape in its docstring). Times in seconds, the minimum of 3: "
        "commands as a new process (Python's start included), pages in-process "
        "(the server's own time). The machine is shared: its load is in the table, and "
        "every figure is slower the higher it is.",
        "",
        "`docs/benchmarks-year-before.md` is the same bench run on the code before issue 24 "
        "(git a902d25: `git archive a902d25 postbakke` beside a copy of bench/).",
        "",
        "| measure | " + " | ".join(labels[s] for s in sizes) + " | target at 200,000 |",
        "|---|" + "---:|" * (len(sizes) + 1),
    ]
    for name in names:
        target = TARGETS.get(name, "≤ 0.5" if name.startswith("page:") and name.endswith(
            "(s)") else "")
        lines.append(f"| {name} | " + " | ".join(
            _value(name, results[s][name]) if name in results[s] else "–" for s in sizes)
            + f" | {target} |")
    biggest = sizes[-1]
    lines += ["", f"## The slowest queries at {biggest:,} letters, with their plans", ""]
    for where, found in plans[biggest].items():
        lines += [f"### {where}", ""]
        for seconds, sql, plan in found:
            lines += [f"{seconds:.3f} s:", "", "```sql", sql.strip()[:1500], "```", "",
                      "```", plan, "```", ""]
    text = "\n".join(lines) + "\n"
    if args.no_doc:
        print(text)
    else:
        args.doc.write_text(text, encoding="utf-8")
        print(f"written: {args.doc}")
    return 0


def _git() -> str:
    done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                          capture_output=True, text=True)
    return done.stdout.strip() or "?"


if __name__ == "__main__":
    sys.exit(main())
