"""PyInstaller's own hook for PySide6.QtGui, minus the plugins packaging/bundle_excludes.py
leaves out: dropped here, before PyInstaller follows their libraries (the GTK3 theme's GTK,
cairo and pango; the EGL full-screen platform's libraries)."""

import os
import sys

from PyInstaller.utils.hooks.qt import add_qt6_dependencies

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from bundle_excludes import keep

# the file name tells PyInstaller's helper which Qt module this is, as for its own hook
hiddenimports, binaries, datas = add_qt6_dependencies(__file__)
binaries = [b for b in binaries if keep(b)]
datas = [d for d in datas if keep(d)]
