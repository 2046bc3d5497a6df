"""pypinyin's dictionaries read a block at a time are pypinyin's dictionaries."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pypinyin

from crm import pinyin_dicts

FOLDER = Path(pypinyin.__file__).parent


def test_each_dictionary_read_in_blocks_equals_the_whole_file_read_at_once() -> None:
    for name in ("pinyin_dict.json", "phrases_dict.json"):
        whole = json.loads((FOLDER / name).read_text(encoding="utf-8"))
        assert pinyin_dicts.read_blocks(FOLDER / name) == whole, name


def test_a_file_laid_out_otherwise_is_left_to_pypinyin(tmp_path: Path) -> None:
    one_line = tmp_path / "one_line.json"
    one_line.write_text('{"一丁不识": [["yī"], ["dīng"]], "一": [["yī"]]}', encoding="utf-8")
    assert pinyin_dicts.read_blocks(one_line) is None
    assert pinyin_dicts.read_blocks(tmp_path / "missing.json") is None


def test_pypinyin_converts_with_the_dictionaries_installed() -> None:
    """In a fresh interpreter: the installed modules are the ones pypinyin uses, and words
    come out as pypinyin's own phrase dictionary has them (重庆 chóng, 银行 háng)."""
    code = (
        "import sys\n"
        "from crm import text\n"
        "text.load()\n"
        "import types, pypinyin.constants as c\n"
        "assert type(sys.modules['pypinyin.phrases_dict']) is types.ModuleType\n"
        "assert c.PHRASES_DICT is sys.modules['pypinyin.phrases_dict'].phrases_dict\n"
        "assert c.PINYIN_DICT[ord('行')].startswith('xíng')\n"
        "from pypinyin import lazy_pinyin\n"
        "print(' '.join(lazy_pinyin('重庆银行长沙分行')))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=Path(__file__).resolve().parents[2])
    assert out.stdout.split() == ["chong", "qing", "yin", "hang", "chang", "sha", "fen", "hang"]
