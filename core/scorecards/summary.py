"""The one-page scorecard summary an executive takes into a meeting, as Markdown and as PDF.

Names in it (workspace, segments, CSMs, events) were typed by users, so they are made inert
for Markdown (no link, image or table can be smuggled in; the escape is light, so
"Mid-Market" stays as it is) and have their control characters removed for the PDF. The PDF
embeds DejaVu Sans with Droid Sans Fallback for what it lacks (fonts/README.md), so names in
Cyrillic, Greek or CJK script print as written; it holds the headlines, the scorecard status
table and the two key charts (time to first value and the journey funnel) the page passes in.
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

import polars as pl

from core.common.picture import FONT_DIR
from core.common.scalars import as_float, as_int
from core.common.text import inert_markdown, one_line
from core.scorecards.bundle import ALL, METRICS, format_change, format_value, money

if TYPE_CHECKING:
    from fpdf import FPDF

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
FONT = "DejaVu"
FALLBACK_FONTS = {"DroidFallback": "DroidSansFallbackFull.ttf", "NanumSquare": "NanumSquareR.ttf"}
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
    """Text for the PDF: composed (NFC) so accents sit on their letters, control characters
    as spaces; every script stays as written (the embedded fonts draw it)."""
    return _CONTROL.sub(" ", unicodedata.normalize("NFC", str(text)))


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
    charts: tuple[tuple[str, bytes], ...] = ()
    """(title, PNG) of the charts the PDF shows side by side under the table."""


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


def _fonts(pdf: FPDF) -> None:
    pdf.add_font(FONT, "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font(FONT, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    for name, file in FALLBACK_FONTS.items():  # Chinese and Japanese; Korean
        pdf.add_font(name, "", str(FONT_DIR / file))
    pdf.set_fallback_fonts(list(FALLBACK_FONTS), exact_match=False)


def to_pdf(summary: Summary) -> bytes:
    """One A4 page: title, headlines, the scorecard status table, the journey's bottleneck
    and the two key charts."""
    from fpdf import FPDF

    pdf = FPDF(orientation="landscape", format="A4")
    pdf.set_margins(12, 10, 12)
    pdf.set_auto_page_break(auto=False)
    _fonts(pdf)
    pdf.add_page()
    pdf.set_font(FONT, "B", 15)
    pdf.cell(0, 8, pdf_text(one_line(summary.title, 200)), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 8.5)
    pdf.multi_cell(
        0,
        4.5,
        pdf_text(
            f"As of {summary.as_of}; changes against {summary.previous_as_of}. "
            f"Filters: {one_line(summary.filters, 400)}."
        ),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(1.5)
    pdf.set_font(FONT, "", 9)
    for line in headline_lines(summary):
        pdf.multi_cell(0, 4.8, pdf_text(f"• {line}"), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1.5)
    _pdf_table(pdf, summary)
    pdf.set_font(FONT, "", 9)
    journey = [_journey_sentence(summary, one_line)]
    if summary.what_if:
        journey.append(summary.what_if)
    for line in journey:
        pdf.multi_cell(0, 4.8, pdf_text(line), new_x="LMARGIN", new_y="NEXT")
    _pdf_charts(pdf, summary.charts)
    return bytes(pdf.output())


def _pdf_table(pdf: FPDF, summary: Summary) -> None:
    cols = _columns(summary)
    pdf.set_font(FONT, "", 7.5)
    widths = (58, *([215 / max(len(cols), 1)] * len(cols)))
    with pdf.table(col_widths=widths, text_align="LEFT", line_height=4.2) as table:
        header = table.row()
        for name in ["Metric", *cols]:
            header.cell(pdf_text(one_line(name, 40)))
        for metric in HEADLINE:
            row = table.row()
            row.cell(pdf_text(METRICS[metric][0]))
            for c in cols:
                row.cell(pdf_text(_cell(_row(summary.cards, c, metric))))
    pdf.set_font(FONT, "", 7.5)
    pdf.cell(
        0,
        4.5,
        "Status: ✓ on target · ▲ near (within 10%) · ✗ off target",
        new_x="LMARGIN",
        new_y="NEXT",
    )


def _pdf_charts(pdf: FPDF, charts: tuple[tuple[str, bytes], ...]) -> None:
    """The charts side by side in what is left of the page, each kept in proportion."""
    if not charts:
        return
    top = pdf.get_y() + 2
    height = pdf.h - pdf.b_margin - top
    if height < 30:
        return
    gap = 6
    width = (pdf.w - pdf.l_margin - pdf.r_margin - gap * (len(charts) - 1)) / len(charts)
    for i, (title, png) in enumerate(charts):
        x = pdf.l_margin + i * (width + gap)
        pdf.image(
            io.BytesIO(png), x=x, y=top, w=width, h=height, keep_aspect_ratio=True, alt_text=title
        )
