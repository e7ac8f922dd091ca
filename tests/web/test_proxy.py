"""The station behind a TLS reverse proxy, as docs/deploy.md sets it up (issue 21 item 7).

GIVEN the workspace's station served by `postbakke web` on loopback, and Debian's nginx
      running docs/deploy/nginx-postbakke.conf (its ports and paths swapped for free
      ones and a self-signed certificate)
WHEN a project leader and a clerk sign in through nginx over HTTPS and follow every
     link they are shown
THEN no page is a 500 or an English error, no CPR stands in clear, the clerk reaches
     nothing above the role, the cookie is Secure, HSTS is sent, plain HTTP is sent on to
     HTTPS, and X-Forwarded-* are believed from the configured proxy only.
"""

from __future__ import annotations

import datetime as dt
import http.client
import ipaddress
import os
import re
import shlex
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from html import unescape
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
from click.testing import CliRunner
from web_fixtures import OWN_CVR, cpr_in_clear, csrf_token, make_workspace
from workspace_secret import TEST_SECRET

from postbakke.cli import cli
from postbakke.config import load_settings
from postbakke.web.app import create_app

DEPLOY = Path(__file__).parents[2] / "docs" / "deploy"
SITE_FILE = DEPLOY / "nginx-postbakke.conf"
HOST = "postbakke.kommune.local"
PASSWORD = "hemmeligt-ord-1"
LEADER_ONLY = ("/afdelinger", "/breve", "/opfoelgninger", "/rapport", "/ugebrev")
ENGLISH = re.compile(r"Internal Server Error|Not Found|Bad Request|Forbidden|Traceback|"
                     r"Bad Gateway|Method Not Allowed|Unauthorized", re.IGNORECASE)
HREF = re.compile(r'(?:href|src)="(/[^"#]*)"')
MAX_PAGES = 80
STARTUP_S = 30


def nginx_binary() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK)
                                     else None)
    if found is None:
        pytest.skip("nginx is not installed: the Debian package nginx, which 'make sysdeps' "
                    "installs (DEBIAN_PACKAGES)")
    return found


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for_port(port: int, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"exited with {process.returncode}: {log.read_text(errors='replace')}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    pytest.fail(f"port {port} did not open: {log.read_text(errors='replace')}")


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for HOST and 127.0.0.1 (Python's cryptography, already in the lock)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOST)])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(
                [x509.DNSName(HOST), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "postbakke.crt", folder / "postbakke.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def site_for_test(folder: Path, http_port: int, https_port: int, app_port: int,
                  cert: Path, key: Path) -> str:
    """docs/deploy's site file with free ports and the test's certificate: nothing else."""
    site = SITE_FILE.read_text(encoding="utf-8")
    swaps = {
        "listen 80;": f"listen 127.0.0.1:{http_port};",
        "listen 443 ssl;": f"listen 127.0.0.1:{https_port} ssl;",
        "/etc/ssl/postbakke/postbakke.crt": str(cert),
        "/etc/ssl/postbakke/postbakke.key": str(key),
        "proxy_pass http://127.0.0.1:8000;": f"proxy_pass http://127.0.0.1:{app_port};",
    }
    for old, new in swaps.items():
        assert site.count(old) == 1, f"docs/deploy/nginx-postbakke.conf lacks {old!r}"
        site = site.replace(old, new)
    return site


@pytest.fixture
def behind_nginx(workspace: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                 ) -> Iterator[dict]:
    nginx = nginx_binary()
    monkeypatch.setenv("POSTBAKKE_OWN_CVR", OWN_CVR)
    make_workspace(workspace)
    toml = workspace / "postbakke.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + f'\n[web]\nhosts = ["{HOST}"]\n'
                    'trusted_proxies = ["127.0.0.1"]\n', encoding="utf-8")
    for name, role in (("mette", "projektleder"), ("ole", "postrum")):
        added = CliRunner().invoke(cli, ["web", "user", "add", name, "--role", role],
                                   input=f"{PASSWORD}\n{PASSWORD}\n")
        assert added.exit_code == 0, added.output
    app_port, http_port, https_port = free_port(), free_port(), free_port()
    env = {**os.environ, "POSTBAKKE_HOME": str(workspace), "POSTBAKKE_SECRET": TEST_SECRET,
           "POSTBAKKE_OWN_CVR": OWN_CVR}
    app_log = tmp_path / "web.log"
    app = subprocess.Popen(
        [sys.executable, "-m", "postbakke", "web", "--host", "127.0.0.1", "--port",
         str(app_port)], env=env, stdout=app_log.open("w"), stderr=subprocess.STDOUT)
    prefix = tmp_path / "nginx"
    prefix.mkdir()
    cert, key = self_signed(prefix)
    (prefix / "site.conf").write_text(
        site_for_test(prefix, http_port, https_port, app_port, cert, key), encoding="utf-8")
    temp = "\n".join(f"  {kind}_temp_path {prefix / kind};"
                     for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    (prefix / "nginx.conf").write_text(
        ("user root;\n" if os.geteuid() == 0 else "")
        + f"worker_processes 1;\npid {prefix / 'nginx.pid'};\n"
        f"error_log {prefix / 'error.log'} info;\nevents {{ worker_connections 64; }}\n"
        f"http {{\n  access_log {prefix / 'access.log'};\n{temp}\n"
        f"  include {prefix / 'site.conf'};\n}}\n", encoding="utf-8")
    checked = subprocess.run([nginx, "-t", "-p", str(prefix), "-c", str(prefix / "nginx.conf")],
                             capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    proxy = subprocess.Popen([nginx, "-p", str(prefix), "-c", str(prefix / "nginx.conf"),
                              "-g", "daemon off;"], stdout=subprocess.DEVNULL,
                             stderr=(prefix / "stderr.log").open("w"))
    try:
        wait_for_port(app_port, app, app_log)
        wait_for_port(https_port, proxy, prefix / "stderr.log")
        context = ssl.create_default_context(cafile=str(cert))
        yield {"https_port": https_port, "http_port": http_port, "app_port": app_port,
               "context": context, "app_log": app_log, "workspace": workspace}
    finally:
        proxy.send_signal(signal.SIGQUIT)
        app.send_signal(signal.SIGINT)
        for process in (proxy, app):
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


class Browser:
    """A browser's requests over HTTPS to nginx: the Host it types, its one cookie."""

    def __init__(self, port: int, context: ssl.SSLContext) -> None:
        self.port, self.context = port, context
        self.cookie: str | None = None
        self.set_cookies: list[str] = []

    def request(self, method: str, path: str, form: dict | None = None,
                headers: dict | None = None) -> tuple[int, dict, bytes]:
        connection = http.client.HTTPSConnection("127.0.0.1", self.port, context=self.context,
                                                 timeout=30)
        sent = {"Host": f"{HOST}:{self.port}", **(headers or {})}
        body = None
        if form is not None:
            body = urlencode(form)
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookie:
            sent["Cookie"] = self.cookie
        connection.request(method, path, body=body, headers=sent)
        answer = connection.getresponse()
        data = answer.read()
        received = {k.lower(): v for k, v in answer.getheaders()}
        for value in answer.headers.get_all("Set-Cookie") or []:
            self.set_cookies.append(value)
            if value.startswith("postbakke_session="):
                self.cookie = value.split(";", 1)[0]
        connection.close()
        return answer.status, received, data

    def sign_in(self, name: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
        _, _, page = self.request("GET", "/log-ind")
        token = csrf_token(page.decode())
        return self.request("POST", "/log-ind", {"csrf_token": token, "name": name,
                                                 "password": PASSWORD}, headers)


def crawl(browser: Browser, start: list[str]) -> dict[str, tuple[int, str]]:
    """Every page reachable by the links shown, from `start` (status, text of HTML pages)."""
    seen: dict[str, tuple[int, str]] = {}
    queue = list(start)
    while queue and len(seen) < MAX_PAGES:
        path = queue.pop(0)
        if path in seen or path.startswith(("/log-ud", "/static/")):
            continue
        status, headers, data = browser.request("GET", path)
        assert "max-age=31536000" in headers.get("strict-transport-security", ""), path
        text = data.decode("utf-8", "replace") if "text/" in headers.get(
            "content-type", "") else ""
        seen[path] = (status, text)
        if status in (301, 302, 303):
            target = headers["location"]
            assert not target.startswith("/log-ind"), (path, "signed out while crawling")
            queue.append(urlsplit(target).path)
        for link in HREF.findall(text):
            queue.append(unescape(link))
    return seen


def test_a_crawl_through_nginx_as_each_role_finds_nothing_wrong(behind_nginx) -> None:
    port, context = behind_nginx["https_port"], behind_nginx["context"]
    start = ["/", "/gennemsyn", "/bakker", *LEADER_ONLY, "/gennemsyn/1", "/brev/1", "/side/1/0",
             "/rapport?uge=2026-W47"]
    for name, role in (("mette", "projektleder"), ("ole", "postrum")):
        browser = Browser(port, context)
        status, headers, _ = browser.sign_in(name)
        assert status == 303 and headers["location"] == "/gennemsyn"
        session = next(c for c in browser.set_cookies if c.startswith("postbakke_session="))
        assert "Secure" in session and "HttpOnly" in session and "SameSite=Strict" in session
        pages = crawl(browser, start)
        assert len(pages) >= 10, (role, sorted(pages))
        for path, (status, text) in pages.items():
            assert status < 500, (role, path, status)
            assert not ENGLISH.search(text), (role, path, ENGLISH.search(text))
            assert cpr_in_clear(text) == [], (role, path)
        for path in LEADER_ONLY:
            expected = 403 if role == "postrum" else (200, 404)
            got = pages[path][0]
            assert got == expected if role == "postrum" else got in expected, (role, path, got)
        if role == "postrum":
            shown = "\n".join(text for _, text in pages.values())
            assert not any(f'href="{p}' in shown for p in LEADER_ONLY)


def test_plain_http_goes_on_to_https_and_forwarded_headers_come_from_nginx_only(
        behind_nginx) -> None:
    port, context = behind_nginx["https_port"], behind_nginx["context"]
    plain = http.client.HTTPConnection("127.0.0.1", behind_nginx["http_port"], timeout=10)
    plain.request("GET", "/bakker", headers={"Host": HOST})
    answer = plain.getresponse()
    assert answer.status == 301 and answer.getheader("Location") == f"https://{HOST}/bakker"
    browser = Browser(port, context)
    forged = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "http"}
    status, _, _ = browser.sign_in("mette", headers=forged)
    assert status == 303
    assert any("Secure" in c for c in browser.set_cookies)  # nginx set the scheme: https
    log = CliRunner().invoke(cli, ["audit"]).output
    assert "fra 127.0.0.1" in log and "203.0.113.9" not in log
    foreign = Browser(port, context)
    status, _, data = foreign.request("GET", "/bakker", headers={"Host": "evil.example"})
    assert status == 400 and "Forkert adresse" in data.decode()


# ------------------------------------------------------------------- without nginx


@pytest.fixture
def proxied(workspace: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("POSTBAKKE_OWN_CVR", OWN_CVR)
    make_workspace(workspace)
    toml = workspace / "postbakke.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + '\n[web]\nhosts = ["postbakke.local"]\n'
                    'trusted_proxies = ["127.0.0.1"]\n', encoding="utf-8")
    added = CliRunner().invoke(cli, ["web", "user", "add", "mette", "--role", "projektleder"],
                               input=f"{PASSWORD}\n{PASSWORD}\n")
    assert added.exit_code == 0
    app = create_app(load_settings())
    app.config["TESTING"] = False
    return app


@pytest.mark.parametrize(("remote", "secure", "audited"), [
    ("127.0.0.1", True, "fra 10.1.2.3"),  # the trusted proxy: its headers believed
    ("10.0.0.9", False, "fra 10.0.0.9"),  # anyone else: its headers ignored
])
def test_forwarded_headers_are_believed_from_the_trusted_proxy_only(
        proxied, remote, secure, audited) -> None:
    client = proxied.test_client()
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "10.1.2.3",
                 "Host": "postbakke.local"}
    page = client.get("/log-ind", headers=forwarded, environ_base={"REMOTE_ADDR": remote})
    answer = client.post("/log-ind", headers=forwarded, environ_base={"REMOTE_ADDR": remote},
                         data={"csrf_token": csrf_token(page.get_data(as_text=True)),
                               "name": "mette", "password": PASSWORD})
    assert answer.status_code == 303
    cookie = answer.headers["Set-Cookie"]
    assert ("Secure" in cookie) is secure
    assert audited in CliRunner().invoke(cli, ["audit"]).output


@pytest.mark.parametrize("unit", ["postbakke-web.service", "postbakke-watch.service"])
def test_the_systemd_units_run_commands_that_exist(unit, tmp_path) -> None:
    text = (DEPLOY / unit).read_text(encoding="utf-8")
    command = shlex.split(re.search(r"^ExecStart=(.+)$", text, re.M).group(1))
    assert command[0] == "/opt/postbakke/.venv/bin/postbakke"
    args = [tmp_path if a.startswith("/srv/") else a for a in command[1:]]
    result = CliRunner().invoke(cli, [*map(str, args), "--help"])
    assert result.exit_code == 0, result.output
    assert "Environment=POSTBAKKE_HOME=/var/lib/postbakke" in text
    if unit == "postbakke-web.service":
        assert "--host 127.0.0.1" in text  # only nginx is on the network
