"""``crm.log``: the log of warnings and unexpected errors, in the user data folder.

It holds what someone looking into a problem needs, not a diary: the file takes WARNING and
above, and the libraries' own loggers (Alembic announces every migration step at INFO) are held
at WARNING too, so a new database writes nothing there.
"""

from __future__ import annotations

import logging
from logging.handlers import RotatingFileHandler
from pathlib import Path

from crm.local import data_dir

LIBRARIES = ("alembic", "sqlalchemy", "urllib3", "keyring", "PIL", "matplotlib")
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def log_path() -> Path:
    return data_dir() / "crm.log"


def setup(level: int = logging.WARNING) -> Path:
    """Send warnings and errors to ``crm.log`` (rotated at 1 MB, three kept); once per process."""
    path = log_path()
    root = logging.getLogger()
    for name in LIBRARIES:
        logging.getLogger(name).setLevel(logging.WARNING)
    if not any(getattr(h, "_crm_file", False) for h in root.handlers):
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handler = RotatingFileHandler(path, maxBytes=1_000_000, backupCount=3, encoding="utf-8",
                                          delay=True)
        except OSError as exc:  # a read-only profile must not stop the app
            logging.getLogger("crm.logs").warning("cannot write the log file %s: %s", path, exc)
            return path
        handler._crm_file = True  # type: ignore[attr-defined]
        handler.setLevel(level)
        handler.setFormatter(logging.Formatter(FORMAT))
        root.addHandler(handler)
    if root.level == logging.NOTSET or root.level > level:
        root.setLevel(level)
    return path


def log_unexpected(logger: logging.Logger, message: str) -> Path:
    """Write the exception being handled, with its traceback, to ``crm.log``; returns the path."""
    path = setup()
    logger.error(message, exc_info=True)
    return path
