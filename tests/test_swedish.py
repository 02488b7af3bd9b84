import math

import pytest

from fou.extracts.swedish import NBSP, format_number, parse_number, sort_key


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


def test_format_signed_uses_a_true_minus():
    from fou.extracts.swedish import format_signed

    assert format_signed(-2.5, 1) == "\u22122,5" and format_signed(4, 1) == "4,0"
    assert format_signed(-0.04, 1) == "0,0" and format_signed(float("nan"), 1) == "i.u."
