"""The benchmark's DuckDB peer: score, at-risk, scorecard and funnel as plain SQL.

Written the way a competent analyst would write it over the same Parquet files: one temp
table per fact, the default measurement plan's values inlined, then one query per output.
Used to check our numbers (docs/metrics.md definitions) and to time them.
"""

from __future__ import annotations

from pathlib import Path

from core.model.plan import MeasurementPlan

PLAN = MeasurementPlan()
EV = PLAN.events
W = PLAN.window_days


def _in(names: tuple[str, ...]) -> str:
    return "(" + ", ".join(f"'{n}'" for n in names) + ")"


def _segments() -> str:
    rows = [
        f"('{k}', {v.ttv_target_days}, {v.duration_target_days})" for k, v in PLAN.segments.items()
    ]
    return (
        "SELECT * FROM (VALUES " + ", ".join(rows) + ") t(segment, ttv_target_days, "
        "duration_target_days)"
    )


def _scores(lag: int) -> str:
    """Facts and fired signals of every account started by as_of - lag (lag 0 or 7)."""
    d = f"(as_of - {lag})"
    window = f"dt BETWEEN {d} - {W - 1} AND {d}"
    return f"""
    SELECT a.account_id, a.account_name, a.segment, a.csm, a.contract_value, a.start_date,
           a.churn_date, a.licensed_seats, a.ttv_target_days, a.duration_target_days,
           ({d} - a.start_date) AS age_days,
           CASE WHEN f.fv_date <= {d} THEN f.fv_date - a.start_date END AS ttv_days,
           (a.churn_date IS NOT NULL AND a.churn_date <= {d}) AS churned,
           coalesce(u.n, 0) AS active_users,
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
    """


PENALTY = f"""greatest(0, 100 - {PLAN.penalties.no_first_value} * no_first_value::INT
    - {PLAN.penalties.single_user} * single_user::INT
    - {PLAN.penalties.sponsor_disengaged} * sponsor_disengaged::INT
    - {PLAN.penalties.ticket_primary} * ticket_primary::INT)"""
ACTION = f"""CASE WHEN churned THEN NULL
    WHEN age_days >= {PLAN.min_age_days} AND score < {PLAN.bands.executive} THEN 'executive'
    WHEN age_days >= {PLAN.min_age_days} AND score < {PLAN.bands.escalate} THEN 'escalate'
    WHEN score < {PLAN.bands.watch} THEN 'watch' ELSE 'healthy' END"""
SIGNALS = """concat_ws(';', CASE WHEN no_first_value THEN 'no_first_value' END,
    CASE WHEN single_user THEN 'single_user' END,
    CASE WHEN sponsor_disengaged THEN 'sponsor_disengaged' END,
    CASE WHEN ticket_primary THEN 'ticket_primary' END)"""


def _load(con: object, data: Path) -> None:
    """Views over the files, then the per-account facts every output shares."""
    sql = con.sql  # type: ignore[attr-defined]
    for table in ("accounts", "users", "events", "touches"):
        sql(f"CREATE VIEW {table} AS SELECT * FROM read_parquet('{data / table}.parquet')")
    facts(con)


def facts(con: object, as_of: str | None = None, *, names: bool = True) -> None:
    """The per-account facts every output shares, over views named accounts, users, events
    and touches in the normalised schema; as_of 'YYYY-MM-DD', else the latest event's date.
    Without `names` the distinct event names (the scorecard's, not the score's) are skipped."""
    sql = con.sql  # type: ignore[attr-defined]
    if as_of is None:
        sql("CREATE TEMP TABLE params AS SELECT max(timestamp)::DATE AS as_of FROM events")
    else:
        sql(f"CREATE TEMP TABLE params AS SELECT DATE '{as_of}' AS as_of")
    band = """CASE WHEN contract_value < 25000 THEN 'SMB' WHEN contract_value <= 100000
        THEN 'Mid-Market' WHEN contract_value > 100000 THEN 'Enterprise' END"""
    sql(f"""CREATE TEMP TABLE acc AS SELECT a.* REPLACE (coalesce(a.account_name, a.account_id)
            AS account_name), s.ttv_target_days, s.duration_target_days
        FROM (SELECT * REPLACE (coalesce(segment, {band}) AS segment) FROM accounts) a
        LEFT JOIN ({_segments()}) s USING (segment), params
        WHERE a.start_date <= as_of""")
    keys = tuple(dict.fromkeys(EV.first_value_events + EV.activation_events + EV.milestone_events))
    sql(f"""CREATE TEMP TABLE keyev AS SELECT e.account_id, e.event, e.timestamp
        FROM events e JOIN acc a USING (account_id), params
        WHERE e.event IN {_in(keys)} AND e.timestamp::DATE >= a.start_date
          AND e.timestamp::DATE <= as_of""")
    sql("""CREATE TEMP TABLE firsts AS SELECT account_id, event, min(timestamp) AS first_at
        FROM keyev GROUP BY 1, 2""")
    sql(f"""CREATE TEMP TABLE fv AS SELECT account_id, min(first_at)::DATE AS fv_date
        FROM firsts WHERE event IN {_in(EV.first_value_events)} GROUP BY 1""")
    if names:
        sql("""CREATE TEMP TABLE names AS SELECT DISTINCT event FROM events, params
            WHERE timestamp::DATE <= as_of""")
    low = f"as_of - {7 + W - 1}"
    sql(f"""CREATE TEMP TABLE recent AS SELECT account_id, user_id, event,
        timestamp::DATE AS dt FROM events, params
        WHERE timestamp >= {low} AND timestamp < as_of + 1""")
    sql(f"""CREATE TEMP TABLE tch AS SELECT account_id, user_id, channel,
        timestamp::DATE AS dt FROM touches, params
        WHERE timestamp >= {low} AND timestamp < as_of + 1""")
    sql(f"""CREATE TEMP TABLE sponsor AS
        SELECT DISTINCT x.account_id, x.dt FROM (
            SELECT account_id, user_id, dt FROM recent UNION ALL
            SELECT account_id, user_id, dt FROM tch) x
        JOIN users u ON u.user_id = x.user_id AND u.role = 'exec_sponsor'
        JOIN acc a ON a.account_id = x.account_id
        WHERE x.dt >= a.start_date + {PLAN.kickoff_days}""")
    sql(f"""CREATE TEMP TABLE now AS
        SELECT *, {ACTION} AS action FROM (SELECT *, {PENALTY} AS score FROM ({_scores(0)}))""")


SCORE_SQL = f"""
    WITH b AS (SELECT account_id, {PENALTY} AS score FROM ({_scores(7)}))
    SELECT n.account_id, account_name, segment, csm, age_days, contract_value, ttv_days,
           n.score, action, {SIGNALS} AS signals, n.score - b.score AS score_delta_7d
    FROM now n LEFT JOIN b USING (account_id) ORDER BY account_id
    """


def _score(con: object, out: Path) -> None:
    con.sql(SCORE_SQL).write_parquet(str(out / "score.parquet"))  # type: ignore[attr-defined]
    con.sql(f"""SELECT * FROM read_parquet('{out / "score.parquet"}')
        WHERE action IN ('executive', 'escalate')
        ORDER BY score, contract_value DESC NULLS LAST, account_id""").write_parquet(  # type: ignore[attr-defined]
        str(out / "at_risk.parquet")
    )


def _account_metrics(con: object) -> None:
    """One row per started account with every scorecard input at as_of."""
    window = f"dt BETWEEN as_of - {W - 1} AND as_of"
    aw = PLAN.activation_window_days
    con.sql(f"""CREATE TEMP TABLE m AS
    WITH win AS (SELECT * FROM recent, params WHERE {window}),
    feat AS (SELECT account_id,
                    count(DISTINCT event) FILTER (event IN (SELECT event FROM names)) AS used,
                    count(*) FILTER (event IN {_in(EV.expansion_events)}) AS expansion
             FROM win GROUP BY 1),
    teams AS (SELECT w.account_id, count(DISTINCT u.team) AS teams
              FROM (SELECT DISTINCT account_id, user_id FROM win) w
              JOIN users u ON u.user_id = w.user_id
              WHERE u.team IS NOT NULL AND u.team <> '' GROUP BY 1),
    act AS (SELECT f.account_id, count(*) AS done FROM firsts f JOIN acc a USING (account_id)
            WHERE f.event IN {_in(EV.activation_events)}
              AND f.first_at::DATE <= a.start_date + {aw} GROUP BY 1),
    comp AS (SELECT account_id, count(*) AS done FROM firsts
             WHERE event IN {_in(EV.milestone_events)} GROUP BY 1),
    csat AS (SELECT t.account_id, sum(t.csat) AS csat_sum, count(t.csat) AS csat_n
             FROM touches t JOIN acc a USING (account_id), params
             WHERE t.timestamp::DATE <= as_of GROUP BY 1)
    SELECT n.*, n.ttv_days IS NOT NULL AS reached_fv,
        NOT n.churned AND n.age_days >= 30 AS live,
        CASE WHEN n.licensed_seats > 0 THEN n.active_users / n.licensed_seats END AS seat_share,
        coalesce(act.done, 0) >= {len(set(EV.activation_events))} AS activated,
        coalesce(comp.done, 0) >= {len(set(EV.milestone_events))} AS completed,
        CASE WHEN (SELECT count(*) FROM names) > 0
             THEN coalesce(feat.used, 0) / (SELECT count(*) FROM names) END AS feature_share,
        coalesce(feat.expansion, 0) > 0 AS expansion_event,
        coalesce(teams.teams, 0) >= 2 AS multi_team,
        n.churn_date IS NULL OR n.churn_date > n.start_date + 90 AS retained,
        n.action IN ('executive', 'escalate') AS at_risk,
        coalesce(csat.csat_sum, 0) AS csat_sum, coalesce(csat.csat_n, 0) AS csat_n,
        coalesce(n.ttv_days, CASE WHEN n.churned
            THEN least(n.churn_date - n.start_date, n.age_days) ELSE n.age_days END) AS km_time
    FROM now n
    LEFT JOIN feat USING (account_id) LEFT JOIN teams USING (account_id)
    LEFT JOIN act USING (account_id) LEFT JOIN comp USING (account_id)
    LEFT JOIN csat USING (account_id)""")


def _scorecard(con: object, out: Path) -> None:
    _account_metrics(con)
    aw = PLAN.activation_window_days
    con.sql(f"""
    WITH rows AS (SELECT * FROM m UNION ALL SELECT * REPLACE ('All' AS segment) FROM m),
    km_steps AS (SELECT segment, km_time, count(*) AS n, count(*) FILTER (reached_fv) AS d
                 FROM rows GROUP BY 1, 2),
    km_risk AS (SELECT *, sum(n) OVER (PARTITION BY segment ORDER BY km_time DESC) AS at_risk
                FROM km_steps),
    km_surv AS (SELECT *, product(1 - d / at_risk) OVER (PARTITION BY segment
                    ORDER BY km_time ROWS UNBOUNDED PRECEDING) AS survival FROM km_risk),
    km AS (SELECT segment, min(km_time)::DOUBLE AS ttv_median_km_days FROM km_surv
           WHERE d > 0 AND survival <= 0.5 + 1e-12 GROUP BY 1),
    card AS (SELECT segment, count(*) AS accounts,
        quantile_cont(ttv_days, 0.5) AS ttv_median_days,
        avg(coalesce(ttv_days <= ttv_target_days, false)::DOUBLE)
            FILTER (age_days >= ttv_target_days) AS fv_on_time_rate,
        avg(activated::DOUBLE) FILTER (age_days >= {aw}) AS activation_rate,
        avg(least(1.0, seat_share)) FILTER (seat_share IS NOT NULL AND live)
            AS user_adoption_rate,
        avg(completed::DOUBLE) FILTER (age_days >= duration_target_days) AS completion_rate,
        avg(feature_share) FILTER (live) AS adoption_depth,
        avg(retained::DOUBLE) FILTER (age_days >= 90) AS early_retention_90d,
        avg((coalesce(seat_share >= 0.9, false) OR expansion_event OR multi_team)::DOUBLE)
            FILTER (live) AS expansion_ready_rate,
        CASE WHEN sum(csat_n) > 0 THEN sum(csat_sum) / sum(csat_n) END AS csat_mean,
        count(*) FILTER (at_risk) AS at_risk_accounts,
        coalesce(sum(contract_value) FILTER (at_risk), 0) AS at_risk_value
        FROM rows GROUP BY 1)
    SELECT card.segment, accounts, ttv_median_days, ttv_median_km_days, fv_on_time_rate,
        activation_rate, user_adoption_rate, completion_rate, adoption_depth,
        early_retention_90d, expansion_ready_rate, csat_mean, at_risk_accounts, at_risk_value
    FROM card LEFT JOIN km USING (segment)
    ORDER BY card.segment = 'All', card.segment
    """).write_parquet(str(out / "scorecard.parquet"))  # type: ignore[attr-defined]


def _funnel(con: object, out: Path) -> None:
    steps = EV.milestone_events
    ctes = []
    for k, event in enumerate(steps, start=1):
        if k == 1:
            body = f"SELECT account_id, min(timestamp) AS at FROM keyev WHERE event = '{event}'"
        else:
            body = f"""SELECT e.account_id, min(e.timestamp) AS at FROM keyev e
                JOIN s{k - 1} p ON p.account_id = e.account_id
                WHERE e.event = '{event}' AND e.timestamp >= p.at"""
        ctes.append(f"s{k} AS ({body} GROUP BY 1)")
    stats = " UNION ALL ".join(
        f"""SELECT {k} AS step, '{event}' AS event, count(*) AS reached,
            quantile_cont(s.at::DATE - a.start_date, 0.5) AS median_days_from_start
            FROM s{k} s JOIN acc a USING (account_id)"""
        for k, event in enumerate(steps, start=1)
    )
    con.sql(f"""
    WITH {", ".join(ctes)}, st AS ({stats}),
    total AS (SELECT count(*) AS n FROM acc),
    lagged AS (SELECT *, coalesce(lag(reached) OVER (ORDER BY step), (SELECT n FROM total))
                   AS prev FROM st)
    SELECT step, event, reached,
        CASE WHEN prev > 0 THEN reached / prev END AS step_conversion,
        CASE WHEN (SELECT n FROM total) > 0 THEN reached / (SELECT n FROM total) END
            AS overall_conversion,
        prev - reached AS dropoff, median_days_from_start
    FROM lagged ORDER BY step
    """).write_parquet(str(out / "funnel.parquet"))  # type: ignore[attr-defined]


def run(data: Path, out: Path) -> None:
    import duckdb

    con = duckdb.connect()
    con.sql("SET threads = 2")
    _load(con, data)
    _score(con, out)
    _scorecard(con, out)
    _funnel(con, out)
