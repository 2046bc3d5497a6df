"""Writes the navigation rail's icons as SVG files (resources/icons/nav/), from qtawesome's
Material Design Icons font (Apache 2.0), drawn as qtawesome draws them.

Why files: importing qtawesome (it star-imports QtCore, QtGui and QtWidgets through qtpy) and
loading its twelve fonts took ~0.35 s of the GUI thread's ~1.3 s CPU before the window showed;
the 工作台 needs no other icon, so with the rail drawn from files it starts without qtawesome.
Run again after changing a page's icon in ``ui.app.PAGES``::

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/nav_icons.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BOX = 24  # the SVG's view box; qtawesome draws the glyph at 0.875 of the icon's height
SVG = ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {box} {box}">'
       '<path fill="{color}" d="{d}"/></svg>\n')


def glyph_path(font_file: Path, charmap: dict[str, str], name: str) -> str:
    """SVG path data of one glyph, centred as qtawesome's ``draw="path"`` centres it."""
    from PySide6.QtCore import QRectF
    from PySide6.QtGui import QPainterPath, QRawFont

    raw = QRawFont(str(font_file), round(0.875 * BOX))
    glyph = raw.glyphIndexesForString(chr(int(charmap[name], 16)))[0]
    advance = raw.advancesForGlyphIndexes((glyph,))[0]
    width, height = abs(advance.x()), raw.ascent() + raw.descent()
    path = raw.pathForGlyph(glyph)
    centre = QRectF(0, 0, BOX, BOX).center()
    path.translate(centre.x() - width / 2, centre.y() - height / 2 + raw.ascent())
    out: list[str] = []
    i = 0
    while i < path.elementCount():
        e = path.elementAt(i)
        if e.type == QPainterPath.ElementType.MoveToElement:
            out.append(f"M{e.x:.2f} {e.y:.2f}")
            i += 1
        elif e.type == QPainterPath.ElementType.LineToElement:
            out.append(f"L{e.x:.2f} {e.y:.2f}")
            i += 1
        else:  # a cubic: this control point, then two CurveToData points
            c2, end = path.elementAt(i + 1), path.elementAt(i + 2)
            out.append(f"C{e.x:.2f} {e.y:.2f} {c2.x:.2f} {c2.y:.2f} {end.x:.2f} {end.y:.2f}")
            i += 3
    return "".join(out) + "Z"


def main() -> int:
    import qtawesome
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])  # noqa: F841 (QRawFont needs it)
    from ui.app import PAGES
    from ui.mainwindow import NAV_ICON, NAV_ICON_ON, nav_icon_files

    fonts = Path(qtawesome.__file__).parent / "fonts"
    font_file = next(fonts.glob("materialdesignicons6-webfont-*.ttf"))
    charmap = json.loads(next(fonts.glob("materialdesignicons6-webfont-charmap-*.json"))
                         .read_text(encoding="utf-8"))
    for spec in PAGES:
        prefix, _, name = spec.icon.partition(".")
        assert prefix == "mdi6", f"{spec.key}: only Material Design Icons are drawn to files"
        d = glyph_path(font_file, charmap, name)
        off, on = nav_icon_files(spec.icon)
        off.parent.mkdir(parents=True, exist_ok=True)
        off.write_text(SVG.format(box=BOX, color=NAV_ICON, d=d), encoding="utf-8")
        on.write_text(SVG.format(box=BOX, color=NAV_ICON_ON, d=d), encoding="utf-8")
        print(off.relative_to(ROOT), on.name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
