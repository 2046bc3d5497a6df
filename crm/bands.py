"""Size bands of a project by its 计划总投资 (issue 19): 亿元以上, 10亿元以上, 20亿元以上, 50亿元以上.

Each band is "以上" in the assessment schemes' sense: its floor is inclusive (a project of
exactly 10 亿元 is 10亿元以上) and the bands nest (a 25 亿元 project is in 亿元以上, 10亿元以上
and 20亿元以上). 重点项目 (``Project.is_key``) is the first band: 计划总投资 ≥ 1 亿元.
"""

from __future__ import annotations

from decimal import Decimal

from crm.errors import ValidationError

# (code, name, floor in 万元, inclusive)
BANDS: tuple[tuple[str, str, Decimal], ...] = (
    ("1yi", "亿元以上", Decimal(10_000)),
    ("10yi", "10亿元以上", Decimal(100_000)),
    ("20yi", "20亿元以上", Decimal(200_000)),
    ("50yi", "50亿元以上", Decimal(500_000)),
)
BAND_NAMES = {code: name for code, name, _ in BANDS}
BAND_FLOORS = {code: floor for code, _, floor in BANDS}
KEY_BAND = "1yi"  # 重点项目


def band_of(planned: Decimal | None) -> str | None:
    """The highest band whose floor ``planned`` (万元) reaches, or None (under 1 亿元)."""
    found = None
    for code, _name, floor in BANDS:
        if planned is not None and planned >= floor:
            found = code
    return found


def band_name(planned: Decimal | None) -> str:
    """The name of :func:`band_of` (``""`` under 1 亿元): what a report column shows."""
    code = band_of(planned)
    return BAND_NAMES[code] if code else ""


def resolve_band(text: str | None) -> str | None:
    """A band from what a person types: its code (``10yi``) or name (``10亿元以上``, ``10亿``)."""
    if not text:
        return None
    key = text.strip().replace("元", "").replace("以上", "")
    for code, name, _ in BANDS:
        if key in (code, name.replace("元", "").replace("以上", "")):
            return code
    names = "、".join(n for _, n, _ in BANDS)
    raise ValidationError(f"未知规模档次“{text}”（可选：{names}）", code="band.unknown",
                          field="band")
