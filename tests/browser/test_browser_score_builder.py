"""Issue 15 in headless Chromium: the score builder's preview and the calibration beside it,
and the fixes seen in the browser (at-risk columns and the account name, CSM load, A/B
table, headers in words, cohorts, what-if, the PDF and Markdown summaries).

The grids are canvases; Glide draws an accessible table for the columns in view, so the
headers (th) and raw cells (td) a test reads are those a person sees without scrolling.
"""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl
from playwright.sync_api import Locator, Page, Position, expect

from tests.support.browser import (
    drawn,
    expect_no_errors,
    keyed,
    main_heading,
    metric_value,
    open_page,
    wait_for_run_to_end,
)

SCORECARDS = "/scorecards"
AT_RISK = "/at_risk"
IDENTIFIER = re.compile(r"^[a-z]+(_[a-z0-9]+)+$")


def _tab(page: Page, name: str) -> None:
    page.get_by_role("tab", name=name).click()


def _grid(page: Page, header: str) -> Locator:
    """The dataframe whose headers in view include `header`, scrolled into view; the locator
    holds on to it by position, so it still finds it once that column is scrolled away."""
    grids = page.get_by_test_id("stDataFrame")
    found = grids.filter(has=page.locator("th", has_text=re.compile(f"^{re.escape(header)}$")))
    found.first.scroll_into_view_if_needed()
    index = found.first.evaluate(
        "el => [...document.querySelectorAll('[data-testid=stDataFrame]')].indexOf(el)"
    )
    return grids.nth(index)


def _texts(grid: Locator, cell: str) -> list[str]:
    return grid.locator(cell).evaluate_all("els => els.map(e => e.textContent)")


def _headers(grid: Locator) -> list[str]:
    return _texts(grid, "th")


def _preview_metric(page: Page, label: str) -> Locator:
    """A metric of the score builder's preview ("before → after"), as the current run drew it."""
    metric = page.get_by_test_id("stMetric").filter(has_text=label).filter(has_text="→")
    return drawn(page, metric).first.get_by_test_id("stMetricValue")


def _set_number(page: Page, key: str, value: int) -> None:
    box = keyed(page, key).locator("input")
    box.fill(str(value))
    box.press("Enter")


def _download(page: Page, key: str, button: str, folder: Path) -> Path:
    """Click a download once the run that drew it has ended: a chart's file is made when
    clicked, from what that run registered, and a click on a button a later run replaces
    brought no file (seen once in a full run, right after the page opened)."""
    expect(keyed(page, key).get_by_role("button", name=button)).to_be_visible()
    wait_for_run_to_end(page)
    with page.expect_download() as download:
        keyed(page, key).get_by_role("button", name=button).click()
    saved = folder / download.value.suggested_filename
    download.value.save_as(saved)
    return saved


# ------------------------------------------------------------------ score builder


def test_score_builder_previews_a_change_before_saving(
    server: str, page: Page, tmp_path: Path
) -> None:
    open_page(page, f"{server}{SCORECARDS}", "Scorecards")
    _tab(page, "Backtest")
    expect(page.get_by_text("These are the settings in use")).to_be_visible()
    at_risk_now = metric_value(page, "Accounts at risk").inner_text()

    _set_number(page, "sb_pen_ticket_primary", 60)
    moved = metric_value(page, "Accounts changing band")
    expect(moved).to_have_text(re.compile(r"^[1-9][\d,]*$"))
    expect(_preview_metric(page, "Contract value at risk")).to_contain_text("$")
    preview = _preview_metric(page, "Accounts at risk")
    expect(preview).to_contain_text("→")
    # Nothing is saved: the headline at the top still counts with the plan in use.
    assert preview.inner_text().startswith(at_risk_now)
    changed = _grid(page, "Band with the change")
    assert _headers(changed)[:3] == ["Account", "Segment", "CSM"]
    expect_no_errors(page)

    plan = _download(page, "sb_toml", "Download these settings", tmp_path).read_text()
    assert "ticket_primary = 60" in plan
    assert "[[signals]]" in plan  # the demo maps' signals travel with the plan

    _set_number(page, "sb_band_executive", 90)
    expect(page.get_by_text("Keep the bands in order")).to_be_visible()
    expect_no_errors(page)


def test_calibration_puts_its_suggestion_into_the_builder(server: str, page: Page) -> None:
    open_page(page, f"{server}{SCORECARDS}", "Scorecards")
    _tab(page, "Backtest")
    expect(page.get_by_role("heading", name="Calibration from the backtest")).to_be_visible()
    figures = _grid(page, "Measure (later cohorts, 95% interval)")
    cells = _texts(figures, "td")
    assert any(re.fullmatch(r"\d+% \(\d+%–\d+%\)", c) for c in cells), cells
    penalties = _grid(page, "Suggested penalty")
    assert _headers(penalties)[:3] == ["Signal", "Penalty now", "Suggested penalty"]
    rows = _texts(penalties, "td")
    suggested = {rows[i]: rows[i + 2] for i in range(0, len(rows) - 3, 4)}
    use = keyed(page, "sb_use_suggestion").get_by_role("button")
    if use.count() == 0:  # the current penalties are the best fit already
        expect(page.get_by_text("already the best fit")).to_be_visible()
        return
    use.click()
    expect(metric_value(page, "Accounts changing band")).to_be_visible()
    expect(keyed(page, "sb_pen_sponsor_disengaged").locator("input")).to_have_value(
        suggested["Sponsor disengaged"]
    )
    expect_no_errors(page)


# ------------------------------------------------------------------ at-risk list


def test_at_risk_columns_a_csm_reads_first_fit_and_the_name_opens_the_account(
    server: str, page: Page
) -> None:
    open_page(page, f"{server}{AT_RISK}", "At-risk accounts")
    table = keyed(page, "ar_table")
    table.get_by_test_id("data-grid-canvas").wait_for()
    first = ["Account", "Health score", "Action", "Why (penalties)", "Recommended play"]
    first += ["Play owner", "Risk state"]
    expect(table.locator("th").nth(6)).to_have_text("Risk state")  # the grid is drawn
    assert _headers(table)[:7] == first
    # At 1400 pixels, those seven end before the grid's right edge: no scrolling needed.
    from ui.at_risk.listing import COLUMNS

    widths = [COLUMNS[c]["width"] for c in ("account_name", "score", "action", "reasons")]
    widths += [COLUMNS[c]["width"] for c in ("play", "play_owner", "risk_state")]
    box = table.bounding_box()
    assert box is not None
    assert sum(widths) + 40 <= box["width"]  # 40: the row-selection column
    cells = _texts(table, "td")
    assert "None" not in cells
    assert not any(c.startswith("No play defined yet") for c in cells)

    # The name cell of the first row, past the selection column (about 32 pixels).
    name_cell: Position = {"x": 32 + 60, "y": 35 + 17}
    table.hover(position=name_cell)
    table.click(position=name_cell)
    picked = keyed(page, "ar_account").locator("input[role='combobox']")
    expect(picked).to_have_value(re.compile(r"^ACC-"))
    name = picked.input_value().split(" · ", 1)[1]
    expect(page.get_by_test_id("stMainBlockContainer").locator("h3").first).to_have_text(name)
    expect_no_errors(page)


def test_csm_load_bars_carry_their_csm_segment_and_status(
    server: str, page: Page, tmp_path: Path
) -> None:
    open_page(page, f"{server}{AT_RISK}", "At-risk accounts")
    _tab(page, "CSM load")
    svg = _download(page, "csm_load_svg", "SVG", tmp_path).read_text()
    # One bar per (CSM, segment), labelled with both: no bar drawn beside another's name.
    assert re.search(r">[^<]+ · (Enterprise|Mid-Market|SMB)<", svg)
    assert "yOffset" not in svg
    assert re.search(r"(▲ over|✓ within|▼ under)", svg)  # the status in a symbol and a word
    grid = _grid(page, "Against the segment ratio")
    assert not any(IDENTIFIER.match(h) for h in _headers(grid))
    expect_no_errors(page)


# ------------------------------------------------------------------ scorecards tables


def test_ab_comparison_reads_in_words(server: str, page: Page) -> None:
    open_page(page, f"{server}{SCORECARDS}", "Scorecards")
    _tab(page, "A/B comparison")
    grid = _grid(page, "Journey variant")
    headers = _headers(grid)
    assert headers[:4] == ["Metric", "Journey variant", "Accounts", "Rate"]
    assert not any(IDENTIFIER.match(h) for h in headers), headers
    cells = _texts(grid, "td")
    assert "None" not in cells
    assert {"Activation rate", "First value on time"} <= set(cells)
    # The p-values are to the right: scroll the grid there and read them as written.
    grid.hover(position={"x": 300, "y": 60})
    page.mouse.wheel(3000, 0)
    expect(grid.locator("th", has_text="p-value")).to_have_count(1)
    p_values = [c for c in _texts(grid, "td") if re.fullmatch(r"< 0\.001|[01]\.\d{3}", c)]
    assert p_values, _texts(grid, "td")
    expect_no_errors(page)


def test_backtest_and_funnel_tables_have_words_for_headers(server: str, page: Page) -> None:
    open_page(page, f"{server}{SCORECARDS}", "Scorecards")
    page.get_by_text("Funnel table").click()
    funnel = _grid(page, "Step conversion")
    assert not any(IDENTIFIER.match(h) for h in _headers(funnel)), _headers(funnel)
    _tab(page, "Backtest")
    signals = _grid(page, "Churn rate when fired")
    assert not any(IDENTIFIER.match(h) for h in _headers(signals)), _headers(signals)
    assert "Tickets as main channel" in _texts(signals, "td")
    segments = _grid(page, "Precision")
    assert not any(IDENTIFIER.match(h) for h in _headers(segments)), _headers(segments)
    expect_no_errors(page)


def test_cohort_rates_wait_for_old_enough_accounts(server: str, page: Page, tmp_path: Path) -> None:
    open_page(page, f"{server}{SCORECARDS}", "Scorecards")
    _tab(page, "Cohorts")
    expect(page.get_by_text("at least half of its accounts are old enough")).to_be_visible()
    table = pl.read_csv(_download(page, "sc_cohort_csv", "Download the cohort table", tmp_path))
    newest = table.filter(pl.col("cohort") != "All").sort("cohort").tail(1)
    assert newest["completion_rate"].item() is None  # not 0%: nobody can be judged yet
    assert table.filter(pl.col("cohort") == "All")["completion_rate"].item() is not None
    expect_no_errors(page)


def test_what_if_counts_whole_accounts_and_explains_later_steps(server: str, page: Page) -> None:
    open_page(page, f"{server}{SCORECARDS}", "Scorecards")
    extra = metric_value(page, "Extra accounts at first value")
    expect(extra).to_have_text(re.compile(r"^[+−-]?\d[\d,]*$"))  # no "+70.1"
    step = keyed(page, "sc_whatif_step").locator("input[role='combobox']")
    step.click()
    step.press_sequentially("6. qbr")  # the list filters to the last step as it is typed
    option = page.get_by_role("option", name=re.compile(r"^6\. "))
    expect(option).to_be_visible()
    option.click()
    expect(page.get_by_text(re.compile(r"^Step 6 comes after first value"))).to_be_visible()
    expect(metric_value(page, "Extra accounts at first value")).to_have_text("+0")
    expect_no_errors(page)


def test_summaries_print_the_table_charts_and_plain_names(
    server: str, page: Page, tmp_path: Path
) -> None:
    open_page(page, f"{server}{SCORECARDS}", "Scorecards")
    expect(main_heading(page)).to_have_text("Scorecards")
    pdf = _download(page, "sc_summary_pdf", "Summary (PDF)", tmp_path).read_bytes()
    assert pdf.startswith(b"%PDF")
    assert b"/Count 1" in pdf  # one page
    assert pdf.count(b"/Subtype /Image") == 2  # time to first value and the funnel
    assert b"DejaVuSans" in pdf  # a Unicode font: Cyrillic, Greek and CJK names print
    text = _download(page, "sc_summary_md", "Summary (Markdown)", tmp_path).read_text()
    assert "| Metric | Enterprise | Mid-Market | SMB | All |" in text
    assert "\\" not in text  # no needless escapes ("Mid\\-Market", "qbr\\_completed")
    expect_no_errors(page)


# ------------------------------------------------------------------ refused import, in words


def test_import_problems_name_kept_tables_in_words(server: str, page: Page, tmp_path: Path) -> None:
    """A refused import (nothing changes): the accounts file's own problem with the number as
    written, then the kept events' problems by table and stored row, no internal file name."""
    open_page(page, f"{server}/data", "Data")
    accounts = tmp_path / "accounts.csv"
    accounts.write_text(
        "account_id,account_name,segment,contract_value,start_date,licensed_seats,csm,churn_date\n"
        "ZZ-1,Zed,SMB,-5000,2026-01-01,3,Kim,\n"
    )
    page.get_by_role("tab", name="Import").click()
    uploader = page.get_by_test_id("stFileUploader").filter(has_text="Table files")
    uploader.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(accounts))
    page.get_by_role("button", name="Check and load").click()
    lines = page.get_by_test_id("stText")
    expect(lines.first).to_have_text(
        "accounts.csv, row 1, column contract_value, value '-5000': must be 0 or more"
    )
    expect(lines.nth(1)).to_have_text(
        re.compile(
            r"^Events already loaded, column account_id: unknown account_id \(not in the "
            r"accounts table\) \(also in [\d,]+ more rows, not listed\)$"
        )
    )
    expect(lines.nth(2)).to_have_text(
        re.compile(
            r"^Events already loaded, stored row 1, column account_id, value 'ACC-\d+': "
            r"unknown account_id \(not in the accounts table\)$"
        )
    )
    kinds = _grid(page, "First row")
    assert _headers(kinds) == ["File or table", "Column", "Problem", "Rows", "First row"]
    problems = _grid(page, "Value")
    assert _headers(problems)[:5] == ["File or table", "Row", "Column", "Value", "Problem"]
    main = page.get_by_test_id("stMain")
    expect(main).not_to_contain_text("(current")
    expect(main).not_to_contain_text(".parquet")
    expect(main).not_to_contain_text("-5000.0")


# ------------------------------------------------------------------ plan versions (last: they
# change the demo workspace's plan, and end with its first version's settings restored)


def _fill(page: Page, key: str, text: str) -> None:
    box = keyed(page, key).locator("input")
    box.fill(text)
    box.press("Enter")
    expect(keyed(page, key).locator("input")).to_have_value(text)


def _penalty(page: Page, name: str) -> Locator:
    return keyed(page, f"sb_pen_{name}").locator("input")


def _history(page: Page) -> list[str]:
    return _texts(_grid(page, "Saved by"), "td")


def _pick_version(page: Page, number: int) -> None:
    """Choose a version in the history's picker, once the run that drew it has ended (a
    rerun closes an open list)."""
    wait_for_run_to_end(page)
    pick = keyed(page, "sb_version_pick").locator("input[role='combobox']")
    pick.click()
    pick.press_sequentially(f"Version {number}")
    option = page.get_by_role("option", name=re.compile(f"^Version {number}$"))
    expect(option).to_be_visible()
    option.click()
    expect(keyed(page, "sb_restore").get_by_role("button")).to_have_text(
        re.compile(f"Restore version {number}…$")
    )


def _toast(page: Page, text: str) -> None:
    expect(page.get_by_test_id("stToast").filter(has_text=text)).to_be_visible()


def test_score_builder_saves_a_version_and_restores_an_earlier_one(
    server: str, page: Page, tmp_path: Path
) -> None:
    open_page(page, f"{server}{SCORECARDS}", "Scorecards")
    _tab(page, "Backtest")
    expect(page.get_by_text("These are the settings in use")).to_be_visible()
    save = keyed(page, "sb_save").get_by_role("button")
    expect(save).to_have_text(re.compile("Save as version 2$"))
    expect(save).to_be_disabled()  # nothing changed yet

    _set_number(page, "sb_pen_ticket_primary", 35)
    expect(metric_value(page, "Accounts changing band")).to_have_text(re.compile(r"^\d[\d,]*$"))
    _fill(page, "sb_author", "Priya")
    _fill(page, "sb_note", "Tickets weigh more")
    keyed(page, "sb_save").get_by_role("button").click()
    _toast(page, "Settings saved as version 2 by Priya.")
    expect(page.get_by_text("These are the settings in use")).to_be_visible()
    expect(keyed(page, "sb_save").get_by_role("button")).to_have_text(
        re.compile("Save as version 3$")
    )
    history = _history(page)
    assert history[:5] == ["2", "Priya", history[2], "Tickets weigh more", "✓ in use"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", history[2])
    expect_no_errors(page)

    page.reload()  # the saved version is the plan in use
    expect(main_heading(page)).to_have_text("Scorecards")
    _tab(page, "Backtest")
    expect(_penalty(page, "ticket_primary")).to_have_value("35")

    _pick_version(page, 1)
    restore = keyed(page, "sb_restore").get_by_role("button")
    expect(restore).to_have_text(re.compile("Restore version 1…$"))
    restore.click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Version 1's settings become version 3")
    dialog.locator(".st-key-sb_restore_author input").fill("Lee")
    dialog.locator(".st-key-sb_restore_author input").press("Enter")
    dialog.get_by_role("button", name="Restore version 1").click()
    _toast(page, "Version 1 restored as version 3 by Lee.")
    expect(dialog).to_have_count(0)
    expect(_penalty(page, "ticket_primary")).to_have_value("15")
    # The history as the run after the restore drew it: its third row's cells are there.
    cells = _grid(page, "Saved by").locator("td")
    expect(cells.first).to_have_text("3")
    cells.nth(10).wait_for(state="attached")  # glide keeps its cells in a hidden table
    rows = _history(page)
    assert [rows[i] for i in (0, 5, 10)] == ["3", "2", "1"]
    assert rows[1] == "Lee"
    assert rows[3] == "Restored version 1"
    expect_no_errors(page)

    # A plan file: previewed like the builder, saved as the next version; a bad one names
    # its line.
    page.get_by_test_id("stExpander").filter(has_text="Upload a plan file").locator(
        "summary"
    ).click()
    good = tmp_path / "tickets.toml"
    good.write_text("[penalties]\nticket_primary = 50\n")
    drop = '[data-testid="stFileUploaderDropzoneInput"]'
    keyed(page, "sb_upload_0").locator(drop).set_input_files(str(good))
    expect(_preview_metric(page, "Accounts at risk")).to_contain_text("→")
    keyed(page, "sb_save_file").get_by_role("button").click()
    _toast(page, "tickets.toml saved as version 4")
    expect(_penalty(page, "ticket_primary")).to_have_value("50")
    bad = tmp_path / "bad.toml"
    bad.write_text("[penalties]\nticket_primary = 'high'\n")
    keyed(page, "sb_upload_1").locator(drop).set_input_files(str(bad))
    expect(page.get_by_test_id("stAlertContentError")).to_contain_text(
        "bad.toml, line 2: penalties.ticket_primary must be a whole number, got 'high'."
    )

    # Back to the first version's settings for whatever runs next on this server.
    _pick_version(page, 1)
    keyed(page, "sb_restore").get_by_role("button").click()
    page.get_by_role("dialog").get_by_role("button", name="Restore version 1").click()
    _toast(page, "Version 1 restored as version 5")
    expect(_penalty(page, "ticket_primary")).to_have_value("15")
