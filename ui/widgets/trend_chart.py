"""The 开工率 month by month (Qt Charts, as the dashboard's charts): a line through the month
ends, round markers where the value is a frozen 月报快照, and the year's target dashed."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from PySide6.QtCharts import QBarCategoryAxis, QLineSeries, QScatterSeries, QValueAxis
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QPen

from crm.services.trend import TrendPoint
from ui.widgets.charts import ACCENT, GREEN, GRID, TEXT, _chart, _ChartView

TARGET = QColor("#d4380d")


class TrendChart(_ChartView):
    """``set_points``: the months' year-to-date 开工率 (percent) and the target, if any."""

    def set_points(self, points: Sequence[TrendPoint], target: Decimal | None) -> None:
        chart = _chart()
        line = QLineSeries()
        line.setName(self.tr("累计开工率（月末）"))
        line.setPen(QPen(ACCENT, 2.5))
        line.setPointsVisible(True)
        line.setPointLabelsVisible(True)
        line.setPointLabelsFormat("@yPoint%")
        line.setPointLabelsColor(QColor("#1f2329"))
        frozen = QScatterSeries()
        frozen.setName(self.tr("月报快照"))
        frozen.setColor(GREEN)
        frozen.setBorderColor(GREEN)
        frozen.setMarkerSize(11)
        top = 0.0
        for i, p in enumerate(points):
            value = float(round((p.rate or Decimal(0)) * 100, 1))
            top = max(top, value)
            line.append(QPointF(i, value))
            if p.source == "snapshot":
                frozen.append(QPointF(i, value))
        chart.addSeries(line)
        chart.addSeries(frozen)
        goal = None
        if target is not None and points:
            goal = QLineSeries()
            goal.setName(self.tr("目标 {v}%").format(v=f"{target.normalize():f}"))
            pen = QPen(TARGET, 1.5)
            pen.setStyle(Qt.PenStyle.DashLine)
            goal.setPen(pen)
            goal.append(QPointF(0, float(target)))
            goal.append(QPointF(len(points) - 1, float(target)))
            chart.addSeries(goal)
            top = max(top, float(target))
        months = QBarCategoryAxis()
        months.append([self.tr("{m}月").format(m=p.month) for p in points])
        months.setLabelsColor(TEXT)
        months.setGridLineVisible(False)
        rates = QValueAxis()
        ceiling = min(100, (int(top) // 20 + 1) * 20)  # steps of 20%: 0 20 40 60 80
        rates.setRange(0, ceiling)
        rates.setLabelFormat("%d%%")
        rates.setTickCount(ceiling // 20 + 1)
        rates.setGridLineColor(GRID)
        rates.setLabelsColor(TEXT)
        rates.setLineVisible(False)
        chart.addAxis(months, Qt.AlignmentFlag.AlignBottom)
        chart.addAxis(rates, Qt.AlignmentFlag.AlignLeft)
        for series in (line, frozen, goal):
            if series is not None:
                series.attachAxis(months)
                series.attachAxis(rates)
        self._replace(chart)
