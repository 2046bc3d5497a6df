"""Starting the desktop app: the page registry, ``build(db_url)`` and the ``main.py`` entry.

``build`` gives tests and scripts the whole window for a database (given a running
QApplication); ``run`` is what ``python main.py`` does: options, sign-in, window, event loop.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTimer, QTranslator
from PySide6.QtGui import QFont, QFontDatabase, QIcon
from PySide6.QtWidgets import QApplication

from crm import files
from crm import text as pinyin
from crm.db import Database
from crm.errors import CrmError, PermissionDenied
from crm.local import demo_url, resolve_url
from crm.services import projects, users
from crm.services.users import UserRow
from ui import errors
from ui.context import AppContext
from ui.mainwindow import MainWindow, PageSpec

log = logging.getLogger("crm.ui.app")
RESOURCES = Path(__file__).resolve().parent.parent / "resources"
DEMO_LOGIN = "zhoujm"  # the demo's manager 周建明

# The navigation rail, top to bottom. Labels are the Chinese source strings (translated on use).
PAGES: list[PageSpec] = [
    PageSpec("dashboard", "工作台", "mdi6.view-dashboard-outline", "ui.pages.dashboard:DashboardPage"),
    PageSpec("sprint", "冲刺", "mdi6.flag-checkered", "ui.pages.sprint:SprintPage"),
    PageSpec("alerts", "提醒", "mdi6.bell-ring-outline", "ui.pages.alerts:AlertsPage"),
    PageSpec("promises", "履约", "mdi6.file-sign", "ui.pages.promises:PromisesPage"),
    PageSpec("projects", "项目", "mdi6.briefcase-outline", "ui.pages.projects:ProjectsPage"),
    PageSpec("chains", "招商图谱", "mdi6.sitemap-outline", "ui.pages.chains:ChainsPage"),
    PageSpec("companies", "企业", "mdi6.office-building-outline", "ui.pages.companies:CompaniesPage"),
    PageSpec("contacts", "接洽记录", "mdi6.message-text-outline", "ui.pages.contacts:ContactsPage"),
    PageSpec("events", "签约与活动", "mdi6.handshake-outline", "ui.pages.events:EventsPage"),
    PageSpec("carriers", "载体", "mdi6.domain", "ui.pages.carriers:CarriersPage"),
    PageSpec("scorecard", "考核", "mdi6.clipboard-check-outline", "ui.pages.scorecard:ScorecardPage"),
    PageSpec("reports", "报表", "mdi6.file-chart-outline", "ui.pages.reports:ReportsPage"),
    PageSpec("settings", "设置", "mdi6.cog-outline", "ui.pages.settings:SettingsPage"),
]
PAGE_KEYS = [spec.key for spec in PAGES]
_FONTS = ("Microsoft YaHei UI", "Microsoft YaHei", "PingFang SC", "Noto Sans CJK SC",
          "Source Han Sans SC", "WenQuanYi Micro Hei")


def tr(text: str) -> str:
    return QCoreApplication.translate("app", text)


class LoginCancelled(Exception):
    """The user closed the login dialog: quit quietly."""


def apply_style(app: QApplication) -> None:
    """The one style sheet (resources/style.qss) and a CJK-friendly UI font (once per app)."""
    if app.property("crm_styled"):
        return
    app.setProperty("crm_styled", True)
    install_qt_chinese(app)
    families = set(QFontDatabase.families())
    for family in _FONTS:
        if family in families:
            font = QFont(family)
            font.setPointSizeF(10)
            app.setFont(font)
            break
    try:
        sheet = (RESOURCES / "style.qss").read_text(encoding="utf-8")
        # url() in a style sheet is relative to the working directory: make it absolute.
        app.setStyleSheet(sheet.replace("@RES@", RESOURCES.as_posix()))
    except OSError as exc:
        log.warning("style sheet not loaded: %s", exc)
    icon = RESOURCES / "icon.svg"
    if icon.exists():
        app.setWindowIcon(QIcon(str(icon)))


def install_qt_chinese(app: QApplication) -> None:
    """Qt's own texts in Chinese: standard buttons (确定/取消, 是/否), the edit context menu
    (撤销, 复制, 粘贴 …), the calendar popup's months and weekdays."""
    locale = QLocale(QLocale.Language.Chinese, QLocale.Country.China)
    QLocale.setDefault(locale)
    translator = QTranslator(app)
    if translator.load(locale, "qtbase", "_",
                       QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
        app.installTranslator(translator)
    else:
        log.warning("Qt's Chinese translation (qtbase_zh_CN.qm) not found")


def sign_in(db: Database, login: str | None, password: str | None, *,
            trusted: bool = False) -> UserRow:
    """The user to work as: by password, by login alone when ``trusted`` (the demo), or asked.

    Raises:
        PermissionDenied: wrong credentials, or none given where nobody can be asked.
        LoginCancelled: the user closed the dialog.
    """
    if login and trusted and password is None:
        user = db.read(users.find_user, login)
        if user is None or not user.active:
            raise PermissionDenied(tr("找不到用户“{login}”").format(login=login), code="login.failed")
        return user
    if login and password is not None:
        return db.read(users.authenticate, login, password)
    if errors.headless():
        raise PermissionDenied(tr("请提供登录名和密码"), code="login.required")
    from ui.login import FirstRunDialog, LoginDialog

    first_run = not db.read(users.list_users, include_inactive=True)
    dialog = FirstRunDialog(db) if first_run else LoginDialog(db, login or "")
    if dialog.exec() != LoginDialog.DialogCode.Accepted or dialog.user is None:
        raise LoginCancelled
    return dialog.user


def build(db_url: str, login: str | None = None, password: str | None = None, *,
          trusted: bool = False, page: str | None = None) -> MainWindow:
    """The main window on ``db_url``, signed in (needs a running QApplication).

    Raises:
        CrmError: the database cannot be opened (SchemaError) or sign-in failed.
        LoginCancelled: the user closed the login dialog.
    """
    app = QApplication.instance()
    if isinstance(app, QApplication):
        apply_style(app)
    db = Database(db_url)
    try:
        user = sign_in(db, login, password, trusted=trusted)
    except BaseException:
        db.dispose()
        raise
    window = MainWindow(AppContext(db, user.actor()), PAGES)
    window.owns_db = True
    window.restore_state(page)
    return window


WARM_UP_AFTER_MS = 250  # after the page's first reads: its results painted meanwhile


def show(window: MainWindow) -> None:
    """Show the window; then, once its page's first reads are done, load in the background
    what its first search will need.

    Loading pypinyin beside the page's first reads held the window's thread for 110–180 ms
    just after it showed: three threads wanted the interpreter (the window painting, the
    reads returning rows, the load), and the window's waited longest."""
    window.show()
    db = window.ctx.db
    runner = window.ctx.runner

    def start() -> None:
        if window.isVisible():  # not for a window closed meanwhile (its database let go)
            runner.submit(lambda task: _warm_up(task, db))

    def warm_up() -> None:
        # after the results are shown (the runner is idle before its callbacks have run); the
        # window as the timer's context: a window deleted meanwhile drops it
        QTimer.singleShot(WARM_UP_AFTER_MS, window, start)

    def when_idle(busy: bool) -> None:
        if not busy:
            runner.busy_changed.disconnect(when_idle)
            warm_up()

    if runner.idle():
        warm_up()
    else:
        runner.busy_changed.connect(when_idle)


def _warm_up(task: object, db: Database | None = None) -> None:
    """What the window's next steps need, loaded off its thread once it shows."""
    # pypinyin is no part of the start (half a second here); load it before a name is searched
    # (crm.pinyin_dicts reads its dictionaries without stopping the window's thread).
    pinyin.load()
    # qtawesome draws the pages' buttons: imported by the first page that has some, it cost the
    # GUI thread 0.2–0.3 s of CPU (1.8–2.6 s at load 6) when 项目 was first clicked.
    import qtawesome  # noqa: F401

    # SQLite: the planner's statistics, if the database lacks them (one never analyzed, an
    # older version's import): made once here (9 s at a million projects), not at each close;
    # for an analyzed database this only compares row counts (crm.planner)
    if db is not None:
        try:
            db.refresh_statistics()
        except Exception as exc:  # another writer held the database: the next open
            log.info("planner statistics not refreshed: %s", exc)


def _build_asking_password(url: str, login: str | None, page: str | None) -> MainWindow:
    """:func:`build`, asking for the server's password when it needs one that is not kept
    (settings.json never holds it; the system keyring does where one exists)."""
    from crm import secrets

    try:
        return build(url, login, page=page)
    except CrmError as exc:
        if exc.code != "db.password" or errors.headless():
            raise
    from PySide6.QtWidgets import QInputDialog, QLineEdit

    bare = secrets.split(url)[0]
    for _attempt in range(3):
        password, ok = QInputDialog.getText(
            None, tr("数据库密码"), tr("请输入数据库 {url} 的密码：").format(url=secrets.account(bare)),
            QLineEdit.EchoMode.Password)
        if not ok:
            raise LoginCancelled
        try:
            window = build(secrets.with_password(bare, password), login, page=page)
        except CrmError as exc:
            if exc.code != "db.password":
                raise
            continue
        secrets.store(bare, password)  # kept only where a system keyring exists
        return window
    raise PermissionDenied(tr("数据库密码错误"), code="db.password")


def open_demo() -> str:
    """The demo database (created and loaded on first use); its URL."""
    from crm.demo import load_demo

    url = demo_url()
    db = Database(url)
    try:
        if db.read(projects.count_projects) == 0:
            load_demo(db)
    finally:
        db.dispose()
    return url


# --- main.py ------------------------------------------------------------------------------
def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    from crm.cli_zh import chinese_argparse

    with chinese_argparse():  # usage, -h and errors in Chinese, as on the command line
        return _parse_args(argv)


def _parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="zhaoshang-crm", description="招商 CRM 桌面版")
    parser.add_argument("--db", metavar="URL", help="数据库地址：SQLite 文件路径或 postgresql://…")
    parser.add_argument("--demo", action="store_true", help="打开演示数据库（以管理者 周建明 登录）")
    parser.add_argument("--page", choices=PAGE_KEYS, help="启动后打开的页面")
    parser.add_argument("--screenshot", metavar="FILE.png", help="加载完成后截图保存并退出")
    parser.add_argument("--user", metavar="LOGIN", help="登录名（预先填入登录框）")
    return parser.parse_args(list(argv))


def run(argv: Sequence[str] | None = None) -> int:
    """``python main.py …``: returns the process exit code."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("招商 CRM")
    app.setOrganizationName("zhaoshang-crm")
    errors.setup_logging()
    errors.install_excepthooks()
    apply_style(app)
    try:
        if args.demo:
            url = open_demo()
            window = build(url, args.user or DEMO_LOGIN, trusted=True, page=args.page)
        else:
            window = _build_asking_password(resolve_url(args.db), args.user, args.page)
    except LoginCancelled:
        return 0
    except CrmError as exc:
        errors.fatal(exc.message)
        return 2
    except Exception as exc:  # e.g. a driver error the core did not anticipate
        log.error("start-up failed", exc_info=exc)
        errors.fatal(tr("无法打开数据库：{e}").format(e=str(exc).splitlines()[0] if str(exc) else exc))
        return 2
    if args.screenshot:
        window.resize(1600, 1000)
    show(window)
    shot = Screenshot(window, Path(args.screenshot)) if args.screenshot else None
    if shot is not None:
        shot.start()
    return app.exec()


class Screenshot:
    """Waits until every background read has delivered (and stays idle), then saves the window."""

    def __init__(self, window: MainWindow, path: Path, timeout: float = 30.0):
        self.window, self.path = window, path
        self.deadline = time.monotonic() + timeout
        self.quiet_ticks = 0
        self.timer = QTimer(window)
        self.timer.setInterval(150)
        self.timer.timeout.connect(self._tick)

    def start(self) -> None:
        self.timer.start()

    def _tick(self) -> None:
        idle = self.window.ctx.runner.idle()
        self.quiet_ticks = self.quiet_ticks + 1 if idle else 0
        if self.quiet_ticks < 4 and time.monotonic() < self.deadline:
            return
        self.timer.stop()
        QApplication.processEvents()
        try:  # written beside, then renamed: a killed run never leaves half a picture
            with files.atomic_path(self.path) as tmp:
                if not self.window.grab().save(str(tmp), "PNG"):
                    raise files.write_error(self.path, OSError(tr("图片无法保存")))
        except CrmError as exc:
            print(f"无法保存截图：{exc.message}", file=sys.stderr)
        self.window.close()
        QApplication.quit()
