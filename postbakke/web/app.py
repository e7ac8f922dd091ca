"""The Flask app: security on every response, who is signed in, Danish error pages.

Safety, as Datasette does it for a local app over SQLite: bound to loopback by
default; CSRF tokens on every POST (Flask-WTF); the Host header checked against
the served host (DNS rebinding); no caching, no referrer, a Content-Security-Policy
of 'self'; page images by letter id and page number, never by path; a last guard
masks anything CPR-shaped in the HTML sent back.
"""

from __future__ import annotations

import getpass
import time
from datetime import timedelta
from typing import Any

from flask import Flask, Response, g, redirect, request, session, url_for
from flask_wtf.csrf import CSRFError, CSRFProtect
from jinja2 import StrictUndefined
from werkzeug.exceptions import HTTPException, SecurityError

from postbakke.config import Settings
from postbakke.models import UNKNOWN_DEPARTMENT
from postbakke.outputs.figures import GOAL_DIGITAL_SHARE
from postbakke.outputs.wording import OUTCOME_DA, REASON_DA, VERDICT_DA, percent_da
from postbakke.people.followup import catch_up
from postbakke.privacy import (
    Pseudonymiser,
    derived_key,
    install_log_masking,
    load_or_create_secret,
    mask_cpr_in_text,
    restrict_new_files,
)
from postbakke.store import Store
from postbakke.web import overview, station
from postbakke.web.context import Visitor, WebContext, context, error_page, store
from postbakke.web.users import Role

IDLE_TIMEOUT = timedelta(minutes=30)
MAX_REQUEST_BYTES = 64 * 1024  # a decision form is a few hundred bytes
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self'; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


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
        TRUSTED_HOSTS=sorted({host, *LOOPBACK_HOSTS}),
        TEMPLATES_AUTO_RELOAD=False,
    )
    app.jinja_env.autoescape = True
    app.jinja_env.undefined = StrictUndefined  # a misspelt name fails a test, not a page
    app.jinja_env.filters["masked"] = lambda text: mask_cpr_in_text(text) if text else text
    # the Danish words and the goal from their one home, for every template and macro
    app.jinja_env.globals.update(
        verdict_da=VERDICT_DA, reason_da=REASON_DA, outcome_da=OUTCOME_DA,
        percent_da=percent_da, GOAL=GOAL_DIGITAL_SHARE,
        unknown_department=UNKNOWN_DEPARTMENT,
    )
    app.extensions["postbakke"] = WebContext(settings, Pseudonymiser(secret))
    CSRFProtect(app)
    app.register_blueprint(station.blueprint)
    app.register_blueprint(overview.blueprint)
    _install_security(app)
    _install_sign_in(app)
    _install_error_pages(app)
    return app


def _install_security(app: Flask) -> None:
    @app.after_request
    def headers(response: Response) -> Response:
        response.headers["Cache-Control"] = "no-store"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "SAMEORIGIN"
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        if response.mimetype == "text/html" and not response.direct_passthrough:
            # the last guard: whatever a template forgot, nothing CPR-shaped leaves in clear
            body = response.get_data(as_text=True)
            masked = mask_cpr_in_text(body)
            if masked != body:
                response.set_data(masked)
        return response


def _install_sign_in(app: Flask) -> None:
    open_endpoints = {"overview.login", "static"}

    @app.before_request
    def who() -> Any:
        users_exist = bool(store().users.all())
        if not users_exist:
            # no users: a single person at this machine (the server only listens on loopback)
            g.visitor = Visitor(f"{getpass.getuser()} (lokal)", Role.PROJECT_LEADER)
            return None
        name, role, seen = session.get("user"), session.get("role"), session.get("seen", 0)
        if name and role and time.time() - float(seen) < IDLE_TIMEOUT.total_seconds():
            session["seen"] = time.time()
            g.visitor = Visitor(name, Role(role))
            return None
        session.pop("user", None)
        g.visitor = None
        if request.endpoint in open_endpoints:
            return None
        if request.method == "POST" and request.endpoint != "overview.login":
            return error_page("Log ind igen", "Du er ikke logget ind (eller har været væk for "
                              "længe). Log ind og prøv igen.", 401)
        return redirect(url_for("overview.login", next=request.path))

    @app.context_processor
    def template_globals() -> dict[str, Any]:
        return {"visitor": g.get("visitor"), "municipality": context().settings.municipality_name}


_ERRORS = {
    400: ("Forkert forespørgsel", "Formularen kunne ikke læses. Gå tilbage og prøv igen."),
    401: ("Log ind", "Du skal logge ind."),
    403: ("Ikke tilladt", "Du har ikke adgang til dette."),
    404: ("Findes ikke", "Siden eller brevet findes ikke (længere)."),
    405: ("Ikke tilladt", "Den handling kan ikke bruges her."),
    413: ("For stor", "Formularen er for stor."),
    500: ("Der skete en fejl", "Der skete en fejl i postbakke. Prøv igen; ellers kontakt "
                               "den, der driver postbakke."),
}


def _install_error_pages(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_failed(error: CSRFError) -> Any:
        return error_page("Siden er for gammel", "Sikkerhedsnøglen i formularen mangler eller "
                          "er udløbet. Genindlæs siden og prøv igen.", 400)

    @app.errorhandler(SecurityError)
    def foreign_host(error: SecurityError) -> Any:
        # no template: a page with links cannot be built for a host we do not serve
        return Response("<!doctype html><html lang=da><title>Forkert adresse</title>"
                        "<p>Arbejdsstationen svarer ikke på denne adresse (Host).</p></html>",
                        status=400, mimetype="text/html")

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
