"""Dashboard charts (Qt Charts): the funnel and signings / starts by month."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QChart,
    QChartView,
    QHorizontalBarSeries,
    QValueAxis,
)
from PySide6.QtCore import QMargins, Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QWidget

ACCENT = QColor("#1f6feb")
GREEN = QColor("#2da44e")
GRID = QColor("#eef0f3")
TEXT = QColor("#5b6472")


def _chart() -> QChart:
    chart = QChart()
    chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
    chart.setBackgroundVisible(False)
    chart.setMargins(QMargins(0, 0, 0, 0))
    chart.layout().setContentsMargins(0, 0, 0, 0)
    chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
    chart.legend().setLabelColor(TEXT)
    return chart


def _value_axis(maximum: int, visible: bool = True) -> QValueAxis:
    axis = QValueAxis()
    top = max(4, maximum + max(1, maximum // 5))
    axis.setRange(0, top)
    axis.setLabelFormat("%d")
    axis.setTickCount(5 if top >= 4 else top + 1)
    axis.setGridLineColor(GRID)
    axis.setLabelsColor(TEXT)
    axis.setLineVisible(False)
    axis.setVisible(visible)
    return axis


class _ChartView(QChartView):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setMinimumHeight(220)
        self.setStyleSheet("background: transparent")

    def _replace(self, chart: QChart) -> None:
        old = self.chart()
        self.setChart(chart)
        if old is not None:
            old.deleteLater()


class FunnelChart(_ChartView):
    """Projects that reached each stage in the period, top (线索) to bottom (已投产)."""

    def set_steps(self, names: Sequence[str], counts: Sequence[int]) -> None:
        chart = _chart()
        bars = QBarSet(self.tr("项目数"))
        bars.setColor(ACCENT)
        bars.setBorderColor(ACCENT)
        bars.setLabelColor(QColor("#1f2329"))
        # Horizontal bars are drawn bottom-up; reverse so the funnel reads top-down.
        for count in reversed(counts):
            bars.append(count)
        series = QHorizontalBarSeries()
        series.append(bars)
        series.setBarWidth(0.6)
        series.setLabelsVisible(True)
        series.setLabelsPosition(QHorizontalBarSeries.LabelsPosition.LabelsOutsideEnd)
        series.setLabelsFormat("@value")
        chart.addSeries(series)
        categories = QBarCategoryAxis()
        categories.append(list(reversed(names)))
        categories.setLabelsColor(TEXT)
        categories.setGridLineVisible(False)
        categories.setLineVisible(False)
        values = _value_axis(max(counts, default=0), visible=False)
        chart.addAxis(categories, Qt.AlignmentFlag.AlignLeft)
        chart.addAxis(values, Qt.AlignmentFlag.AlignBottom)
        series.attachAxis(categories)
        series.attachAxis(values)
        chart.legend().setVisible(False)
        self._replace(chart)


class MonthlyChart(_ChartView):
    """Signings and starts in each month of the period."""

    def set_months(self, labels: Sequence[str], signed: Sequence[int], started: Sequence[int]) -> None:
        chart = _chart()
        series = QBarSeries()
        for title, values, colour in ((self.tr("签约"), signed, ACCENT),
                                      (self.tr("开工"), started, GREEN)):
            bars = QBarSet(title)
            bars.setColor(colour)
            bars.setBorderColor(colour)
            bars.setLabelColor(QColor("#1f2329"))
            for v in values:
                bars.append(v)
            series.append(bars)
        series.setBarWidth(0.7)
        series.setLabelsVisible(len(labels) <= 12)
        series.setLabelsPosition(QBarSeries.LabelsPosition.LabelsOutsideEnd)
        series.setLabelsFormat("@value")
        chart.addSeries(series)
        categories = QBarCategoryAxis()
        categories.append(list(labels))
        categories.setLabelsColor(TEXT)
        categories.setGridLineVisible(False)
        counts = _value_axis(max([*signed, *started], default=0))
        chart.addAxis(categories, Qt.AlignmentFlag.AlignBottom)
        chart.addAxis(counts, Qt.AlignmentFlag.AlignLeft)
        series.attachAxis(categories)
        series.attachAxis(counts)
        self._replace(chart)
