"""Database passwords kept out of settings.json: in the system keyring, or asked at start.

The settings file holds a PostgreSQL URL *without* its password. The password goes to the
system keyring (Windows Credential Manager, macOS Keychain, the Secret Service on Linux) under
the URL it belongs to; where no keyring exists (a bare Linux desktop, a server), it is not kept
at all and the window asks for it when it opens the database. A password found in an older
settings file is moved out the first time the settings are read.

``keyring`` is imported only when a URL carries or needs a password: SQLite users never pay
for it at start.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

log = logging.getLogger("crm.secrets")
SERVICE = "zhaoshang-crm"


def _parse(url: str) -> URL | None:
    try:
        return make_url(url)
    except ArgumentError:
        return None


def account(url: str | URL) -> str:
    """The keyring's name for a server URL: the URL without its password."""
    parsed = make_url(url) if isinstance(url, str) else url
    # URL.set() leaves a field it is given None for unchanged; the tuple's own _replace clears it
    return parsed._replace(password=None).render_as_string(hide_password=False)


def split(url: str) -> tuple[str, str | None]:
    """(the URL without a password, the password or None). libpq also takes the password as
    a query parameter (``?password=…``): that one is taken out too."""
    parsed = _parse(url)
    if parsed is None:
        return url, None
    password = parsed.password
    in_query = parsed.query.get("password")
    if in_query is not None:
        parsed = parsed.difference_update_query(["password"])
        if password is None:
            password = in_query if isinstance(in_query, str) else in_query[0]
    if password is None:
        return url, None
    return account(parsed), str(password)


def with_password(url: str, password: str | None) -> str:
    parsed = _parse(url)
    if parsed is None or not password:
        return url
    return parsed.set(password=password).render_as_string(hide_password=False)


def _keyring() -> Any | None:
    """The keyring module when a real backend exists here, else None."""
    try:
        import keyring
        from keyring.backends import fail
    except ImportError:  # pragma: no cover - a dependency; guarded for a broken install
        return None
    try:
        backend = keyring.get_keyring()
    except Exception:  # a misconfigured backend must not stop the app
        log.warning("no usable keyring", exc_info=True)
        return None
    if isinstance(backend, fail.Keyring):
        return None
    return keyring


def keyring_available() -> bool:
    return _keyring() is not None


def store(url: str, password: str) -> bool:
    """Keep ``password`` for ``url``; False when no keyring exists here (nothing is kept)."""
    ring = _keyring()
    if ring is None:
        return False
    try:
        ring.set_password(SERVICE, account(url), password)
    except Exception:
        log.warning("keyring refused the password", exc_info=True)
        return False
    return True


def lookup(url: str) -> str | None:
    """The kept password for ``url`` (a URL without password), or None."""
    parsed = _parse(url)
    if parsed is None or parsed.get_backend_name() == "sqlite" or parsed.password is not None:
        return None
    ring = _keyring()
    if ring is None:
        return None
    try:
        found = ring.get_password(SERVICE, account(parsed))
    except Exception:
        log.warning("keyring lookup failed", exc_info=True)
        return None
    return str(found) if found else None




def strip_for_settings(url: str | None) -> tuple[str | None, bool]:
    """What settings.json may hold for ``url``: it without a password (kept in the keyring
    when one exists). Returns (url to write, whether the password was kept)."""
    if not url:
        return url, False
    bare, password = split(url)
    if password is None:
        return url, False
    return bare, store(bare, password)
