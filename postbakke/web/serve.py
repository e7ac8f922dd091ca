"""Serving the work station with waitress (a production WSGI server, no debug mode)."""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Callable

from postbakke.config import Settings
from postbakke.errors import ExitCode, PostbakkeError
from postbakke.store import Store


class WebError(PostbakkeError):
    exit_code = ExitCode.BAD_ARGS


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_can_serve(settings: Settings, host: str) -> None:
    """A host other than loopback serves the LAN: only with users who must log in."""
    if is_loopback(host):
        return
    store = Store(settings.db_path)
    try:
        has_users = bool(store.users.all())
    finally:
        store.close()
    if not has_users:
        raise WebError(
            f"arbejdsstationen kan kun vises på {host} (netværket), når der er brugere med "
            "login; opret dem med 'postbakke web user add NAVN --role postrum|projektleder', "
            "eller brug --host 127.0.0.1"
        )


def serve(settings: Settings, host: str, port: int, announce: Callable[[str], None],
          threads: int = 4) -> None:
    """Serve until stopped (Ctrl-C). Waitress writes no access log."""
    from waitress import create_server

    from postbakke.web.app import create_app

    check_can_serve(settings, host)
    app = create_app(settings, host, port)
    logging.getLogger("waitress").setLevel(logging.WARNING)
    server = create_server(app, host=host, port=port, threads=threads, ident="postbakke")
    shown = f"[{host}]" if ":" in host else host
    announce(f"Arbejdsstationen kører: åbn http://{shown}:{server.effective_port}/ i browseren "
             "(stop med Ctrl-C).")
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
