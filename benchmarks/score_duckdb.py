"""DuckDB SQL peer of `python -m core score DIR`: the same scores from the same raw files.

    .venv/bin/python benchmarks/score_duckdb.py DATA_DIR --out score.parquet [--as-of DATE]

Reads accounts, users, events and touches as they lie in DATA_DIR (Parquet or CSV, any
header case, extra columns), brings them to the contract's values the way our validator
does (text trimmed and empty as missing, segments matched ignoring case and derived from
contract value when empty, roles and channels spelled as the contract spells them,
timestamps in UTC), then computes the health score and its 7-day change with the SQL of
benchmarks/engine_duckdb.py. It checks nothing: a peer that validates nothing is the
fastest honest comparison for a command that does.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.engine_duckdb import PLAN, SCORE_SQL, facts  # noqa: E402 - after the path


def _text(column: str) -> str:
    return f"nullif(trim({column}::VARCHAR), '')"


def _spelled(column: str) -> str:
    """'Exec Sponsor', 'in-app' and 'IN_APP' as the contract spells them."""
    return f"regexp_replace(lower(trim({column}::VARCHAR)), '[\\s\\-]+', '_', 'g')"


def _segment() -> str:
    cases = " ".join(f"WHEN '{name.lower()}' THEN '{name}'" for name in PLAN.segments)
    return f"CASE lower(trim(segment::VARCHAR)) {cases} END"


def _reader(data: Path, table: str) -> str:
    for path in sorted(data.glob(f"{table}.*")):
        if path.suffix == ".parquet":
            return f"read_parquet('{path}')"
        if path.suffix == ".csv":
            return f"read_csv('{path}', header = true)"
    raise SystemExit(f"no {table} file in {data}")


COLUMNS: dict[str, dict[str, str]] = {
    "accounts": {
        "account_id": _text("account_id"),
        "account_name": _text("account_name"),
        "segment": _segment(),
        "contract_value": "contract_value::DOUBLE",
        "start_date": "start_date::DATE",
        "licensed_seats": "licensed_seats::BIGINT",
        "csm": _text("csm"),
        "churn_date": "churn_date::DATE",
    },
    "users": {
        "user_id": _text("user_id"),
        "account_id": _text("account_id"),
        "role": f"coalesce({_spelled('role')}, 'end_user')",
        "team": _text("team"),
    },
    # The 20M-row table as it is: trimming every value tripled DuckDB's time, and these
    # exports hold no padded or empty text (the results agree with ours on every account).
    "events": {
        "account_id": "account_id",
        "user_id": "user_id",
        "event": "event",
        "timestamp": "timestamp::TIMESTAMP",
    },
    "touches": {
        "account_id": _text("account_id"),
        "user_id": _text("user_id"),
        "channel": _spelled("channel"),
        "timestamp": "timestamp::TIMESTAMP",
        "csat": "csat::DOUBLE",
    },
}
TYPES = {"contract_value": "DOUBLE", "start_date": "DATE", "licensed_seats": "BIGINT"}


def views(con: object, data: Path) -> None:
    """The four tables as views in the normalised schema, over the raw files (a column the
    file lacks is NULL, as in our normalised tables)."""
    sql = con.sql  # type: ignore[attr-defined]
    sql("SET TimeZone = 'UTC'")
    for table, columns in COLUMNS.items():
        source = _reader(data, table)
        present = {
            str(row[0]).lower() for row in sql(f"DESCRIBE SELECT * FROM {source}").fetchall()
        }
        exprs = [
            f"{expr if name in present else 'NULL::' + TYPES.get(name, 'VARCHAR')} AS {name}"
            for name, expr in columns.items()
        ]
        sql(f"CREATE VIEW {table} AS SELECT {', '.join(exprs)} FROM {source}")


def run(data: Path, out: Path, as_of: str | None = None, threads: int = 2) -> None:
    import duckdb

    con = duckdb.connect()
    con.sql(f"SET threads = {threads}")
    views(con, data)
    facts(con, as_of, names=False)
    con.sql(SCORE_SQL).write_parquet(str(out))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--as-of", help="YYYY-MM-DD (default: the latest event's date)")
    args = parser.parse_args()
    run(args.data, args.out, args.as_of)


if __name__ == "__main__":
    main()
