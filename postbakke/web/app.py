"""The Flask app: security on every response, who is signed in, Danish error pages.

Safety, as Datasette does it for a local app over SQLite: bound to loopback by
default; CSRF tokens on every POST (Flask-WTF); the Host header checked against
the names the station is served under (DNS rebinding; a foreign one gets the Danish
400 page); no caching, no referrer, a Content-Security-Policy of 'self'; page images
by letter id and page number, never by path. Values that can hold a CPR number are
masked where they are rendered; a last guard refuses (never rewrites) a page that
still holds one. Behind a reverse proxy (docs/deploy.md) X-Forwarded-For/-Proto are
believed from the configured proxy's address only, and the session cookie is
`Secure` when the browser's request came over HTTPS.
"""

from __future__ import annotations

import getpass
import time
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response, g, has_request_context, redirect, request, session, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_login import LoginManager, current_user, logout_user
from flask_wtf.csrf import CSRFError, CSRFProtect
from jinja2 import StrictUndefined
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from postbakke.config import Settings
from postbakke.models import UNKNOWN_DEPARTMENT
from postbakke.outputs.figures import GOAL_DIGITAL_SHARE
from postbakke.outputs.wording import OUTCOME_DA, REASON_DA, VERDICT_DA, percent_da
from postbakke.people.followup import catch_up
from postbakke.privacy import (
    Pseudonymiser,
    clear_cpr_count,
    derived_key,
    install_log_masking,
    load_or_create_secret,
    mask_cpr_in_text,
    mask_rendered,
    restrict_new_files,
)
from postbakke.store import Store
from postbakke.web import login, overview, station
from postbakke.web.context import (
    LOCAL_SUFFIX,
    Visitor,
    WebContext,
    context,
    error_page,
    is_loopback,
    store,
)
from postbakke.web.users import Role, User

IDLE_TIMEOUT = timedelta(minutes=30)
MAX_REQUEST_BYTES = 64 * 1024  # a decision form is a few hundred bytes
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self'; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
# Addresses that mean "every interface": not a name a browser sends as Host.
ANY_ADDRESS = ("0.0.0.0", "::")
# Proxies in front of the station that each add their X-Forwarded-* values: one nginx.
PROXY_HOPS = 1
# What the guard reads for a CPR in clear: every text answer (pages, documents, JSON).
GUARDED_MIMETYPES = ("text/html", "application/json", "text/plain", "text/csv")


def served_hosts(settings: Settings, host: str) -> frozenset[str]:
    """The names a browser may send as Host: loopback, the address served on, [web] hosts."""
    names = {*LOOPBACK_HOSTS, *settings.web.hosts}
    if host not in ANY_ADDRESS:
        names.add(host.strip("[]").lower())
    return frozenset(names)


class FromTrustedProxy:
    """ProxyFix (PROXY_HOPS) for requests from the configured proxy's address only: from
    anywhere else X-Forwarded-* are headers like any other, and ignored."""

    def __init__(self, app: Callable[..., Iterable[bytes]], proxies: Iterable[str]) -> None:
        self.app = app
        self.proxies = frozenset(proxies)
        self.fixed = ProxyFix(app, x_for=PROXY_HOPS, x_proto=PROXY_HOPS)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if environ.get("REMOTE_ADDR") in self.proxies:
            return self.fixed(environ, start_response)
        return self.app(environ, start_response)


class SessionOverHttps(SecureCookieSessionInterface):
    """The session cookie is `Secure` when the browser's request came over HTTPS (directly
    or, per X-Forwarded-Proto, through the trusted proxy)."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(has_request_context() and request.is_secure) or super().get_cookie_secure(app)


def create_app(settings: Settings, host: str = "127.0.0.1", port: int = 8000) -> Flask:
    restrict_new_files()
    install_log_masking()
    app = Flask("postbakke", template_folder="templates", static_folder="static")
    secret = load_or_create_secret(settings.home, settings.secret)
    # creates or checks the schema once, at start (and a workspace from before
    # follow-ups gets them)
    catch_up(Store(settings.db_path)).close()
    app.config.update(
        SECRET_KEY=derived_key(secret, "web-session"),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_NAME="postbakke_session",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=12),
        MAX_CONTENT_LENGTH=MAX_REQUEST_BYTES,
        MAX_FORM_MEMORY_SIZE=MAX_REQUEST_BYTES,
        WTF_CSRF_TIME_LIMIT=12 * 3600,
        WTF_CSRF_SSL_STRICT=False,  # SameSite=Strict and the Host check do this job
        TEMPLATES_AUTO_RELOAD=False,
    )
    app.session_interface = SessionOverHttps()
    app.wsgi_app = FromTrustedProxy(app.wsgi_app, settings.web.trusted_proxies)  # type: ignore[method-assign]
    app.jinja_env.autoescape = True
    app.jinja_env.undefined = StrictUndefined  # a misspelt name fails a test, not a page
    # every text value masked where it is rendered (privacy.mask_rendered); `masked` stays
    # for the templates that name it
    app.jinja_env.finalize = mask_rendered
    app.jinja_env.filters["masked"] = lambda text: mask_cpr_in_text(text) if text else text
    # the Danish words and the goal from their one home, for every template and macro
    app.jinja_env.globals.update(
        verdict_da=VERDICT_DA, reason_da=REASON_DA, outcome_da=OUTCOME_DA,
        percent_da=percent_da, GOAL=GOAL_DIGITAL_SHARE,
        unknown_department=UNKNOWN_DEPARTMENT,
    )
    app.extensions["postbakke"] = WebContext(settings, Pseudonymiser(secret))
    _install_host_check(app, served_hosts(settings, host))  # first: before the CSRF check
    CSRFProtect(app)
    app.register_blueprint(login.blueprint)
    app.register_blueprint(station.blueprint)
    app.register_blueprint(overview.blueprint)
    _install_security(app)
    _install_sign_in(app)
    _install_error_pages(app)
    return app


def _host_name(header: str) -> str | None:
    try:
        return urlsplit("//" + header).hostname
    except ValueError:
        return None


def _install_host_check(app: Flask, hosts: frozenset[str]) -> None:
    @app.before_request
    def known_host() -> Any:
        if _host_name(request.host) in hosts:
            return None
        app.logger.warning("forespørgsel til en ukendt adresse (Host) afvist")
        return error_page("Forkert adresse", "Arbejdsstationen svarer ikke på denne adresse. "
                          "Brug den adresse, projektlederen har givet dig.", 400)


def _install_security(app: Flask) -> None:
    @app.after_request
    def headers(response: Response) -> Response:
        response.headers["Cache-Control"] = "no-store"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "SAMEORIGIN"
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        if response.mimetype in GUARDED_MIMETYPES and not response.direct_passthrough:
            # the last guard: a value a template forgot to mask stops the page; the page
            # is never rewritten (that broke charts and forms)
            found = clear_cpr_count(response.get_data(as_text=True))
            if found:
                app.logger.error("siden %s blev ikke vist: %d CPR-nummer i klar tekst",
                                 request.endpoint, found)
                page, status = error_page(*_ERRORS[500], 500)
                return _with_headers(app.make_response((page, status)))
        return response

    def _with_headers(response: Response) -> Response:
        response.headers["Cache-Control"] = "no-store"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "SAMEORIGIN"
        response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        return response


def _install_sign_in(app: Flask) -> None:
    open_endpoints = {"login.login", "static"}
    manager = LoginManager(app)
    manager.session_protection = "basic"

    @manager.user_loader
    def load_user(session_id: str) -> User | None:
        return User.load(store(), session_id)

    @app.before_request
    def who() -> Any:
        if not store().users.exist():
            # no users: the single person at this machine. A browser elsewhere (through
            # the proxy, or after the last user was removed from a station on the
            # network) is refused: the station is never open without a login.
            if not is_loopback(request.remote_addr or ""):
                g.visitor = None
                return error_page("Ingen brugere", "Arbejdsstationen har ingen brugere endnu. "
                                  "Bed projektlederen oprette dig ('postbakke web user add').",
                                  403)
            g.visitor = Visitor(getpass.getuser() + LOCAL_SUFFIX, Role.PROJECT_LEADER)
            return None
        seen = float(session.get("seen", 0) or 0)
        if current_user.is_authenticated and time.time() - seen < IDLE_TIMEOUT.total_seconds():
            session["seen"] = time.time()
            g.visitor = Visitor(current_user.name, current_user.role, signed_in=True)
            return None
        if current_user.is_authenticated:
            logout_user()
        g.visitor = None
        if request.endpoint in open_endpoints:
            return None
        if request.method == "POST":
            return error_page("Log ind igen", "Du er ikke logget ind (eller har været væk for "
                              "længe). Log ind og prøv igen.", 401)
        return redirect(url_for("login.login", next=request.full_path.rstrip("?")))

    @app.context_processor
    def template_globals() -> dict[str, Any]:
        return {"visitor": g.get("visitor"), "municipality": context().settings.municipality_name}


_ERRORS = {
    400: ("Forkert forespørgsel", "Formularen kunne ikke læses. Gå tilbage og prøv igen."),
    401: ("Log ind", "Du skal logge ind."),
    403: ("Ikke tilladt", "Du har ikke adgang til dette."),
    404: ("Findes ikke", "Siden eller brevet findes ikke (længere)."),
    405: ("Ikke tilladt", "Den handling kan ikke bruges her."),
    409: ("Ændret imens", "En anden har ændret det samme imens. Genindlæs siden og prøv igen."),
    413: ("For stor", "Formularen er for stor."),
    422: ("Kunne ikke gemmes", "Det indtastede kunne ikke bruges. Gå tilbage og ret det."),
    429: ("For mange forsøg", "Vent lidt, og prøv igen."),
    500: ("Der skete en fejl", "Der skete en fejl i postbakke. Prøv igen; ellers kontakt "
                               "den, der driver postbakke."),
}


def _install_error_pages(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_failed(error: CSRFError) -> Any:
        return error_page("Siden er for gammel", "Sikkerhedsnøglen i formularen mangler eller "
                          "er udløbet. Genindlæs siden og prøv igen.", 400)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Any:
        code = error.code or 500
        title, message = _ERRORS.get(code, ("Fejl", "Der skete en fejl."))
        return error_page(title, message, code)

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> Any:
        app.logger.error("uventet fejl i %s: %s", request.endpoint,
                         mask_cpr_in_text(type(error).__name__ + ": " + str(error)))
        return error_page(*_ERRORS[500], 500)
