"""The benchmark's DuckDB peer: score and at-risk as plain SQL over the same Parquet files.

Written the way a competent analyst would write it (one CTE per fact, default plan values
inlined); used to check our numbers and to time them. Scorecard and funnel are not written
in SQL yet, so the benchmark compares these two outputs only.
"""

from __future__ import annotations

from pathlib import Path

from core.plan import MeasurementPlan

PLAN = MeasurementPlan()


def _in(names: tuple[str, ...]) -> str:
    return "(" + ", ".join(f"'{n}'" for n in names) + ")"


def _segments() -> str:
    rows = [f"('{k}', {v.ttv_target_days})" for k, v in PLAN.segments.items()]
    return "SELECT * FROM (VALUES " + ", ".join(rows) + ") t(segment, ttv_target_days)"


def _scores(lag: int) -> str:
    """Score of every account started by as_of - lag (lag 0 or 7)."""
    w, p, b = PLAN.window_days, PLAN.penalties, PLAN.bands
    d = f"(as_of - {lag})"
    window = f"dt BETWEEN {d} - {w - 1} AND {d}"
    return (
        f"""
    SELECT a.account_id, a.account_name, a.segment, a.csm, a.contract_value,
           ({d} - a.start_date) AS age_days,
           CASE WHEN f.fv_date <= {d} THEN f.fv_date - a.start_date END AS ttv_days,
           (a.churn_date IS NOT NULL AND a.churn_date <= {d}) AS churned,
           (f.fv_date IS NULL OR f.fv_date > {d}) AND ({d} - a.start_date) > a.ttv_target_days
               AS no_first_value,
           ({d} - a.start_date) >= 30 AND coalesce(u.n, 0) <= 1 AS single_user,
           ({d} - a.start_date) >= 30 AND s.account_id IS NULL AS sponsor_disengaged,
           coalesce(t.tickets, 0) >= 1 AND 2 * coalesce(t.tickets, 0) >= coalesce(t.touches, 0)
               AS ticket_primary
    FROM params CROSS JOIN acc a
    LEFT JOIN fv f ON f.account_id = a.account_id
    LEFT JOIN (SELECT account_id, count(DISTINCT user_id) AS n FROM recent, params
               WHERE {window} AND user_id IS NOT NULL AND user_id <> '' GROUP BY 1) u
        ON u.account_id = a.account_id
    LEFT JOIN (SELECT DISTINCT account_id FROM sponsor, params WHERE {window}) s
        ON s.account_id = a.account_id
    LEFT JOIN (SELECT account_id, count(*) AS touches, count(*) FILTER (channel = 'ticket')
               AS tickets FROM tch, params WHERE {window} GROUP BY 1) t
        ON t.account_id = a.account_id
    WHERE a.start_date <= {d}
    """,
        f"""
    100 - {p.no_first_value} * no_first_value::INT - {p.single_user} * single_user::INT
        - {p.sponsor_disengaged} * sponsor_disengaged::INT
        - {p.ticket_primary} * ticket_primary::INT
    """,
        (b.executive, b.escalate, b.watch),
    )


def run(data: Path, out: Path) -> None:
    import duckdb

    con = duckdb.connect()
    con.sql("SET threads = 2")
    for table in ("accounts", "users", "events", "touches"):
        con.sql(f"CREATE VIEW {table} AS SELECT * FROM read_parquet('{data / table}.parquet')")
    w, ev = PLAN.window_days, PLAN.events
    con.sql("CREATE TEMP TABLE params AS SELECT max(timestamp)::DATE AS as_of FROM events")
    band = """CASE WHEN contract_value < 25000 THEN 'SMB' WHEN contract_value <= 100000
        THEN 'Mid-Market' WHEN contract_value > 100000 THEN 'Enterprise' END"""
    con.sql(f"""CREATE TEMP TABLE acc AS SELECT a.*, s.ttv_target_days
        FROM (SELECT * REPLACE (coalesce(segment, {band}) AS segment) FROM accounts) a
        LEFT JOIN ({_segments()}) s USING (segment), params
        WHERE a.start_date <= as_of""")
    con.sql(f"""CREATE TEMP TABLE fv AS SELECT e.account_id, min(e.timestamp::DATE) AS fv_date
        FROM events e JOIN acc a USING (account_id), params
        WHERE e.event IN {_in(ev.first_value_events)} AND e.timestamp::DATE >= a.start_date
          AND e.timestamp::DATE <= as_of GROUP BY 1""")
    low = f"as_of - {7 + w - 1}"
    con.sql(f"""CREATE TEMP TABLE recent AS SELECT account_id, user_id, timestamp::DATE AS dt
        FROM events, params WHERE timestamp >= {low} AND timestamp < as_of + 1""")
    con.sql(f"""CREATE TEMP TABLE tch AS SELECT account_id, user_id, channel,
        timestamp::DATE AS dt FROM touches, params
        WHERE timestamp >= {low} AND timestamp < as_of + 1""")
    con.sql(f"""CREATE TEMP TABLE sponsor AS
        SELECT DISTINCT x.account_id, x.dt FROM (
            SELECT account_id, user_id, dt FROM recent UNION ALL
            SELECT account_id, user_id, dt FROM tch) x
        JOIN users u ON u.user_id = x.user_id AND u.role = 'exec_sponsor'
        JOIN acc a ON a.account_id = x.account_id
        WHERE x.dt >= a.start_date + {PLAN.kickoff_days}""")
    now, penalty, (ex, es, wa) = _scores(0)
    before, _, _ = _scores(7)
    action = f"""CASE WHEN churned THEN NULL
        WHEN age_days >= {PLAN.min_age_days} AND n.score < {ex} THEN 'executive'
        WHEN age_days >= {PLAN.min_age_days} AND n.score < {es} THEN 'escalate'
        WHEN n.score < {wa} THEN 'watch' ELSE 'healthy' END"""
    signals = """concat_ws(';', CASE WHEN no_first_value THEN 'no_first_value' END,
        CASE WHEN single_user THEN 'single_user' END,
        CASE WHEN sponsor_disengaged THEN 'sponsor_disengaged' END,
        CASE WHEN ticket_primary THEN 'ticket_primary' END)"""
    score = con.sql(f"""
        WITH n AS (SELECT *, greatest(0, {penalty}) AS score FROM ({now})),
             b AS (SELECT account_id, greatest(0, {penalty}) AS score FROM ({before}))
        SELECT n.account_id, account_name, segment, csm, age_days, contract_value, ttv_days,
               n.score, {action} AS action, {signals} AS signals,
               n.score - b.score AS score_delta_7d
        FROM n LEFT JOIN b USING (account_id) ORDER BY account_id""")
    score.write_parquet(str(out / "score.parquet"))
    con.sql(f"""SELECT * FROM read_parquet('{out / "score.parquet"}')
        WHERE action IN ('executive', 'escalate')
        ORDER BY score, contract_value DESC NULLS LAST, account_id""").write_parquet(
        str(out / "at_risk.parquet")
    )
