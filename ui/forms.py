"""Form building blocks: fields that validate as the user types and show errors beside them.

A :class:`Form` lays out labelled inputs, each with an error line under it. Inputs check
themselves through the same crm functions the services use (``parse_amount``,
``normalize_uscc``), and a :class:`~crm.errors.CrmError` raised by a service on save is shown
beside the field it names (``error.field``), or at the top of the form when it names none.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any, TypeVar

import shiboken6
from PySide6.QtCore import QDate, QModelIndex, QStringListModel, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from crm.db import UnitOfWork
from crm.errors import CrmError
from crm.money import parse_amount
from crm.uscc import normalize_uscc
from ui.context import AppContext, Op, Operation, op
from ui.throttle import Throttle

DATE_FORMAT = "yyyy-MM-dd"
W = TypeVar("W", bound=QWidget)
T = TypeVar("T")
_NO_DATE = QDate(1989, 12, 31)  # one day before the earliest date the core accepts


class ErrorLabel(QLabel):
    """The red line under a field (or at the top of a form); hidden while empty."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("field-error")
        self.setProperty("class", "error")
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.hide()

    def show_message(self, text: str) -> None:
        self.setText(text)
        self.setVisible(bool(text))


class Form(QWidget):
    """Labelled rows, each with its own error line, plus one line for errors of no field."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("form")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.general = ErrorLabel(self)
        self.general.setObjectName("form-error")
        outer.addWidget(self.general)
        self.layout_ = QFormLayout()
        self.layout_.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.layout_.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        outer.addLayout(self.layout_)
        self.errors: dict[str, ErrorLabel] = {}
        self.widgets: dict[str, QWidget] = {}
        self.labels: dict[str, QLabel] = {}

    def add(self, field: str, label: str, widget: W, *, required: bool = False) -> W:
        """Add a row for ``field`` (the name crm uses in ``CrmError.field``)."""
        box = QWidget(self)
        col = QVBoxLayout(box)
        col.setContentsMargins(0, 0, 0, 0)
        col.setSpacing(2)
        col.addWidget(widget)
        error = ErrorLabel(box)
        col.addWidget(error)
        caption = QLabel(label + (" *" if required else ""), self)
        caption.setProperty("required", required)
        self.layout_.addRow(caption, box)
        self.errors[field] = error
        self.widgets[field] = widget
        self.labels[field] = caption
        return widget

    def set_row_visible(self, field: str, visible: bool) -> None:
        box = self.widgets[field].parentWidget()
        if box is not None:
            self.layout_.setRowVisible(box, visible)

    def row_visible(self, field: str) -> bool:
        return self.widgets[field].isVisibleTo(self)

    def set_error(self, field: str | None, message: str) -> None:
        label = self.errors.get(field or "")
        if label is None:
            self.general.show_message(message)
        else:
            label.show_message(message)
            self._mark(field or "", bool(message))

    def _mark(self, field: str, invalid: bool) -> None:
        """Outline the field's inputs in red while it has an error (style sheet: invalid)."""
        widget = self.widgets.get(field)
        if widget is None:
            return
        for w in [widget, *widget.findChildren(QLineEdit)]:
            if bool(w.property("invalid")) != invalid:
                w.setProperty("invalid", invalid)
                w.style().unpolish(w)
                w.style().polish(w)

    def clear_error(self, field: str) -> None:
        if field in self.errors:
            self.errors[field].show_message("")
            self._mark(field, False)

    def clear_errors(self) -> None:
        self.general.show_message("")
        for field, label in self.errors.items():
            label.show_message("")
            self._mark(field, False)

    def show_error(self, exc: CrmError, aliases: dict[str, str] | None = None) -> None:
        """Show a core error beside its field (``aliases`` maps crm field names to rows)."""
        field = exc.field or ""
        field = (aliases or {}).get(field, field)
        self.set_error(field if field in self.errors else None, exc.message)

    def has_errors(self) -> bool:
        return any(label.text() for label in self.errors.values() if not label.isHidden())

    def error_text(self, field: str | None = None) -> str:
        label = self.general if field is None else self.errors[field]
        return label.text() if not label.isHidden() else ""


# --- inputs ----------------------------------------------------------------------------------
class AmountEdit(QWidget):
    """An amount typed as ``7000``, ``7000万元`` or ``1.52亿元``, in the unit chosen beside it.

    ``value()`` returns 万元 (Decimal) or None when blank and raises the core's
    ValidationError for text that is not an amount.
    """

    edited = Signal()  # edited(): the text changed (check it again)

    def __init__(self, parent: QWidget | None = None, *, unit: str = "万元",
                 units: Sequence[str] = ("万元", "亿元"), field: str = "amount"):
        super().__init__(parent)
        self.field = field
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.line = QLineEdit(self)
        self.line.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        money = unit in ("万元", "亿元")
        self.line.setPlaceholderText(self.tr("如 7000 或 1.52亿元") if money else self.tr("如 245"))
        self.unit = QComboBox(self)
        self.unit.addItems(list(units))
        self.unit.setCurrentText(unit)
        row.addWidget(self.line, 1)
        row.addWidget(self.unit)
        self.line.textChanged.connect(lambda _t: self.edited.emit())
        self.unit.currentIndexChanged.connect(lambda _i: self.edited.emit())

    def value(self) -> Decimal | None:
        unit = self.unit.currentText()
        if unit in ("万元", "亿元"):
            return parse_amount(self.line.text(), default_unit=unit, field=self.field)
        # an area (亩, ㎡): a plain exact number, its unit may be typed after it
        text = self.line.text().strip().removesuffix(unit).removesuffix("平方米")
        return parse_amount(text, default_unit="万元", field=self.field)

    def set_value(self, wan: Decimal | None, unit: str | None = None) -> None:
        if unit:
            self.unit.setCurrentText(unit)
        if wan is None:
            self.line.clear()
            return
        shown = wan / Decimal(10000) if self.unit.currentText() == "亿元" else wan
        self.line.setText(format(shown.normalize(), "f"))

    def setText(self, text: str) -> None:
        self.line.setText(text)


class DateEdit(QDateEdit):
    """A date picker showing ``YYYY-MM-DD``; optional ones may be left blank (shown empty)."""

    def __init__(self, parent: QWidget | None = None, *, optional: bool = False,
                 value: dt.date | None = None, blank: str | None = None):
        super().__init__(parent)
        self.optional = optional
        self.setDisplayFormat(DATE_FORMAT)
        self.setCalendarPopup(True)
        self.setMaximumDate(QDate(2100, 12, 31))
        if optional:
            self.setMinimumDate(_NO_DATE)
            self.setSpecialValueText(blank if blank is not None else self.tr("（不填）"))
        else:
            self.setMinimumDate(QDate(1990, 1, 1))
        self.set_value(value if value is not None or optional else dt.date.today())

    def value(self) -> dt.date | None:
        d = self.date()
        if self.optional and d == _NO_DATE:
            return None
        return dt.date(d.year(), d.month(), d.day())

    def set_value(self, value: dt.date | None) -> None:
        if value is None:
            self.setDate(_NO_DATE if self.optional else QDate.currentDate())
        else:
            self.setDate(QDate(value.year, value.month, value.day))


class UsccEdit(QLineEdit):
    """统一社会信用代码, checked as typed with the core's GB 32100-2015 check."""

    def __init__(self, parent: QWidget | None = None, field: str = "uscc"):
        super().__init__(parent)
        self.field = field
        self.setMaxLength(24)
        self.setPlaceholderText(self.tr("18 位，可不填"))

    def value(self) -> str | None:
        return normalize_uscc(self.text(), field=self.field)


class Choice(QComboBox):
    """A combo of (label, value) pairs; ``value()`` is the data of the chosen item."""

    def __init__(self, parent: QWidget | None = None, items: Iterable[tuple[str, Any]] = (),
                 *, blank: str | None = None):
        super().__init__(parent)
        self.blank = blank
        # the value asked for, kept while the items are still being read (see set_items)
        self._wanted: Any = None
        self.currentIndexChanged.connect(self._chosen)
        self.set_items(items)

    def _chosen(self, _index: int) -> None:
        self._wanted = self.value()

    def set_items(self, items: Iterable[tuple[str, Any]]) -> None:
        """Offer ``items``, keeping the chosen value (or the one asked for before they came)."""
        wanted = self._wanted
        self.blockSignals(True)
        self.clear()
        if self.blank is not None:
            self.addItem(self.blank, None)
        for label, value in items:
            self.addItem(label, value)
        self.blockSignals(False)
        self.set_value(wanted)

    def value(self) -> Any:
        return self.currentData() if self.currentIndex() >= 0 else None

    def set_value(self, value: Any) -> None:
        for i in range(self.count()):
            if self.itemData(i) == value:
                self.setCurrentIndex(i)
                self._wanted = value
                return
        if self.count():
            self.setCurrentIndex(0)
        self._wanted = value  # not offered (yet): chosen when the items arrive


class SearchPicker(QWidget):
    """Pick one record by typing (name, USCC or pinyin initials); matches come from crm.

    Args:
        fetch: ``fetch(uow, text) -> [(id, label), …]`` (a limited query), run off the GUI
            thread as the user pauses typing; an answer to older text is dropped.
    """

    picked = Signal(object)  # picked(id: int | None): a record chosen, or None when retyped

    def __init__(self, ctx: AppContext, fetch: Callable[[UnitOfWork, str], list[tuple[int, str]]],
                 parent: QWidget | None = None, placeholder: str = ""):
        super().__init__(parent)
        self.ctx, self.fetch = ctx, fetch
        self._id: int | None = None
        self._label = ""
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.line = QLineEdit(self)
        self.line.setPlaceholderText(placeholder)
        self.line.setClearButtonEnabled(True)
        row.addWidget(self.line)
        self.model = QStringListModel(self)
        self.completer = QCompleter(self.model, self)
        # The matches are chosen in SQL (pinyin initials too), so show them unfiltered.
        self.completer.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        self.completer.setWidget(self.line)
        self.completer.activated[QModelIndex].connect(self._activated)  # type: ignore[index]
        self._choices: list[tuple[int, str]] = []
        self._asked = ""  # the text the newest search was for
        self._search_later = Throttle(self.refresh, 150, self)
        self.line.textEdited.connect(self._edited)

    def _edited(self, _text: str) -> None:
        if self._id is not None:
            self._id = None
            self.picked.emit(None)
        self._search_later()

    def refresh(self) -> None:
        """Search for what is typed now (off the GUI thread); the matches show when they come."""
        text = self.line.text().strip()
        self._asked = text
        if not text:
            self._show(text, [])
            return
        self.ctx.read(op(self.fetch, text), done=lambda found: self._show(text, found))

    def _show(self, text: str, found: list[tuple[int, str]]) -> None:
        if not shiboken6.isValid(self) or text != self._asked:
            return  # the user typed on meanwhile: a newer search is under way
        self._choices = found
        self.model.setStringList([label for _id, label in found])
        if found and self.line.hasFocus():
            self.completer.complete()

    def _activated(self, index: QModelIndex) -> None:
        if 0 <= index.row() < len(self._choices):
            self.set_value(*self._choices[index.row()])

    def value(self) -> int | None:
        return self._id

    def set_value(self, ident: int | None, label: str = "") -> None:
        self._id, self._label = ident, label
        self.line.setText(label)
        self.picked.emit(ident)


class FormDialog(QDialog):
    """A dialog around a :class:`Form` whose save is one ``ctx.write``.

    ``accept()`` runs :meth:`collect` (local checks; a CrmError shows beside its field), then
    writes in the background; on success the dialog closes, on a CrmError the message shows
    beside its field and nothing is saved. It never blocks: callers ``open()`` it.

    Attributes:
        saved: the result of the last successful write.
    """

    succeeded = Signal(object)  # succeeded(result): what the write returned (a row)
    aliases: dict[str, str] = {}

    def __init__(self, ctx: AppContext, title: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.saved: Any = None
        self.busy = False
        self._loading = 0  # lookups still being read (see load)
        self._accept_waiting = False
        self.setWindowTitle(title)
        self.setObjectName("form-dialog")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, False)
        layout = QVBoxLayout(self)
        self.form = Form(self)
        layout.addWidget(self.form)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setText(self.tr("保存"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("取消"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

    def live(self, field: str, check: Callable[[], object], *signals: Any) -> None:
        """Check ``field`` each time one of ``signals`` fires (validation as the user types)."""
        def run(*_args: object) -> None:
            try:
                check()
            except CrmError as exc:
                self.form.set_error(field, exc.message)
            else:
                self.form.clear_error(field)
            self._update_save()
            self.fit_height()
        for signal in signals:
            signal.connect(run)

    def fit_height(self) -> None:
        """Grow (never shrink) so an error line that just appeared shows whole, not cut."""
        layout = self.layout()
        if layout is None:
            return
        layout.activate()
        need = layout.totalSizeHint().height()
        if layout.hasHeightForWidth():
            need = max(need, layout.totalHeightForWidth(self.width()))
        if need > self.height():
            self.resize(self.width(), need)

    def load(self, operation: Operation[T], fill: Callable[[T], None]) -> None:
        """Read what the form offers (lists of industries, events …) off the GUI thread and
        ``fill`` it in; a save asked for meanwhile happens once everything has arrived."""
        self._loading += 1
        self._update_save()

        def arrived(value: T) -> None:
            if not shiboken6.isValid(self):
                return  # closed and deleted before its lists came
            self._loading -= 1
            fill(value)
            self._update_save()
            if not self._loading and self._accept_waiting:
                self._accept_waiting = False
                self.accept()

        def failed(exc: BaseException) -> None:
            if not shiboken6.isValid(self):
                return
            self._loading -= 1
            self._accept_waiting = False
            self._update_save()
            self.ctx.report(exc)
        self.ctx.read(operation, done=arrived, failed=failed)

    def _update_save(self) -> None:
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setEnabled(
            not self.busy and not self._loading and not self.form.has_errors())

    def field_for(self, exc: CrmError) -> str | None:
        """The form row an error belongs to (crm's field name, through ``aliases``)."""
        field = self.aliases.get(exc.field or "", exc.field or "")
        return field if field in self.form.errors else None

    def show_error(self, exc: CrmError) -> None:
        self.form.set_error(self.field_for(exc), exc.message)

    def collect(self) -> Op:
        """What to write: an operation ``op(uow)`` for ``ctx.write``, with every value read
        from the widgets now (it runs on a worker thread). Raise CrmError to refuse."""
        raise NotImplementedError

    def accept(self) -> None:
        if self.busy:
            return
        if self._loading:
            self._accept_waiting = True
            return
        self.form.clear_errors()
        try:
            op = self.collect()
        except CrmError as exc:
            self.show_error(exc)
            self._update_save()
            self.fit_height()
            return
        self.busy = True
        self._update_save()
        self.ctx.write(op, done=self._saved, failed=self._failed, initiator=self)

    def _saved(self, result: Any) -> None:
        self.busy = False
        self.saved = result
        self.succeeded.emit(result)
        super().accept()

    def _failed(self, exc: BaseException) -> None:
        self.busy = False
        if isinstance(exc, CrmError):
            self.show_error(exc)
        else:
            self.form.set_error(None, self.tr("保存失败：发生了意外错误，详情已写入日志"))
            self.ctx.report(exc)
        self._update_save()
        self.fit_height()
