"""Benchmark: how long the Scorecards and At-risk pages take to rerun on the big data set.

    .venv/bin/python benchmarks/pages.py                      # 100,000 accounts, ~20M events
    .venv/bin/python benchmarks/pages.py --accounts 20000     # a quick check

The demo generator's tables are cached as Parquet under benchmarks/.data/. The whole app
runs in Streamlit's AppTest on a throw-away SQLite database, with the workspace's data
replaced by the big tables (ui.state.current_dataset is patched, so nothing 20M rows long
goes through the database). For each page the script times the first run (engine results
computed and cached) and then several reruns with the results cached, which is what a user
sees on every click; the target is under 1 s per rerun. AppTest's own overhead is included,
so the figures are an upper bound of the server-side time.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
DATA = ROOT / "benchmarks" / ".data"


def ensure_parquet(accounts: int, events_per_account: float) -> Path:
    """Generate the demo tables once per size and keep them as Parquet."""
    from core.data.demo import generate, write_dataset

    target = DATA / f"demo-{accounts}-{events_per_account:g}"
    if (target / "events.parquet").exists():
        return target
    DATA.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    frames = generate(accounts=accounts, events_per_account=events_per_account)
    temp = Path(tempfile.mkdtemp(dir=DATA))
    write_dataset(frames, temp, fmt="parquet")
    temp.rename(target)
    counts = ", ".join(f"{k}: {len(v):,}" for k, v in frames.items())
    print(f"generated {counts} in {time.perf_counter() - started:.1f} s -> {target}")
    return target


def load(folder: Path) -> object:
    """The Parquet tables as the app's Dataset (normalised schema, segments derived)."""
    import polars as pl

    from core.engine import ParquetTables
    from core.model.contract import TABLES
    from core.model.dataset import Dataset

    tables = ParquetTables(folder)
    frames = {t: tables.lazy(t).collect() for t in TABLES}
    value = pl.col("contract_value")
    band = (
        pl.when(value < 25_000)
        .then(pl.lit("SMB"))
        .when(value <= 100_000)
        .then(pl.lit("Mid-Market"))
        .otherwise(pl.lit("Enterprise"))
    )
    frames["accounts"] = frames["accounts"].with_columns(pl.col("segment").fill_null(band))
    return Dataset(**frames)


def patch_app(dataset: object) -> None:
    """Serve the big tables as the workspace's data and run app.py on every AppTest run."""
    from streamlit.runtime.pages_manager import PagesManager

    import ui.state
    from core.data.store import DatasetInfo

    events = dataset.events.get_column("timestamp")  # type: ignore[attr-defined]
    info = DatasetInfo(
        id=10**9,
        source="benchmark",
        created_at=datetime.now(),
        row_counts={t: len(f) for t, f in dataset.frames().items()},  # type: ignore[attr-defined]
        first_event_at=events.min(),
        last_event_at=events.max(),
    )
    ui.state.current_dataset = lambda _workspace_id: (info, dataset)  # type: ignore[assignment]
    ui.state._dataset = lambda _dataset_id: dataset  # type: ignore[assignment]  # Home's overview
    original = PagesManager.__init__

    def init(self: PagesManager, *args: object, **kwargs: object) -> None:
        original(self, *args, **kwargs)  # type: ignore[arg-type]
        PagesManager.uses_pages_directory = False

    PagesManager.__init__ = init  # type: ignore[method-assign]


def timed(at: object) -> float:
    started = time.perf_counter()
    at.run()  # type: ignore[attr-defined]
    elapsed = time.perf_counter() - started
    if at.exception:  # type: ignore[attr-defined]
        raise RuntimeError(at.exception)  # type: ignore[attr-defined]
    return elapsed


def bench_page(at: object, path: str, reruns: int) -> tuple[float, list[float]]:
    at.switch_page(path)  # type: ignore[attr-defined]
    first = timed(at)
    return first, [timed(at) for _ in range(reruns)]


def report(name: str, first: float, again: list[float]) -> None:
    median = statistics.median(again)
    verdict = "OK" if median < 1.0 else "over the 1 s target"
    runs = ", ".join(f"{t:.2f}" for t in again)
    print(
        f"{name:<38} first {first:6.2f} s | cached rerun median {median:.2f} s ({runs}) {verdict}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--events-per-account", type=float, default=200)
    parser.add_argument("--reruns", type=int, default=5)
    args = parser.parse_args()

    folder = ensure_parquet(args.accounts, args.events_per_account)
    started = time.perf_counter()
    dataset = load(folder)
    counts = ", ".join(f"{t}: {len(f):,}" for t, f in dataset.frames().items())  # type: ignore[attr-defined]
    print(f"loaded {counts} in {time.perf_counter() - started:.1f} s")

    db = Path(tempfile.mkdtemp()) / "bench.db"
    os.environ["DATABASE_URL"] = f"sqlite:///{db}"
    os.environ["WAYPOINT_DEMO_ACCOUNTS"] = "50"
    patch_app(dataset)
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=1800)
    at.run()
    n = args.reruns
    report("Scorecards", *bench_page(at, "pages/scorecards.py", n))
    slider = at.slider(key="sc_whatif_percent")
    slider.set_value(slider.min)
    report("Scorecards, what-if moved", timed(at), [timed(at) for _ in range(n)])
    for tab in ("A/B comparison", "Attribution", "Backtest", "Cohorts"):
        at.session_state["sc_tab"] = tab
        report(f"Scorecards, tab {tab}", timed(at), [timed(at) for _ in range(n)])
    at.selectbox(key="sc_segment").set_value("SMB")
    report("Scorecards, segment SMB", timed(at), [timed(at) for _ in range(n)])
    report("At-risk accounts", *bench_page(at, "pages/at_risk.py", n))
    at.multiselect(key="ar_f_signal").set_value(["ticket_primary"])
    report("At-risk accounts, signal filter", timed(at), [timed(at) for _ in range(n)])
    box = at.selectbox(key="ar_account")
    box.set_value(box.options[0].split(" · ")[0])
    report("At-risk accounts, one account open", timed(at), [timed(at) for _ in range(n)])
    for tab in ("Expansion-ready", "CSM load"):
        at.session_state["ar_tab"] = tab
        report(f"At-risk accounts, tab {tab}", timed(at), [timed(at) for _ in range(n)])
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak resident memory of the process: {peak:,.0f} MB")


if __name__ == "__main__":
    main()
