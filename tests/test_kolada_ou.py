"""Organisational units (schools, preschools, care units): /ou and /oudata into the extract format."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from fou.extracts.format import load_extract, values_to_csv, write_extract
from fou.extracts.params import ParameterError
from fou.kolada.oufetch import fetch_ou_extract, parse_ou_ids
from fou.kolada.update import update_extract

from .conftest import fou
from .kolada_fixture import small_client as client, OU_KPI, SMALL_YEARS, small_ou_value

SCHOOLS = ["V15E100100001", "V15E100200001"]


def test_ou_values_round_trip_through_the_extract_format(server, tmp_path):
    ex = fetch_ou_extract(tmp_path / "ou", [OU_KPI], ",".join(SCHOOLS), None, tuple(SMALL_YEARS), client(server))
    assert list(ex.values.columns) == ["kpi", "municipality_id", "municipality", "year", "gender", "value", "status",
                                       "count", "unit_type"]
    assert len(ex.values) == 2 * 5 * 3 and set(ex.values["unit_type"]) == {"V15"}
    for row in ex.values.itertuples():
        truth = small_ou_value(row.municipality_id, row.year, row.gender)
        assert (truth is None and math.isnan(row.value)) or row.value == truth
    names = dict(zip(ex.values["municipality_id"], ex.values["municipality"]))
    assert names == {"V15E100100001": "Testskolan", "V15E100200001": "Bergsskolan"}
    ou = pd.read_csv(ex.path / "ou.csv", dtype=str)
    assert ou.values.tolist() == [["V15E100100001", "Testskolan", "1001", "Kommun 1001", "V15"],
                                  ["V15E100200001", "Bergsskolan", "1002", "Kommun 1002", "V15"]]
    assert ex.manifest["source"]["queries"]["unit_kind"] == "ou"
    # the round trip: loading and writing again gives the same bytes
    again = write_extract(load_extract(ex.path).values, tmp_path / "again", {"kind": "synthetic"})
    assert (again.path / "values.csv").read_bytes() == (ex.path / "values.csv").read_bytes()
    assert values_to_csv(again.values).splitlines()[0].endswith(",count,unit_type")


def test_all_units_of_a_municipality_and_bad_ids(server, tmp_path):
    ex = fetch_ou_extract(tmp_path / "a", [OU_KPI], "all", "1001", (2020,), client(server))
    assert sorted(ex.values["municipality_id"].unique()) == ["V15E100100001"]  # the preschool has no values
    with pytest.raises(ParameterError, match="needs --municipality"):
        fetch_ou_extract(tmp_path / "b", [OU_KPI], "all", None, (2020,), client(server))
    with pytest.raises(ParameterError, match="Kolada does not know these organisational-unit ids"):
        fetch_ou_extract(tmp_path / "b", [OU_KPI], "V15E999900001", None, (2020,), client(server))
    with pytest.raises(ParameterError, match="organisational-unit ids such as"):
        parse_ou_ids("1480")
    ex = fetch_ou_extract(tmp_path / "w", ["N31858", OU_KPI], SCHOOLS[0], None, (2020,), client(server))
    assert ex.manifest["source"]["warnings"] == ["N31858 has no organisational-unit data in Kolada (has_ou_data false)"]
    assert not (tmp_path / "b").exists()


def test_fetch_ou_command_and_update(server, tmp_path):
    out = tmp_path / "schools"
    proc = fou("fetch", "--ou", "all", "--municipality", "Testregionen", "--kpi", OU_KPI, "--years", "2018-2022",
               "--out", str(out), "--base-url", server.base_url, "-q", env={"FOU_CACHE_DIR": str(tmp_path / "cache")})
    assert proc.returncode == 0, proc.stderr
    ex = load_extract(out)
    assert sorted(ex.values["municipality_id"].unique()) == SCHOOLS
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    result = update_extract(out, client(server))
    assert result.unchanged and any("/oudata/" in p and "from_date=" in p for p in server.requests)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
