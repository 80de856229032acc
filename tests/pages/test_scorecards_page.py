"""The scorecards page in AppTest on a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import json

from streamlit.testing.v1 import AppTest

PAGE = "pages/scorecards.py"


def _open(app: AppTest) -> AppTest:
    app.switch_page(PAGE).run()
    assert not app.exception, app.exception
    assert app.title[0].value == "Scorecards"
    return app


def test_cards_show_every_segment_with_status_words(app: AppTest):
    _open(app)
    cards = "\n".join(m.value for m in app.markdown)
    for name in ("Enterprise", "Mid", "SMB", "All segments"):
        assert name in cards
    assert "Activation rate" in cards
    assert any(word in cards for word in ("✓ On target", "▲ Near target", "✗ Off target"))
    assert "vs last month" in cards
    labels = {m.label for m in app.metric}
    assert {"Accounts", "Accounts at risk", "Contract value at risk"} <= labels


def test_segment_filter_shows_one_card(app: AppTest):
    _open(app)
    app.selectbox(key="sc_segment").set_value("SMB").run()
    assert not app.exception
    headings = [m.value for m in app.markdown if m.value.startswith("####")]
    assert headings == ["#### SMB"]


def test_what_if_changes_with_the_slider(app: AppTest):
    _open(app)
    app.selectbox(key="sc_whatif_step").set_value(2).run()
    first = {m.label: m.value for m in app.metric}["Extra accounts at first value"]
    slider = app.slider(key="sc_whatif_percent")
    slider.set_value(slider.min).run()
    assert not app.exception
    second = {m.label: m.value for m in app.metric}["Extra accounts at first value"]
    assert first != second


def test_every_chart_and_the_summary_can_be_downloaded(app: AppTest):
    _open(app)
    keys = {b.key for b in app.get("download_button")}
    assert {"sc_summary_md", "sc_summary_pdf", "ttv_png", "ttv_svg", "km_png", "funnel_svg"} <= keys


def _data_names(spec: object) -> set[str]:
    """The data sets a Vega-Lite spec refers to by name, at any depth."""
    if isinstance(spec, list):
        return set().union(*map(_data_names, spec))
    if not isinstance(spec, dict):
        return set()
    data = spec.get("data")
    own = {data["name"]} if isinstance(data, dict) and "name" in data else set()
    return own.union(*(_data_names(v) for k, v in spec.items() if k != "data"))


def test_charts_are_drawn_in_streamlits_theme_with_their_data(app: AppTest):
    """ui/charts.py sends the specs itself (no schema check on a rerun, issue 14): Altair's
    default theme stays out (its 300 px view would fight the stretched width), Streamlit's
    applies, and every data set a chart names travels with it as Arrow."""
    _open(app)
    charts = app.get("vega_lite_chart")
    assert len(charts) >= 6
    for chart in charts:
        spec = json.loads(chart.proto.spec)
        assert "config" not in spec
        assert chart.proto.theme == "streamlit"
        named = _data_names(spec)
        assert named
        assert named <= {d.name for d in chart.proto.datasets}


def test_filters_that_match_nothing_say_what_to_do(app: AppTest):
    _open(app)
    app.multiselect(key="sc_csm").set_value([app.multiselect(key="sc_csm").options[0]]).run()
    assert not app.exception
    app.date_input(key="sc_as_of").set_value("2020-01-01").run()
    assert not app.exception
    assert "No account matches" in app.warning[0].value


def test_deeper_tabs_open_lazily(app: AppTest):
    _open(app)
    for tab in ("A/B comparison", "Attribution", "Backtest", "Cohorts"):
        app.session_state["sc_tab"] = tab
        app.run()
        assert not app.exception, (tab, app.exception)


def test_what_if_survives_switching_to_a_better_step(app: AppTest):
    _open(app)
    count = len(app.selectbox(key="sc_whatif_step").options)
    for step in range(1, count + 1):
        app.selectbox(key="sc_whatif_step").set_value(step).run()
        assert not app.exception, (step, app.exception)
        sliders = [s for s in app.slider if s.key == "sc_whatif_percent"]
        if sliders:  # a step already at 100% shows a note instead
            sliders[0].set_value(sliders[0].min).run()
            assert not app.exception, (step, app.exception)


def test_empty_workspace_says_what_to_do(app: AppTest):
    app.sidebar.text_input(key="new_workspace_name").input("Empty")
    app.sidebar.button[0].click().run()
    _open(app)
    assert "no customer data" in app.info[0].value


def _backtest(app: AppTest) -> AppTest:
    _open(app)
    app.session_state["sc_tab"] = "Backtest"
    app.run()
    assert not app.exception, app.exception
    return app


def test_score_builder_previews_a_change_before_anything_is_saved(app: AppTest):
    _backtest(app)
    infos = " ".join(i.value for i in app.info)
    assert "These are the settings in use" in infos
    headline = {m.label: m.value for m in app.metric}["Accounts at risk"]
    app.number_input(key="sb_pen_ticket_primary").set_value(60).run()
    assert not app.exception, app.exception
    metrics = {m.label: m.value for m in app.metric}
    assert int(metrics["Accounts changing band"].replace(",", "")) > 0
    assert "→" in metrics["Accounts at risk"]
    assert "→" in metrics["Contract value at risk"]
    keys = {b.key for b in app.get("download_button")}
    assert {"sb_toml", "sb_changed_csv"} <= keys
    # Nothing was saved: the cards above still count with the plan in use.
    assert app.metric[1].label == "Accounts at risk"
    assert app.metric[1].value == headline


def test_score_builder_refuses_bands_out_of_order(app: AppTest):
    _backtest(app)
    app.number_input(key="sb_band_executive").set_value(80).run()
    assert not app.exception
    assert any("Keep the bands in order" in w.value for w in app.warning)


def test_score_builder_lists_the_journey_signals_of_the_maps(app: AppTest):
    _backtest(app)
    journey = [n for n in app.number_input if (n.key or "").startswith("sb_js_")]
    # The demo workspace has a map per segment, whose signals can carry penalties here.
    assert journey
    assert all(n.value == 0 for n in journey)


def test_calibration_says_plainly_when_the_history_is_too_small(app: AppTest):
    _backtest(app)
    text = " ".join(i.value for i in app.info)
    assert "too small to calibrate on" in text or "Fitted on the accounts" in " ".join(
        c.value for c in app.caption
    )
