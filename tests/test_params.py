import pytest

from fou.extracts.params import ParameterError, check_years_available, parse_year, parse_years


@pytest.mark.parametrize(
    ("value", "expected"),
    [("2017-2022", (2017, 2018, 2019, 2020, 2021, 2022)), ("2017–2019", (2017, 2018, 2019)),
     ("2019,2017", (2017, 2019)), ([2018, "2019"], (2018, 2019)), (2020, (2020,)), ("2017-2018, 2021", (2017, 2018, 2021))],
)
def test_parse_years(value, expected):
    assert parse_years(value) == expected


@pytest.mark.parametrize("value", ["20x7", "2022-2017", "", [], "1800", None, 3.5])
def test_parse_years_rejects(value):
    with pytest.raises(ParameterError) as err:
        parse_years(value)
    assert err.value.parameter == "years"
    assert "2017-2022" in str(err.value)


def test_parse_year_message_names_parameter_value_and_valid_range():
    with pytest.raises(ParameterError, match=r"parameter 'year': invalid value 'twenty'; expected a year between 1990 and 2100"):
        parse_year("twenty")
    assert parse_year("2022") == 2022


def test_years_outside_extract():
    check_years_available([2021, 2030], [2017, 2021])  # partly present is fine (i.u.)
    with pytest.raises(ParameterError, match=r"years in the extract: \[2017, 2021\]"):
        check_years_available([2030], [2021, 2017])
