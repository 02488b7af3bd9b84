import math

import pytest

from fou.extracts.swedish import NBSP, axis_formatter, format_number, parse_number, plural, sort_key, swedish_axes, year_span


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        (596841, 0, f"596{NBSP}841"),
        (12800.0, 0, f"12{NBSP}800"),
        (1070935, 0, f"1{NBSP}070{NBSP}935"),
        (6.8, 1, "6,8"),
        (46.36877, 1, "46,4"),
        (2.0, 1, "2,0"),
        (999.96, 1, f"1{NBSP}000,0"),
        (-0.04, 1, "0,0"),
        (-1234.5, 1, f"\u22121{NBSP}234,5"),  # true minus
        (-1.1955, 2, "\u22121,20"),
        (0, 0, "0"),
        (float("nan"), 1, "i.u."),
        (None, 0, "i.u."),
    ],
)
def test_format_number(value, decimals, expected):
    assert format_number(value, decimals) == expected


def test_zero_is_not_missing():
    assert format_number(0.0, 0) == "0"
    assert format_number(float("nan"), 0) == "i.u."


@pytest.mark.parametrize(("text", "expected"), [("4 558", 4558.0), ("6,8", 6.8), (f"12{NBSP}800", 12800.0), ("0", 0.0),
                                               ("\u22121,2", -1.2), ("-1,2", -1.2)])
def test_parse_number(text, expected):
    assert parse_number(text) == expected


@pytest.mark.parametrize("text", ["i.u.", "-", "", " "])
def test_parse_missing(text):
    assert math.isnan(parse_number(text))


def test_swedish_order_puts_a_ring_a_umlaut_o_umlaut_last():
    names = ["Öckerö", "Ale", "Kungälv", "Kungsbacka", "Alingsås", "Åmål", "Ängelholm", "Zinkgruvan", "Lilla Edet", "Lerum"]
    assert sorted(names, key=sort_key) == [
        "Ale", "Alingsås", "Kungsbacka", "Kungälv", "Lerum", "Lilla Edet", "Zinkgruvan", "Åmål", "Ängelholm", "Öckerö",
    ]


def test_negative_numbers_carry_a_true_minus_and_thousands_a_narrow_no_break_space():
    assert format_number(-0.25, 2) == "\u22120,25"
    assert format_number(-12800, 0) == "\u221212\u202f800"
    assert format_number(-0.001, 2) == "0,00"  # rounds to zero: no sign
    assert format_number(3.5, 1, sign=True) == "+3,5" and format_number(0.0, 1, sign=True) == "0,0"
    assert "-" not in format_number(-5, 0) and "." not in format_number(2.6, 1)


def test_parse_number_reads_what_format_number_writes():
    for value, decimals in ((-1234.5, 1), (12800, 0), (-0.25, 2)):
        assert parse_number(format_number(value, decimals)) == value


@pytest.mark.parametrize(("n", "expected"), [(0, "0 kommuner"), (1, "1 kommun"), (2, "2 kommuner"),
                                             (1290, "1\u202f290 kommuner")])
def test_plural(n, expected):
    assert plural(n, "kommun", "kommuner") == expected


@pytest.mark.parametrize(("years", "expected"), [([2022], "2022"), ([2022, 2022], "2022"), ([2021, 2022], "2021–2022"),
                                                 ([2017, 2019], "2017, 2019"), ((2019, 2017, 2018), "2017–2019")])
def test_year_span_never_writes_a_range_of_one_year(years, expected):
    assert year_span(years) == expected


def test_axis_formatter_uses_comma_minus_and_the_decimals_the_ticks_need():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.plot([0, 1], [-0.5, 0.75])
    ax.set_yticks([-0.5, -0.25, 0, 0.25, 0.5, 0.75])
    swedish_axes(ax)
    fig.canvas.draw()
    labels = [t.get_text() for t in ax.get_yticklabels()]
    plt.close(fig)
    assert labels == ["\u22120,50", "\u22120,25", "0,00", "0,25", "0,50", "0,75"]
    assert axis_formatter(1)(1234.56) == "1\u202f234,6"


def test_format_signed_uses_a_true_minus():
    from fou.extracts.swedish import format_signed

    assert format_signed(-2.5, 1) == "\u22122,5" and format_signed(4, 1) == "4,0"
    assert format_signed(-0.04, 1) == "0,0" and format_signed(float("nan"), 1) == "i.u."


def test_p_values_never_print_as_zero_and_follow_their_precision():
    from fou.extracts.swedish import format_p, is_p_column, p_decimals

    assert format_p(0.0004) == "<\u00a00,001"
    assert format_p(0.0) == "<\u00a00,001"
    assert format_p(0.0423) == "0,042"
    assert format_p(0.004, 2) == "<\u00a00,01"
    assert format_p(float("nan")) == "i.u."
    # a simulated p-value is printed no finer than its Monte Carlo error
    assert p_decimals(None) == 3
    assert p_decimals(0.005) == 2  # 2 × 0,005 = 0,01
    assert p_decimals(0.0004) == 3
    assert p_decimals(0.03) == 1
    assert [c for c in ["p", "p_value", "p_holm", "p_mc_se", "pilot", "estimate"] if is_p_column(c)] == ["p", "p_value", "p_holm"]


def test_tables_print_small_p_values_as_below_the_precision():
    import pandas as pd

    from fou.pages.html import frame_html

    out = frame_html(pd.DataFrame({"term": ["a", "b"], "p_value": [0.00001, 0.25], "estimate": [0.00001, 1.0]}),
                     {"estimate": 3})
    assert "&lt;\u00a00,001" in out or "<\u00a00,001" in out
    assert "0,250" in out and "0,000" in out  # the estimate keeps its own format; only p-values change
