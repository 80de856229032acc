"""The graph's layout (core.journey.views.graph): stages in day order, stages without days
between their neighbours, columns that fit the screen, and no two nodes' boxes overlapping."""

from __future__ import annotations

import itertools

from core.journey import views
from tests.unit.journey.graph_maps import content, milestone, stage, touch

LONG = "A long touchpoint name that takes several lines to show"


def _stages(g: views.Graph) -> list[views.GraphNode]:
    return sorted((n for n in g.nodes if n.kind == "stage"), key=lambda n: (n.y, n.x))


def _box(n: views.GraphNode, font: int) -> tuple[float, float, float, float]:
    """The space a node takes (left, top, right, bottom), as the layout reserves it."""
    line = font * 1.25
    if n.shape == "box":
        h = len(n.lines) * line + 10
        return n.x - n.wrap / 2, n.y - h / 2, n.x + n.wrap / 2, n.y + h / 2
    bottom = n.y + n.size + 6 + len(n.lines) * line
    return n.x - n.wrap / 2, n.y - n.size, n.x + n.wrap / 2, bottom


def test_stages_follow_their_day_ranges_not_the_order_they_were_added() -> None:
    m = content([stage(1, "Adoption", 45, 90), stage(2, "Kickoff", 0, 14), stage(3, "Setup", 7)])
    names = [n.label.split("\n")[0] for n in _stages(views.graph(m))]
    assert names == ["Kickoff", "Setup", "Adoption"]


def test_a_stage_without_days_stays_between_its_neighbours() -> None:
    m = content(
        [
            stage(1, "Kickoff", 0, 14),
            stage(2, "Undated middle"),
            stage(3, "Setup", 15, 30),
            stage(4, "Adoption", 31, 90),
        ]
    )
    names = [n.label.split("\n")[0] for n in _stages(views.graph(m))]
    assert names == ["Kickoff", "Undated middle", "Setup", "Adoption"]


def test_undated_stages_at_the_start_keep_their_order_and_follow_a_reordered_neighbour() -> None:
    m = content(
        [
            stage(1, "First, no days"),
            stage(2, "Second, no days"),
            stage(3, "Late", 60, 90),
            stage(4, "After late, no days"),
            stage(5, "Early", 0, 10),
        ]
    )
    order = [s["name"] for s in views.stage_order(m.stages)]
    assert order == ["First, no days", "Second, no days", "Early", "Late", "After late, no days"]


def test_a_stage_with_only_an_end_day_is_placed_by_it() -> None:
    m = content([stage(1, "B", 20, 30), stage(2, "Ends early", None, 5)])
    assert [s["name"] for s in views.stage_order(m.stages)] == ["Ends early", "B"]


def test_the_unplaced_column_comes_last_and_the_stage_chain_follows_day_order() -> None:
    m = content(
        [stage(1, "Late", 50, 60), stage(2, "Early", 0, 5)],
        touchpoint=[touch(10, "Loose", None)],
    )
    g = views.graph(m)
    stages = _stages(g)
    assert stages[-1].label == views.UNPLACED
    chain = [(e.source, e.target) for e in g.edges if not e.dashed]
    assert chain == [("stage-2", "stage-1")]


def test_columns_fit_the_screen_width_and_overflow_into_bands() -> None:
    few = views.graph(content([stage(i, f"S{i}", i * 10, i * 10 + 5) for i in range(1, 5)]))
    assert few.width <= views.SCREEN.width
    assert {n.y for n in _stages(few)} == {_stages(few)[0].y}  # one band
    many = views.graph(content([stage(i, f"S{i}", i * 10, i * 10 + 5) for i in range(1, 16)]))
    assert many.width <= views.SCREEN.width
    assert many.column_width >= views.SCREEN.min_column
    bands = sorted({n.y for n in _stages(many)})
    assert len(bands) >= 2
    per_band = views.SCREEN.width // views.SCREEN.min_column
    assert len([n for n in _stages(many) if n.y == bands[0]]) == per_band
    assert all(0 <= n.x <= many.width and 0 <= n.y <= many.height for n in many.nodes)


def test_presenter_scale_draws_bigger_type_in_wider_columns() -> None:
    m = content([stage(i, f"S{i}", i, i) for i in range(1, 7)])
    screen, projector = views.graph(m), views.graph(m, scale=views.PROJECTOR)
    assert projector.font > screen.font >= 14
    assert projector.column_width > screen.column_width


def test_no_two_nodes_overlap_and_long_labels_wrap_in_full() -> None:
    stages = [stage(i, f"Stage number {i} of the journey", i * 10, i * 10 + 9) for i in range(8)]
    children = [touch(100 + i, LONG if i % 3 == 0 else f"Touch {i}", i % 8) for i in range(40)]
    goals = [milestone(200 + i, f"Milestone {i} reached", i % 8) for i in range(10)]
    for scale in (views.SCREEN, views.PROJECTOR):
        g = views.graph(content(stages, touchpoint=children, milestone=goals), scale=scale)
        long = next(n for n in g.nodes if n.label == LONG)
        assert len(long.lines) >= 2
        assert " ".join(long.lines) == LONG
        assert all(views.text_width(line) * scale.font / 12 <= long.wrap for line in long.lines)
        for a, b in itertools.combinations(g.nodes, 2):
            la, ta, ra, ba = _box(a, g.font)
            lb, tb, rb, bb = _box(b, g.font)
            apart = ra <= lb or rb <= la or ba <= tb or bb <= ta
            assert apart, (a.label, b.label)


def test_layout_is_the_same_on_every_screen() -> None:
    m = content(
        [stage(1, "A"), stage(2, "B", 3, 4)], touchpoint=[touch(10, "T", 1), touch(11, "U", 2)]
    )
    one, two = views.graph(m), views.graph(m)
    assert [(n.id, n.x, n.y) for n in one.nodes] == [(n.id, n.x, n.y) for n in two.nodes]
