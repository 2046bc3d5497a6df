"""What the bundle leaves out of PySide6's Qt: shared by the spec and the Qt hooks in
packaging/hooks (they drop these plugins before PyInstaller follows their libraries, so GTK,
cairo, pango … that only the GTK3 theme needs never come in).

README ("The bundle") says why each is left out.
"""

# Qt libraries and plugins that would still come in through a plugin or a dependency the app
# does not use (the PDF image format, the QML debugger, WebEngine, 3D, multimedia …).
EXCLUDED_BINARIES = (
    "Qt6WebEngine", "Qt6Quick", "Qt6Qml", "Qt63D", "Qt6Multimedia", "Qt6Pdf", "Qt6Designer",
    "Qt6VirtualKeyboard", "Qt6ShaderTools", "Qt6Graphs", "Qt6DataVisualization",
    "Qt6Location", "Qt6Positioning", "Qt6Sensors", "Qt6Bluetooth", "Qt6Nfc", "Qt6Sql",
    "Qt6Test", "Qt6Help", "Qt6UiTools", "Qt6SerialPort", "Qt6WebChannel", "Qt6WebSockets",
    "Qt6WebView", "Qt6SpatialAudio", "Qt6TextToSpeech", "Qt6RemoteObjects", "Qt6Scxml",
    "Qt6StateMachine",
    # plugins: PDF/WebP/TIFF… image readers are never asked for (icons are SVG and PNG), the
    # VNC/framebuffer/EGL-fullscreen platforms are for kiosks, not desks
    "imageformats/libqpdf", "imageformats/qpdf", "platforms/libqvnc", "platforms/qvnc",
    "platforms/libqlinuxfb", "platforms/libqeglfs", "platforms/libqminimalegl",
    "platforms/libqvkkhrdisplay", "egldeviceintegrations/", "Qt6EglFS",
    "platforminputcontexts/libqtvirtualkeyboardplugin",
    # evdev/TUIO touch input (kiosks), network reachability and TLS (the app opens no
    # connection through Qt: PostgreSQL goes through libpq), and with them QtNetwork
    "generic/", "networkinformation/", "tls/", "Qt6Network", "PySide6/QtNetwork.",
    # the GTK3 theme drags in GTK, cairo, pango …; the look comes from resources/style.qss
    "platformthemes/libqgtk3",
)


def keep(entry):
    """Whether a collected binary or data file belongs in the bundle: an Analysis entry
    (name, source, kind) or a hook's (source, folder)."""
    paths = " ".join(str(part).replace("\\", "/") for part in entry[:2])
    if any(part in paths for part in EXCLUDED_BINARIES):
        return False
    # Qt's own texts are loaded in Chinese only (ui.app.install_qt_chinese): Qt's translations
    # into other languages are left out
    return "/translations/" not in paths or "_zh_" in paths
