"""The one-page scorecard summary an executive takes into a meeting, as Markdown and as PDF.

Names in it (workspace, segments, CSMs, events) were typed by users, so they are escaped
for Markdown (no link, image or table can be smuggled in) and reduced to what the PDF's
built-in font can draw (Latin-1), with control characters removed, before they are written.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

import polars as pl

from core.common.scalars import as_float, as_int
from core.common.text import inert_markdown, one_line
from core.scorecards.bundle import ALL, METRICS, format_change, format_value, money

if TYPE_CHECKING:
    from fpdf import FPDF

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_PDF_REPLACE = {
    "—": "-",
    "–": "-",
    "−": "-",
    "‘": "'",
    "’": "'",
    "“": '"',
    "”": '"',
    "…": "...",
    "✓": "ok",
    "✗": "x",
    "▲": "up",
    "▼": "down",
    "◆": "*",
    "·": "-",
}
SHORT_STATUS = {"on target": "✓ on target", "near": "▲ near", "off": "✗ off", None: ""}
HEADLINE = (
    "ttv_median_days",
    "fv_on_time_rate",
    "activation_rate",
    "user_adoption_rate",
    "completion_rate",
    "early_retention_90d",
    "csat_mean",
    "at_risk_accounts",
    "at_risk_value",
)


def pdf_text(text: object) -> str:
    """Text the PDF core font can draw: known symbols spelled out, the rest replaced."""
    value = "".join(_PDF_REPLACE.get(ch, ch) for ch in str(text))
    value = unicodedata.normalize("NFKC", value)
    value = _CONTROL.sub(" ", value)
    return value.encode("latin-1", "replace").decode("latin-1")


@dataclass(frozen=True)
class Summary:
    """What the summary says: plain values, rendered by to_markdown and to_pdf."""

    title: str
    as_of: date
    previous_as_of: date
    filters: str
    segments: list[str]
    cards: pl.DataFrame  # long frame from core.scorecards.bundle.card_rows
    bottleneck: dict[str, object] | None
    what_if: str | None = None


def _row(cards: pl.DataFrame, segment: str, metric: str) -> dict[str, object] | None:
    rows = cards.filter((pl.col("segment") == segment) & (pl.col("metric") == metric))
    return rows.row(0, named=True) if len(rows) else None


def _cell(row: dict[str, object] | None) -> str:
    if row is None:
        return "—"
    value = format_value(as_float(row["value"]), str(row["kind"]))
    status = SHORT_STATUS.get(str(row["status"]), "")
    return f"{value} {status}".strip()


def headline_lines(summary: Summary) -> list[str]:
    """Plain sentences for the All row (no user text), shared by Markdown and PDF."""
    cards = summary.cards
    get = lambda metric: _row(cards, ALL, metric)  # noqa: E731 - a local shorthand
    value = lambda metric: as_float((get(metric) or {}).get("value"))  # noqa: E731
    lines = [
        f"{format_value(value('accounts'), 'count')} accounts; "
        f"{format_value(value('at_risk_accounts'), 'count')} at risk, worth "
        f"{money(value('at_risk_value'))} in contract value."
    ]
    off = cards.filter((pl.col("segment") == ALL) & (pl.col("status") == "off"))
    if len(off):
        lines.append("Off target: " + ", ".join(off.get_column("label").to_list()) + ".")
    else:
        lines.append("No metric with a target is off target.")
    for metric in ("ttv_median_days", "activation_rate", "at_risk_value"):
        row = get(metric)
        if row is not None:
            better = row["better"] if isinstance(row["better"], bool) else None
            change = format_change(as_float(row["change"]), str(row["kind"]), better=better)
            lines.append(f"{METRICS[metric][0]}: {_cell(row)} ({change} vs last month).")
    return lines


def _columns(summary: Summary) -> list[str]:
    return summary.segments + [ALL] if len(summary.segments) > 1 else summary.segments or [ALL]


def to_markdown(summary: Summary) -> str:
    cols = _columns(summary)
    lines = [
        f"# {inert_markdown(summary.title, 200)}",
        "",
        f"As of **{summary.as_of}**; changes are against **{summary.previous_as_of}**. "
        f"Filters: {inert_markdown(summary.filters, 400)}.",
        "",
        "## Headlines",
        "",
        *[f"- {line}" for line in headline_lines(summary)],
        "",
        "## Metrics against targets",
        "",
        "| Metric | " + " | ".join(inert_markdown(c, 200) for c in cols) + " |",
        "| --- |" + " --- |" * len(cols),
    ]
    for metric in HEADLINE:
        cells = [_cell(_row(summary.cards, c, metric)) for c in cols]
        lines.append(f"| {METRICS[metric][0]} | " + " | ".join(cells) + " |")
    lines += ["", "Status: ✓ on target · ▲ near (within 10%) · ✗ off target.", ""]
    lines += ["## Journey", "", _journey_sentence(summary, inert_markdown)]
    if summary.what_if:
        lines += ["", summary.what_if]
    return "\n".join(lines) + "\n"


def _journey_sentence(summary: Summary, escape: Callable[[object], str]) -> str:
    b = summary.bottleneck
    if not b:
        return "No funnel step has data yet."
    event = escape(b["event"])
    return (
        f"Biggest drop-off: step {b['step']} ({event}) converts "
        f"{as_float(b['step_conversion']) or 0:.0%} of the accounts that reached the step "
        f"before; {as_int(b['dropoff']) or 0:,} accounts stopped there."
    )


def to_pdf(summary: Summary) -> bytes:
    """One A4 page: title, headlines, the metrics table and the journey's bottleneck."""
    from fpdf import FPDF

    pdf = FPDF(orientation="landscape", format="A4")
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 9, pdf_text(one_line(summary.title, 200)), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 9)
    pdf.multi_cell(
        0,
        5,
        pdf_text(
            f"As of {summary.as_of}; changes against {summary.previous_as_of}. "
            f"Filters: {one_line(summary.filters, 400)}."
        ),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(2)
    pdf.set_font("Helvetica", "", 10)
    for line in headline_lines(summary):
        pdf.multi_cell(0, 5.5, pdf_text(f"- {line}"), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    _pdf_table(pdf, summary)
    pdf.ln(2)
    pdf.set_font("Helvetica", "", 10)
    pdf.multi_cell(
        0, 5.5, pdf_text(_journey_sentence(summary, one_line)), new_x="LMARGIN", new_y="NEXT"
    )
    if summary.what_if:
        pdf.multi_cell(0, 5.5, pdf_text(summary.what_if), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _pdf_table(pdf: FPDF, summary: Summary) -> None:
    cols = _columns(summary)
    pdf.set_font("Helvetica", "", 8.5)
    widths = (60, *([200 / max(len(cols), 1)] * len(cols)))
    with pdf.table(col_widths=widths, text_align="LEFT", line_height=5) as table:
        header = table.row()
        for name in ["Metric", *cols]:
            header.cell(pdf_text(one_line(name, 40)))
        for metric in HEADLINE:
            row = table.row()
            row.cell(pdf_text(METRICS[metric][0]))
            for c in cols:
                row.cell(pdf_text(_cell(_row(summary.cards, c, metric))))
    pdf.set_font("Helvetica", "", 8)
    pdf.cell(0, 5, "Status: ok = on target; up = near (within 10%); x = off target.")
    pdf.ln(5)
