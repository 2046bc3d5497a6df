"""The main window: navigation rail, lazily created pages, status bar, shortcuts, window state."""

from __future__ import annotations

import contextlib
import importlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QCoreApplication, QSize, Qt
from PySide6.QtGui import QAction, QCloseEvent, QIcon, QKeySequence
from PySide6.QtWidgets import (
    QButtonGroup,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QSizePolicy,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from crm import changes
from crm.local import read_local_settings, write_local_settings
from crm.services.common import ROLE_NAMES
from crm.views.dashboard import Chrome, read_chrome
from crm.views.steering import alert_count
from ui import errors
from ui.context import AppContext, op
from ui.widgets.panel import Placeholder

log = logging.getLogger("crm.ui.window")
NAV_ICON = "#5b6472"
NAV_ICON_ON = "#1f6feb"
NAV_ICONS = Path(__file__).resolve().parent.parent / "resources" / "icons" / "nav"


def tr(text: str) -> str:
    return QCoreApplication.translate("MainWindow", text)


def nav_icon_files(name: str) -> tuple[Path, Path]:
    """The rail icon ``name`` (a qtawesome name, e.g. ``mdi6.domain``) as files: (off, checked)."""
    stem = name.replace(".", "-")
    return NAV_ICONS / f"{stem}.svg", NAV_ICONS / f"{stem}-on.svg"


def nav_icon(name: str) -> QIcon:
    """A rail icon from resources/icons/nav (scripts/nav_icons.py draws them from qtawesome's
    font): importing qtawesome cost a quarter of the GUI thread's time before the window
    showed. An icon not drawn to a file yet comes from qtawesome itself."""
    off, on = nav_icon_files(name)
    if not (off.exists() and on.exists()):
        import qtawesome

        return qtawesome.icon(name, color=NAV_ICON, color_on=NAV_ICON_ON)
    icon = QIcon()
    icon.addFile(str(off), QSize(), QIcon.Mode.Normal, QIcon.State.Off)
    icon.addFile(str(on), QSize(), QIcon.Mode.Normal, QIcon.State.On)
    return icon


@dataclass(frozen=True)
class PageSpec:
    """A page of the navigation rail: key (``--page``), label, qtawesome icon, "module:Class"."""

    key: str
    label: str
    icon: str
    target: str


class MainWindow(QMainWindow):
    """One signed-in user on one database. Pages are created on first visit."""

    def __init__(self, ctx: AppContext, pages: Sequence[PageSpec], parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("main-window")
        self.ctx = ctx
        self.specs = {spec.key: spec for spec in pages}
        self.pages: dict[str, QWidget] = {}
        self.current_key = ""
        self._closed = False
        self.owns_db = False  # build() hands the database to the window, which closes it
        self.setWindowTitle(tr("招商 CRM"))
        self.resize(1440, 900)

        self.stack = QStackedWidget(self)
        self.stack.setObjectName("page-stack")
        self.nav = QButtonGroup(self)
        self.nav.setExclusive(True)
        rail = self._build_rail(pages)
        central = QWidget(self)
        layout = QHBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(rail)
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(central)
        self._build_status()
        self._build_shortcuts()

        ctx.error.connect(lambda exc: errors.show_error(exc, self))
        ctx.on_change(("settings", "agreements", "starts", *changes.LOGS), self._refresh_chrome)
        self._refresh_chrome()

    # --- building -------------------------------------------------------------------------
    def _build_rail(self, pages: Sequence[PageSpec]) -> QFrame:
        rail = QFrame(self)
        rail.setObjectName("nav-rail")
        rail.setFixedWidth(168)
        column = QVBoxLayout(rail)
        column.setContentsMargins(10, 16, 10, 12)
        column.setSpacing(4)
        brand = QLabel(tr("招商 CRM"), rail)
        brand.setObjectName("brand")
        self.org = QLabel("", rail)
        self.org.setObjectName("brand-org")
        column.addWidget(brand)
        column.addWidget(self.org)
        column.addSpacing(14)
        for spec in pages:
            button = QToolButton(rail)
            button.setObjectName(f"nav-{spec.key}")
            button.setText(tr(spec.label))
            button.setIcon(nav_icon(spec.icon))
            button.setCheckable(True)
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            button.setCursor(Qt.CursorShape.PointingHandCursor)
            button.clicked.connect(lambda _checked=False, key=spec.key: self.show_page(key))
            self.nav.addButton(button)
            column.addWidget(button)
        column.addStretch(1)
        actor = self.ctx.actor
        who = QLabel(f"{actor.name}\n{ROLE_NAMES.get(actor.role, actor.role)}", rail)
        who.setObjectName("nav-user")
        column.addWidget(who)
        return rail

    def _build_status(self) -> None:
        bar = self.statusBar()
        bar.setObjectName("status-bar")
        self.db_label = QLabel(tr("数据库：{db}").format(db=self.ctx.db.describe()), self)
        self.db_label.setObjectName("status-db")
        self.due_label = QLabel("", self)
        self.due_label.setObjectName("status-due")
        actor = self.ctx.actor
        self.user_label = QLabel(tr("当前用户：{name}（{role}）").format(
            name=actor.name, role=tr(ROLE_NAMES.get(actor.role, actor.role))), self)
        self.user_label.setObjectName("status-user")
        bar.addWidget(self.db_label, 1)
        bar.addPermanentWidget(self.due_label)
        bar.addPermanentWidget(self.user_label)

    def _build_shortcuts(self) -> None:
        for name, keys, slot in (
                ("action-new-project", QKeySequence.StandardKey.New, self.new_project),
                ("action-search", QKeySequence.StandardKey.Find, self.focus_search),
                ("action-log-contact", QKeySequence("Ctrl+L"), self.log_contact),
                ("action-export", QKeySequence("Ctrl+E"), self.export_current)):
            action = QAction(self)
            action.setObjectName(name)
            action.setShortcut(keys)
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            action.triggered.connect(slot)
            self.addAction(action)

    # --- pages ----------------------------------------------------------------------------
    def page(self, key: str) -> QWidget:
        """The page for ``key``, created on first use."""
        if key not in self.specs:
            raise KeyError(key)
        if key not in self.pages:
            widget = self._create(self.specs[key])
            self.pages[key] = widget
            self.stack.addWidget(widget)
            requested = getattr(widget, "project_requested", None)
            if requested is not None and hasattr(requested, "connect"):
                requested.connect(self.open_project)
            wanted = getattr(widget, "page_requested", None)  # e.g. a card opening 冲刺
            if wanted is not None and hasattr(wanted, "connect"):
                wanted.connect(self.show_page)
        return self.pages[key]

    def _create(self, spec: PageSpec) -> QWidget:
        # Pages are imported on first use (the window starts faster); a missing page module
        # is a broken installation, an error like any other, never a silent placeholder.
        module_name, _, class_name = spec.target.partition(":")
        cls = getattr(importlib.import_module(module_name), class_name)
        try:
            widget: QWidget = cls(self.ctx, self.stack)
        except Exception as exc:
            errors.show_error(exc, self)
            return Placeholder(tr("“{label}”页面打开失败，详情已记入日志").format(label=tr(spec.label)),
                               self.stack)
        widget.setProperty("page_key", spec.key)
        return widget

    def show_page(self, key: str) -> QWidget:
        widget = self.page(key)
        self.stack.setCurrentWidget(widget)
        self.current_key = key
        button = self.findChild(QToolButton, f"nav-{key}")
        if button is not None:
            button.setChecked(True)
        return widget

    def current_page(self) -> QWidget | None:
        return self.pages.get(self.current_key)

    def open_project(self, project_id: int) -> None:
        """Show a project on the projects page."""
        page = self.show_page("projects")
        opener = getattr(page, "open_project", None)
        if callable(opener):
            opener(project_id)

    # --- shortcuts ------------------------------------------------------------------------
    def new_project(self) -> None:
        from ui.dialogs.project_dialog import new_project

        new_project(self.ctx, self)

    def log_contact(self) -> None:
        from ui.dialogs.log_dialog import log_contact

        log_contact(self.ctx, self, project_id=self._current_project_id())

    def focus_search(self) -> None:
        fn = getattr(self.current_page(), "focus_search", None)
        if callable(fn):
            fn()

    def export_current(self) -> None:
        page = self.current_page()
        if not callable(getattr(page, "export_current", None)):
            page = self.show_page("reports")
        fn = getattr(page, "export_current", None)
        if callable(fn):
            fn()

    def _current_project_id(self) -> int | None:
        value = getattr(self.current_page(), "current_project_id", None)
        value = value() if callable(value) else value
        return value if isinstance(value, int) else None

    # --- status and reminders -------------------------------------------------------------
    def _refresh_chrome(self) -> None:
        # The reminder is personal: the signed-in user's own follow-ups (the dashboard shows
        # managers everyone's). The 提醒 count is read after it, not beside it: at a million
        # projects each count takes 2 s here, and the two together held both of the runner's
        # threads, so the page being opened waited for them (its first screen came 2–3 s late).
        # One at a time, the other thread is the page's.
        self.ctx.read(op(read_chrome, self.ctx.today(), self.ctx.actor.user_id),
                      done=self._chrome_read)

    def _chrome_read(self, chrome: Chrome) -> None:
        self._show_chrome(chrome)
        if "alerts" in self.specs:  # the 提醒 count beside its page on the rail
            self.ctx.read(op(alert_count, self.ctx.actor, self.ctx.today()),
                          done=self.show_alert_count)

    def show_alert_count(self, count: int) -> None:
        """提醒 on the rail with the number of projects to push (one's own; a manager's all)."""
        button = self.findChild(QToolButton, "nav-alerts")
        if button is not None:
            label = tr(self.specs["alerts"].label)
            button.setText(f"{label}  {count}" if count else label)
            button.setToolTip(tr("{n} 个签约项目需要推动（超期未开工、逾期未开工或久未接洽）")
                              .format(n=count))

    def _show_chrome(self, chrome: Chrome) -> None:
        org, due = chrome.org_name, chrome.follow_ups
        self.org.setText(org)
        self.setWindowTitle(tr("招商 CRM — {org}").format(org=org))
        overdue, today = due.overdue_count, due.today_count
        if overdue or today:
            self.due_label.setText(tr("我的跟进：今天到期 {t} 项，已逾期 {o} 项").format(t=today, o=overdue))
            self.due_label.setProperty("tone", "down" if overdue else "")
        else:
            self.due_label.setText(tr("我的跟进：今天没有到期"))
            self.due_label.setProperty("tone", "")
        self.due_label.style().unpolish(self.due_label)
        self.due_label.style().polish(self.due_label)

    # --- window state ---------------------------------------------------------------------
    def restore_state(self, page: str | None = None) -> None:
        """Geometry and last page from this computer's settings; ``page`` wins if given."""
        saved: dict[str, Any] = read_local_settings().get("window") or {}
        geometry = saved.get("geometry")
        if isinstance(geometry, str):
            with contextlib.suppress(ValueError, UnicodeError):
                self.restoreGeometry(QByteArray.fromHex(geometry.encode("ascii")))
        key = page or saved.get("page")
        self.show_page(key if key in self.specs else "dashboard")

    def save_state(self) -> None:
        try:
            write_local_settings({"window": {
                "geometry": bytes(self.saveGeometry().toHex().data()).decode("ascii"),
                "page": self.current_key or "dashboard"}})
        except OSError as exc:
            log.warning("window state not saved: %s", exc)

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._closed:
            self._closed = True
            self.save_state()
            self.ctx.stop()
            if self.owns_db:
                self.ctx.db.dispose()
        super().closeEvent(event)
