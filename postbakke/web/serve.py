"""Serving the work station with waitress (a production WSGI server, no debug mode)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from postbakke.config import Settings
from postbakke.errors import ExitCode, PostbakkeError
from postbakke.store import Store
from postbakke.web.context import is_loopback


class WebError(PostbakkeError):
    exit_code = ExitCode.BAD_ARGS


def check_can_serve(settings: Settings, host: str) -> None:
    """A host other than loopback serves the LAN: only with users who must log in, and the
    names colleagues type in [web] hosts (every other Host is refused)."""
    if is_loopback(host):
        return
    store = Store(settings.db_path)
    try:
        has_users = store.users.exist()
    finally:
        store.close()
    if not has_users:
        raise WebError(
            f"arbejdsstationen kan kun vises på {host} (netværket), når der er brugere med "
            "login; opret dem med 'postbakke web user add NAVN --role postrum|projektleder', "
            "eller brug --host 127.0.0.1"
        )
    if not settings.web.hosts:
        raise WebError(
            f"arbejdsstationen kan kun vises på {host} (netværket), når [web] hosts i "
            f"{settings.settings_path} nævner de navne, kollegerne skriver, fx "
            'hosts = ["postbakke.kommune.local"]; eller brug --host 127.0.0.1'
        )


def plain_http_warning(host: str) -> str | None:
    """The warning at start when the station is served to the network without TLS."""
    if is_loopback(host):
        return None
    return ("Advarsel: arbejdsstationen vises på netværket med almindelig HTTP: adgangskoder "
            "og indtastede CPR-numre sendes ukrypteret. Sæt en reverse proxy med TLS foran "
            "(se docs/deploy.md), og lyt kun på 127.0.0.1.")


def serve(settings: Settings, host: str, port: int, announce: Callable[[str], None],
          threads: int = 4) -> None:
    """Serve until stopped (Ctrl-C). Waitress writes no access log."""
    from waitress import create_server

    from postbakke.web.app import create_app

    check_can_serve(settings, host)
    app = create_app(settings, host, port)
    warning = plain_http_warning(host)
    if warning:
        announce(warning)
    logging.getLogger("waitress").setLevel(logging.WARNING)
    # X-Forwarded-* reach the app, which believes them from [web] trusted_proxies only
    # (web/app.py FromTrustedProxy, werkzeug's ProxyFix); waitress 3 would drop them
    server = create_server(app, host=host, port=port, threads=threads, ident="postbakke",
                           clear_untrusted_proxy_headers=False)
    shown = f"[{host}]" if ":" in host else host
    announce(f"Arbejdsstationen kører: åbn http://{shown}:{server.effective_port}/ i browseren "
             "(stop med Ctrl-C).")
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
