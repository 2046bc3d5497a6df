"""A PostgreSQL password never lands in settings.json: keyring where one exists, else asked."""

from __future__ import annotations

import json
from collections.abc import Iterator

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail

from crm import secrets
from crm.local import read_local_settings, resolve_url, settings_file, write_local_settings

URL = "postgresql+psycopg://crm:S3cret-pw@server:5432/crm"
BARE = "postgresql+psycopg://crm@server:5432/crm"


class MemoryKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.kept: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.kept.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.kept[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.kept.pop((service, username), None)


@pytest.fixture
def ring() -> Iterator[MemoryKeyring]:
    kept = keyring.get_keyring()
    memory = MemoryKeyring()
    keyring.set_keyring(memory)
    yield memory
    keyring.set_keyring(kept)


@pytest.fixture
def no_ring() -> Iterator[None]:
    kept = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(kept)


def _file_text() -> str:
    return settings_file().read_text(encoding="utf-8")


def test_the_password_goes_to_the_keyring_not_the_file(ring: MemoryKeyring) -> None:
    write_local_settings({"database_url": URL})
    assert "S3cret-pw" not in _file_text()
    assert json.loads(_file_text())["database_url"] == BARE
    assert ring.kept == {("zhaoshang-crm", BARE): "S3cret-pw"}
    assert resolve_url() == URL  # the app connects with it


def test_without_a_keyring_the_password_is_not_kept_anywhere(no_ring: None) -> None:
    assert not secrets.keyring_available()
    write_local_settings({"database_url": URL})
    assert "S3cret-pw" not in _file_text()
    assert resolve_url() == BARE  # no password: the window asks for it at start


def test_a_password_in_an_older_settings_file_is_moved_out(ring: MemoryKeyring) -> None:
    path = settings_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"database_url": URL, "window": {"page": "projects"}}),
                    encoding="utf-8")
    assert read_local_settings()["database_url"] == BARE
    assert "S3cret-pw" not in _file_text() and "projects" in _file_text()
    assert ring.kept[("zhaoshang-crm", BARE)] == "S3cret-pw"
    assert resolve_url() == URL


def test_an_older_file_without_a_keyring_loses_the_password_from_disk(no_ring: None) -> None:
    path = settings_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"database_url": URL}), encoding="utf-8")
    assert resolve_url() == BARE
    assert "S3cret-pw" not in _file_text()


def test_sqlite_and_passwordless_urls_are_kept_as_they_are(ring: MemoryKeyring) -> None:
    write_local_settings({"database_url": "sqlite:////tmp/x.db"})
    assert json.loads(_file_text())["database_url"] == "sqlite:////tmp/x.db"
    assert ring.kept == {}


def test_a_password_given_as_a_query_parameter_is_taken_out_too(ring: MemoryKeyring) -> None:
    """libpq and psycopg take ``?password=…`` as well as ``user:password@``."""
    write_local_settings({"database_url": BARE + "?password=Q-pw&sslmode=require"})
    assert "Q-pw" not in _file_text()
    assert json.loads(_file_text())["database_url"] == BARE + "?sslmode=require"
    assert ring.kept == {("zhaoshang-crm", BARE + "?sslmode=require"): "Q-pw"}
    path = settings_file()
    path.write_text(json.dumps({"database_url": BARE + "?password=Old-pw"}), encoding="utf-8")
    assert read_local_settings()["database_url"] == BARE
    assert "Old-pw" not in _file_text()
