"""The CSM's at-risk list: who, why in words, which play to run and who owns it.

The list is the engine's at-risk accounts with three things added: the reasons in words
(one sentence per fired signal, with its penalty), the recommended play for each fired
signal from the segment's journey map (a map for every segment fills in where the segment's
own map has none), and the CSM's saved call (risk state and note). A built-in signal's play
is the risk point that answers it; a journey signal's play is the intervention of the risk
point with the signal's name (and that point's owner), else the play the signal starts.
The columns a CSM reads first (action, why, play, owner, risk state) come right after the
account and its score.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.access.guard import require
from core.access.roles import Action
from core.at_risk.account_detail import ranked_maps
from core.at_risk.risk_states import STATE_SCHEMA, state_label
from core.db.models import JourneyMap, RiskPoint, SignalTrigger
from core.engine import journey_signals
from core.model.plan import MeasurementPlan, journey_signal_name

SIGNAL_WORDS: dict[str, str] = {
    "no_first_value": "No first value",
    "single_user": "Single user",
    "sponsor_disengaged": "Sponsor disengaged",
    "ticket_primary": "Tickets as main channel",
}
ACTION_WORDS: dict[str, str] = {
    "executive": "■ Executive",
    "escalate": "▲ Escalate",
    "watch": "● Watch",
    "healthy": "✓ Healthy",
}
NO_PLAY = "No play defined yet — add a risk point on the journey map"
PLAY_SCHEMA = pl.Schema(
    {
        "segment": pl.String,
        "signal": pl.String,
        "play": pl.String,
        "owner": pl.String,
        "map": pl.String,
    }
)
LIST_COLUMNS: tuple[str, ...] = (
    "account_name",
    "score",
    "action",
    "reasons",
    "play",
    "play_owner",
    "risk_state",
    "score_delta_7d",
    "contract_value",
    "segment",
    "csm",
    "age_days",
    "signals",
    "note",
    "account_id",
)


# ------------------------------------------------------------------ plays from the maps


PlayRow = tuple[str | None, str, str, str, str]


def risk_plays(session: Session, workspace_id: int) -> pl.DataFrame:
    """Every play that answers a signal: segment (null = all segments), signal, play, owner,
    map; the defining map of each segment first (current state, happy path)."""
    require(session, Action.READ, workspace_id)
    rows: list[PlayRow] = []
    for journey, segment in ranked_maps(session, workspace_id):
        points = list(
            session.scalars(
                select(RiskPoint).where(RiskPoint.map_id == journey.id).order_by(RiskPoint.position)
            )
        )
        for p in points:
            if p.signal.strip():
                play = (p.intervention or p.name).strip()
                rows.append((segment, p.signal.strip(), play, p.owner.strip(), journey.name))
        rows += _signal_plays(session, journey, segment, points)
    return pl.DataFrame(rows, schema=PLAY_SCHEMA, orient="row")


def _signal_plays(
    session: Session, journey: JourneyMap, segment: str | None, points: list[RiskPoint]
) -> list[PlayRow]:
    """A journey signal's play: the risk point of its name (with that point's owner), else
    the play the signal itself starts (no owner)."""
    named = {journey_signal_name(p.name): p for p in points}
    triggers = session.scalars(
        select(SignalTrigger)
        .where(SignalTrigger.map_id == journey.id)
        .order_by(SignalTrigger.position)
    )
    rows: list[PlayRow] = []
    for t in triggers:
        name = journey_signal_name(t.name)
        point = named.get(name)
        play = ((point.intervention if point else "") or t.play).strip()
        if name and play:
            owner = point.owner.strip() if point else ""
            rows.append((segment, name, play, owner, journey.name))
    return rows


def _play_per_signal(plays: pl.DataFrame) -> pl.DataFrame:
    """One play per (segment, signal): the first, i.e. from the segment's defining map."""
    return plays.group_by("segment", "signal", maintain_order=True).first()


def attach_plays(accounts: pl.DataFrame, plays: pl.DataFrame) -> pl.DataFrame:
    """account_id, play, play_owner for accounts with columns segment and signals (';')."""
    fired = (
        accounts.select("account_id", "segment", pl.col("signals").str.split(";"))
        .explode("signals")
        .filter(pl.col("signals").is_not_null() & (pl.col("signals") != ""))
        .rename({"signals": "signal"})
        .with_row_index("order")
    )
    best = _play_per_signal(plays)
    own = best.filter(pl.col("segment").is_not_null())
    common = best.filter(pl.col("segment").is_null()).drop("segment")
    joined = (
        fired.join(own, on=["segment", "signal"], how="left")
        .join(common, on="signal", how="left", suffix="_all")
        .with_columns(
            pl.coalesce("play", "play_all").alias("play"),
            pl.coalesce("owner", "owner_all").alias("owner"),
        )
        .filter(pl.col("play").is_not_null())
        .sort("order")
    )
    words = pl.col("signal").replace_strict(SIGNAL_WORDS, default=pl.col("signal"))
    per_account = joined.group_by("account_id", maintain_order=True).agg(
        pl.concat_str(words, pl.lit(": "), pl.col("play")).str.join(" | ").alias("play"),
        pl.col("owner")
        .filter(pl.col("owner") != "")
        .unique(maintain_order=True)
        .str.join(", ")
        .alias("play_owner"),
    )
    return (
        accounts.select("account_id")
        .join(per_account, on="account_id", how="left")
        .with_columns(pl.col("play").fill_null(NO_PLAY), pl.col("play_owner").fill_null(""))
    )


# ------------------------------------------------------------------ reasons in words


def _fired(name: str) -> pl.Expr:
    """Whether `name` is among the ';'-joined signals (a whole name, not a part of one)."""
    return pl.col("signals").str.split(";").list.contains(name)


def _journey_reason(plan: MeasurementPlan, name: str) -> pl.Expr:
    """The sentence of the journey signal's definition for the row's segment."""
    branches = []
    for s in plan.signals:
        if s.name != name:
            continue
        points = f"(−{s.penalty})" if s.penalty > 0 else f"({journey_signals.NOT_SCORED})"
        text = f"{journey_signals.because(s)} {points}"
        branches.append(pl.when(journey_signals.applies(plan, s)).then(pl.lit(text)))
    return pl.coalesce(branches)


def reasons_text(scores: pl.DataFrame, plan: MeasurementPlan) -> pl.Expr:
    """One sentence per fired signal with its penalty, joined by '; ' (needs ttv_target_days
    and segment); journey signals by their name from the map, after the built-in ones."""
    w, p = plan.window_days, plan.penalties
    has = _fired
    late = (pl.col("age_days") - pl.col("ttv_target_days")).cast(pl.String)
    target = pl.col("ttv_target_days").cast(pl.String)
    parts = [
        pl.when(has("no_first_value")).then(
            pl.concat_str(
                pl.lit("No first value "),
                late,
                pl.lit(" days after the "),
                target,
                pl.lit(f"-day target (−{p.no_first_value})"),
            )
        ),
        pl.when(has("single_user")).then(
            pl.lit(f"One active user or none in the last {w} days (−{p.single_user})")
        ),
        pl.when(has("sponsor_disengaged")).then(
            pl.lit(f"No executive-sponsor activity in the last {w} days (−{p.sponsor_disengaged})")
        ),
        pl.when(has("ticket_primary")).then(
            pl.lit(
                f"Support tickets are at least half of all touches in the last {w} days "
                f"(−{p.ticket_primary})"
            )
        ),
    ]
    parts += [
        pl.when(_fired(name)).then(_journey_reason(plan, name))
        for name in journey_signals.names(plan)
    ]
    return pl.concat_str(parts, separator="; ", ignore_nulls=True)


def _targets(plan: MeasurementPlan) -> pl.DataFrame:
    return pl.DataFrame(
        [(name, seg.ttv_target_days) for name, seg in plan.segments.items()],
        schema={"segment": pl.String, "ttv_target_days": pl.Int64},
        orient="row",
    )


def signal_words(column: str = "signals") -> pl.Expr:
    """'no_first_value;single_user' -> 'No first value, Single user'."""
    return (
        pl.col(column)
        .str.split(";")
        .list.eval(
            pl.element()
            .filter(pl.element() != "")
            .replace_strict(SIGNAL_WORDS, default=pl.element())
        )
        .list.join(", ")
    )


def build_list(
    at_risk: pl.DataFrame,
    plan: MeasurementPlan,
    plays: pl.DataFrame,
    states: pl.DataFrame,
) -> pl.DataFrame:
    """The at-risk list with LIST_COLUMNS (+ signal_codes for filtering), engine order kept."""
    default_state = state_label("open")
    empty_states = pl.DataFrame(schema=STATE_SCHEMA)
    states = states if not states.is_empty() else empty_states
    return (
        at_risk.join(_targets(plan), on="segment", how="left", maintain_order="left")
        .with_columns(reasons_text(at_risk, plan).alias("reasons"))
        .join(attach_plays(at_risk, plays), on="account_id", how="left", maintain_order="left")
        .join(
            states.select("account_id", "risk_state", "note"),
            on="account_id",
            how="left",
            maintain_order="left",
        )
        .with_columns(
            pl.col("risk_state").fill_null(default_state),
            pl.col("note").fill_null(""),
            pl.col("signals").alias("signal_codes"),
            signal_words().alias("signals"),
            pl.col("action").replace_strict(ACTION_WORDS, default=pl.col("action")),
        )
        .select(*LIST_COLUMNS, "signal_codes")
    )


# ------------------------------------------------------------------ filters and totals


@dataclass(frozen=True)
class ListFilters:
    segments: tuple[str, ...] = ()
    csms: tuple[str, ...] = ()
    actions: tuple[str, ...] = ()  # engine codes: executive, escalate
    signals: tuple[str, ...] = ()  # engine codes; an account matches if any fired
    states: tuple[str, ...] = field(default=())  # labels as shown ("◐ Plan in place")


def apply_filters(frame: pl.DataFrame, f: ListFilters) -> pl.DataFrame:
    if f.segments:
        frame = frame.filter(pl.col("segment").is_in(list(f.segments)))
    if f.csms:
        frame = frame.filter(pl.col("csm").is_in(list(f.csms)))
    if f.actions:
        shown = [ACTION_WORDS.get(a, a) for a in f.actions]
        frame = frame.filter(pl.col("action").is_in(shown))
    if f.signals:
        codes = pl.col("signal_codes").str.split(";")
        frame = frame.filter(codes.list.eval(pl.element().is_in(list(f.signals))).list.any())
    if f.states:
        frame = frame.filter(pl.col("risk_state").is_in(list(f.states)))
    return frame


def sort_list(frame: pl.DataFrame, column: str | None, *, descending: bool) -> pl.DataFrame:
    """Sort by a column (missing values last); None keeps the engine's at-risk order."""
    if not column:
        return frame
    return frame.sort([column, "account_id"], descending=[descending, False], nulls_last=True)


@dataclass(frozen=True)
class Totals:
    accounts: int
    contract_value: float
    executive: int
    escalate: int


def totals(frame: pl.DataFrame) -> Totals:
    value = frame.get_column("contract_value").sum() if len(frame) else 0.0
    actions = frame.get_column("action")
    return Totals(
        len(frame),
        float(value or 0.0),
        int((actions == ACTION_WORDS["executive"]).sum()),
        int((actions == ACTION_WORDS["escalate"]).sum()),
    )
