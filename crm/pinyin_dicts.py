"""pypinyin's dictionaries read a block at a time, so that loading them never holds up the window.

pypinyin reads its two dictionaries (pinyin_dict.json 0.8 MB, phrases_dict.json 2.5 MB) with one
``json.loads`` each: one C call that keeps the interpreter lock throughout. The window loads
pypinyin on a worker thread once it shows, and those calls stopped the window's own thread for
up to 0.34–0.40 s (a 1 ms heartbeat on the GUI thread, this 2-core machine at load 6): a window
that shows and then freezes. :func:`install` parses the same files a few thousand lines at a
time, letting other threads run between blocks, and puts the dictionaries where pypinyin
imports them from (its modules ``pypinyin.pinyin_dict`` and ``pypinyin.phrases_dict``); the
dictionaries are equal to pypinyin's own. A pypinyin whose files are laid out otherwise simply
loads itself as before.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import sys
import time
import types
from pathlib import Path
from typing import Any

log = logging.getLogger("crm.pinyin")
BLOCK_LINES = 3000  # one json.loads of this many lines takes 1–3 ms here


def install() -> None:
    """Read pypinyin's dictionaries gently and install them (once; before pypinyin's import)."""
    if "pypinyin.pinyin_dict" in sys.modules or "pypinyin.phrases_dict" in sys.modules:
        return
    try:
        spec = importlib.util.find_spec("pypinyin")
    except (ImportError, ValueError):
        return
    if spec is None or spec.origin is None:
        return
    folder = Path(spec.origin).parent
    singles = read_blocks(folder / "pinyin_dict.json")
    phrases = read_blocks(folder / "phrases_dict.json")
    if singles is None or phrases is None:
        return
    pinyin_dict: dict[int, str] = {}
    for key, value in singles.items():  # pypinyin's keys are code points
        pinyin_dict[int(key)] = value
    # pypinyin copies both dictionaries unless told not to (in case its users change them;
    # nothing here does): 0.4 million entries copied in one call, another stop of the window.
    os.environ.setdefault("PYPINYIN_NO_DICT_COPY", "1")
    for name, value in (("pinyin_dict", pinyin_dict), ("phrases_dict", phrases)):
        module = types.ModuleType(f"pypinyin.{name}")
        setattr(module, name, value)
        sys.modules[module.__name__] = module


def read_blocks(path: Path) -> dict[str, Any] | None:
    """A JSON object written one member per line group, as pypinyin's files are (each member
    starts on a line ``"key": …`` and nothing else starts so); None if the file is not so."""
    found: dict[str, Any] = {}
    block: list[str] = []

    def flush() -> bool:
        text = "".join(block).rstrip().removesuffix(",")
        block.clear()
        try:
            found.update(json.loads("{" + text + "}"))
        except ValueError as exc:
            log.warning("pypinyin's %s is not laid out as expected: %s", path.name, exc)
            return False
        time.sleep(0)  # let the window's thread run
        return True

    try:
        with open(path, encoding="utf-8") as file:
            if file.readline().rstrip("\n") != "{":
                return None
            # a few thousand lines per read: reading and splitting the whole file at once
            # was itself a 20–40 ms stop
            for lines in iter(lambda: file.readlines(1 << 16), []):
                for line in lines:
                    if (len(block) >= BLOCK_LINES and line.startswith('"') and '": ' in line
                            and not flush()):
                        return None
                    block.append(line)
    except OSError:
        return None
    while block and not block[-1].strip():
        block.pop()
    if not block or block[-1].strip() != "}":
        return None
    block.pop()
    if block and not flush():
        return None
    return found
