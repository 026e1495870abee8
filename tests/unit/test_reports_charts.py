"""Geometry of the reports' bar charts (pure functions, no app)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from rikscha.reports import charts


def test_no_rows_no_chart():
    assert charts.bar_chart([]) is None


def test_longest_bar_fills_the_room_and_others_scale():
    chart = charts.bar_chart([("Rosi", 4.5, "4,5"), ("Emil", 2.25, "2,3"), ("Lotte", 0, "0")])
    room = charts.WIDTH - charts.LABEL_WIDTH - charts.VALUE_WIDTH
    assert [bar.width for bar in chart.bars] == [room, room / 2, 0]
    assert all(bar.x == charts.LABEL_WIDTH == chart.axis_x for bar in chart.bars)
    assert [bar.y for bar in chart.bars] == [8, 48, 88]
    assert chart.height == 2 * 8 + 3 * 28 + 2 * 12
    assert chart.bars[0].label_y == 8 + 14 + 6 and chart.bars[0].value_x == charts.LABEL_WIDTH + room + 8
    assert [bar.text for bar in chart.bars] == ["4,5", "2,3", "0"]


def test_all_zero_and_negative_values_draw_empty_bars():
    chart = charts.bar_chart([("A", 0, "0"), ("B", -3, "-3"), ("C", None, "–")])
    assert [bar.width for bar in chart.bars] == [0, 0, 0]


def test_long_labels_are_shortened():
    assert charts.shorten("Spielplatz   am\nLindenpark Süd-Ost") == "Spielplatz am Lindenp…"
    assert len(charts.shorten("x" * 50)) == charts.MAX_LABEL_CHARS
    assert charts.shorten("Kurz") == "Kurz"


@given(st.lists(st.floats(min_value=0, max_value=1e9, allow_nan=False), min_size=1, max_size=30))
def test_bars_stay_inside_the_picture(values):
    chart = charts.bar_chart([(str(i), v, "") for i, v in enumerate(values)])
    for bar in chart.bars:
        assert 0 <= bar.width <= chart.width - charts.LABEL_WIDTH - charts.VALUE_WIDTH + 0.1
        assert 0 <= bar.y and bar.y + bar.height <= chart.height


def test_up_to_the_limit_every_row_is_drawn_in_its_order():
    rows = [(f"R{i}", i % 4, str(i % 4)) for i in range(charts.MAX_BARS)]
    chart = charts.bar_chart(rows)
    assert [bar.label for bar in chart.bars] == [label for label, _value, _text in rows]
    assert chart.rows == charts.MAX_BARS


def test_beyond_the_limit_the_largest_are_drawn_ranked_and_the_picture_stays_small():
    values = [3, 9, 1, 9, 5, 0, 7, 2]
    chart = charts.bar_chart([(f"R{i}", value, str(value)) for i, value in enumerate(values)], limit=4)
    # Ranked by value; the two nines keep their row order.
    assert [(bar.label, bar.value) for bar in chart.bars] == [("R1", 9), ("R3", 9), ("R6", 7), ("R4", 5)]
    assert chart.rows == 8
    assert chart.height == 2 * 8 + 4 * 28 + 3 * 12
    assert chart.bars[0].width == charts.WIDTH - charts.LABEL_WIDTH - charts.VALUE_WIDTH


@given(st.lists(st.integers(min_value=0, max_value=1000), min_size=1, max_size=60))
def test_the_bars_drawn_are_the_largest_values(values):
    chart = charts.bar_chart([(str(i), v, "") for i, v in enumerate(values)])
    drawn = [bar.value for bar in chart.bars]
    assert len(drawn) == min(len(values), charts.MAX_BARS) and chart.rows == len(values)
    assert sorted(drawn, reverse=True) == sorted(values, reverse=True)[: len(drawn)]
