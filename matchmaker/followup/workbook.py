"""The report workbook as people read it: human headers in the chosen language with their
units, percentages as percentages, column widths and a frozen header row.

:func:`write_report` writes the sheets of :func:`matchmaker.followup.report.export_xlsx`
(the funnel, the conversion steps, the breakdowns by event and by chain).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from openpyxl.utils import get_column_letter

from matchmaker.errors import DataError

__all__ = ["HEADERS", "SHEETS", "write_report"]

# column or measure -> (English, Chinese); counts say what they count, rates what of.
HEADERS: dict[str, tuple[str, str]] = {
    "measure": ("Measure", "指标"),
    "value": ("Value", "数值"),
    "events": ("Events", "活动（场）"),
    "invited": ("Invitations (organisations)", "邀请（家次）"),
    "attended": ("Attended (organisations)", "到场（家次）"),
    "attended_external": ("Attended from outside the city (organisations)", "市外到场（家次）"),
    "meetings_held": ("Meetings held", "已举行洽谈（场）"),
    "deals_intent": ("Deals at intent (deals)", "合作意向（项目）"),
    "deals_in_progress": ("Deals in progress (deals)", "推进中（项目）"),
    "deals_signed": ("Deals signed (deals)", "已签约（项目）"),
    "deals_dropped": ("Deals dropped (deals)", "已终止（项目）"),
    "orgs_with_deal": ("Organisations with a deal (organisations)", "有项目的机构（家）"),
    "step": ("Step", "环节"),
    "organisations": ("Organisations", "机构（家）"),
    "rate": ("Share of the step before", "占上一环节比例"),
    "overall": ("Share of those who attended", "占到场机构比例"),
    "met": ("Met a partner", "参加了洽谈"),
    "intent": ("Reached an intent", "达成合作意向"),
    "in_progress": ("Project in progress", "项目推进中"),
    "signed": ("Signed", "已签约"),
    "event_id": ("Event", "活动编号"),
    "name": ("Name", "名称"),
    "date": ("Date", "日期"),
    "chain": ("Chain", "产业链"),
    "rate_met": ("Met a partner (% of attended)", "参加洽谈（占到场）"),
    "rate_intent": ("Reached an intent (% of those who met)", "达成意向（占参加洽谈）"),
    "rate_in_progress": ("In progress (% of intents)", "推进中（占达成意向）"),
    "rate_signed": ("Signed (% of in progress)", "已签约（占推进中）"),
}
SHEETS = {
    "funnel": ("Funnel", "漏斗"),
    "conversion": ("Conversion", "转化"),
    "by_event": ("By event", "按活动"),
    "by_chain": ("By chain", "按产业链"),
}
_PERCENT = {"rate", "overall", "rate_met", "rate_intent", "rate_in_progress", "rate_signed"}


def _label(key, lang: str) -> str:
    pair = HEADERS.get(key)
    return pair[0 if lang == "en" else 1] if pair else str(key)


def write_report(path: Path, frames: dict[str, pd.DataFrame], lang: str = "en") -> Path:
    """Write ``frames`` (by sheet id of :data:`SHEETS`) as a formatted workbook.

    Rates are stored as fractions and shown as percentages (``0.0%``); the ``measure`` and
    ``step`` values are translated too. Raises :class:`DataError` for a language other than
    en / zh.
    """
    if lang not in ("en", "zh"):
        raise DataError(f"report language {lang!r} is not supported; use en or zh")
    with pd.ExcelWriter(path, engine="openpyxl") as xl:
        for sheet_id, frame in frames.items():
            frame = frame.copy()
            for col in ("measure", "step"):
                if col in frame:
                    frame[col] = frame[col].map(lambda v: _label(v, lang))
            percent = [i for i, c in enumerate(frame.columns, start=1) if c in _PERCENT]
            frame.columns = [_label(c, lang) for c in frame.columns]
            name = SHEETS[sheet_id][0 if lang == "en" else 1]
            frame.to_excel(xl, sheet_name=name, index=False)
            sheet = xl.sheets[name]
            sheet.freeze_panes = "A2"
            for i, col in enumerate(frame.columns, start=1):
                values = [str(col), *(str(v) for v in frame.iloc[:, i - 1].head(200))]
                wide = max(len(v) * (2 if lang == "zh" else 1) for v in values)
                sheet.column_dimensions[get_column_letter(i)].width = min(max(10, wide + 2), 60)
                if i in percent:
                    for (cell,) in sheet.iter_rows(min_row=2, min_col=i, max_col=i):
                        cell.number_format = "0.0%"
    return path
