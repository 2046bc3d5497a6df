"""This computer's side: where the data lives, its settings file, the chosen database URL and
personal preferences (a dashboard period), none of which other users see.

Kept apart from crm.db (engine, sessions, migrations): nothing here touches a database.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from pathlib import Path
from typing import Any

import platformdirs

from crm import files, secrets
from crm.db import normalize_url

APP_NAME = "zhaoshang-crm"
ENV_URL = "CRM_DATABASE_URL"
PREFERENCES = "preferences"


def data_dir() -> Path:
    return Path(os.environ.get("CRM_DATA_DIR") or platformdirs.user_data_dir(APP_NAME, False))


def config_dir() -> Path:
    return Path(os.environ.get("CRM_CONFIG_DIR") or platformdirs.user_config_dir(APP_NAME, False))


def settings_file() -> Path:
    return config_dir() / "settings.json"


def default_url() -> str:
    return f"sqlite:///{data_dir() / 'crm.db'}"


def demo_url() -> str:
    return f"sqlite:///{data_dir() / 'demo.db'}"


def read_local_settings() -> dict[str, Any]:
    try:
        loaded = json.loads(settings_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(loaded, dict):
        return {}
    url = loaded.get("database_url")
    if isinstance(url, str) and secrets.split(url)[1] is not None:
        # an older version wrote the password here: move it out (to the keyring where one
        # exists, else it is asked at start) and never read it from this file again
        loaded["database_url"], kept = secrets.strip_for_settings(url)
        with contextlib.suppress(OSError):
            files.write_text(settings_file(), json.dumps(loaded, ensure_ascii=False, indent=2))
        # a user may read this on the terminal: Chinese, like every message they meet
        logging.getLogger("crm.local").warning(
            "已把数据库密码移出 settings.json（%s）",
            "存入系统钥匙串" if kept else "本机没有系统钥匙串：不再保存，启动时询问")
    return loaded


def write_local_settings(values: dict[str, Any]) -> None:
    """Merge ``values`` into this computer's settings file (not the database). A database
    password never goes there: see :mod:`crm.secrets`."""
    current = read_local_settings()
    current.update(values)
    if current.get("database_url"):
        current["database_url"], _kept = secrets.strip_for_settings(str(current["database_url"]))
    files.write_text(settings_file(), json.dumps(current, ensure_ascii=False, indent=2))


def resolve_url(option: str | None = None) -> str:
    """The database URL: ``--db`` option, then $CRM_DATABASE_URL, then settings file, then default."""
    for candidate in (option, os.environ.get(ENV_URL), read_local_settings().get("database_url")):
        if candidate:
            url = normalize_url(str(candidate))
            return secrets.with_password(url, secrets.lookup(url))
    return default_url()


def preference(scope: str, key: str) -> Any:
    """A personal preference of ``scope`` (a database and a user) on this computer."""
    prefs = read_local_settings().get(PREFERENCES)
    if not isinstance(prefs, dict):
        return None
    mine = prefs.get(scope)
    return mine.get(key) if isinstance(mine, dict) else None


def set_preference(scope: str, key: str, value: Any) -> None:
    """Remember a personal preference on this computer (the settings file, never a database)."""
    prefs = read_local_settings().get(PREFERENCES)
    prefs = dict(prefs) if isinstance(prefs, dict) else {}
    mine = dict(prefs.get(scope) or {})
    mine[key] = value
    prefs[scope] = mine
    write_local_settings({PREFERENCES: prefs})
