"""``fou extracts update`` (from_date), ``list``, ``show`` and ``verify``."""

from __future__ import annotations

import json
import shutil

import pytest

from fou.extracts.format import load_extract
from fou.extracts.params import ParameterError
from fou.kolada.fetch import fetch_extract
from fou.kolada.update import update_extract

from .conftest import cli
from .kolada_fixture import small_client as client, small_value

KEY = ["kpi", "municipality_id", "year", "gender"]


@pytest.fixture
def fetched(server, tmp_path):
    return fetch_extract(tmp_path / "ex", ["N01951", "N31858"], "G1", (2020, 2021), client(server), group_values=True)


def snapshot(path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(path.iterdir())}


def test_unchanged_extract_stays_byte_identical_and_from_date_is_sent(server, fetched):
    before = snapshot(fetched.path)
    result = update_extract(fetched.path, client(server))
    assert result.unchanged and not result.written
    assert snapshot(fetched.path) == before
    day = fetched.manifest["source"]["fetched_at"][:10]
    data = [p for p in server.requests if "/data/" in p]
    assert data[-1].endswith(f"from_date={day}") or f"from_date={day}&" in data[-1]


def test_changes_are_applied_deletions_dropped_and_the_update_recorded(server, fetched):
    day = fetched.manifest["source"]["fetched_at"][:10]
    later = "2999-01-01"
    data = server.state.data
    data.revise("N31858", "1002", 2021, "T", 12.5, updated=later)          # revised
    data.revise("N31858", "1003", 2020, "T", small_value("N31858", "1003", 2020, "T"), updated=later)  # same value
    data.delete("N01951", "1001", 2020, "K", updated=later)                # deleted
    data.revise("N01951", "1001", 2021, "K", small_value("N01951", "1001", 2021, "K") + 1, updated=later)
    before = load_extract(fetched.path)
    result = update_extract(fetched.path, client(server), overwrite=True)
    assert result.written and result.from_date == day
    changes = {tuple(r[:4]): r[4] for r in result.details.itertuples(index=False)}
    # Kolada's group mean (G1) moves with its members; an equal value that comes back is no change
    assert changes == {
        ("N31858", "1002", 2021, "T"): "changed", ("N31858", "G1", 2021, "T"): "changed",
        ("N01951", "1001", 2020, "K"): "deleted", ("N01951", "G1", 2020, "K"): "changed",
        ("N01951", "1001", 2021, "K"): "changed", ("N01951", "G1", 2021, "K"): "changed"}
    after = load_extract(fetched.path)
    v = after.values.set_index(KEY)
    assert v.loc[("N31858", "1002", 2021, "T"), "value"] == 12.5
    assert ("N01951", "1001", 2020, "K") not in v.index and len(after.values) == len(before.values) - 1
    g = v.loc[("N01951", "G1", 2020, "K")]
    assert g["count"] == 2 and g["value"] == pytest.approx(
        (small_value("N01951", "1002", 2020, "K") + small_value("N01951", "1003", 2020, "K")) / 2, abs=1e-9)
    assert v.loc[("N31858", "1003", 2020, "T"), "value"] == small_value("N31858", "1003", 2020, "T")
    upd = after.manifest["updates"]
    assert len(upd) == 1 and (upd[0]["changed"], upd[0]["added"], upd[0]["deleted"], upd[0]["from_date"]) == (5, 0, 1, day)
    assert after.manifest["source"] == before.manifest["source"]  # fetched_at and queries kept
    assert after.manifest["counts_by_kpi"]["N01951"] == before.manifest["counts_by_kpi"]["N01951"] - 1
    assert after.manifest["kpi_metadata"]["N31858"]["prel_publication_date"] == "2020-01-01"  # metadata kept
    for name in ("units.csv", "groups.csv", "kpis.csv"):
        assert (after.path / name).read_bytes() == (before.path / name).read_bytes()
    # the next update starts from the day of this one; what comes back is what the extract has
    again = update_extract(fetched.path, client(server), overwrite=True)
    assert again.from_date == upd[0]["values_as_of"][:10] and again.unchanged and not again.written


def test_new_values_are_added_and_dry_run_writes_nothing(server, fetched):
    server.state.data.revise("N31858", "1001", 2021, "K", 3.0, updated="2999-01-01")  # a row the extract lacks
    before = snapshot(fetched.path)
    result = update_extract(fetched.path, client(server), dry_run=True)
    assert (result.changed, result.added, result.deleted) == (0, 2, 0) and not result.written  # and G1's K mean
    assert snapshot(fetched.path) == before
    update_extract(fetched.path, client(server), overwrite=True)
    added = load_extract(fetched.path).values.set_index(KEY).loc[("N31858", "1001", 2021, "K")]
    assert added["value"] == 3.0 and added["municipality"] == "Kommun 1001"


def test_only_fetched_extracts_can_be_updated(server, report_extract, tmp_path):
    target = tmp_path / "report"
    shutil.copytree(report_extract.path, target)
    with pytest.raises(ParameterError, match="only extracts fetched from Kolada can be updated; this one is transcribed"):
        update_extract(target, client(server))


def test_update_list_show_verify_commands(server, fetched, tmp_path):
    env = {"FOU_CACHE_DIR": str(tmp_path / "cache")}
    path = str(fetched.path)
    before = snapshot(fetched.path)
    proc = cli("extracts", "update", path, "--base-url", server.base_url, env=env)
    assert proc.returncode == 0 and "nothing written" in proc.stdout and snapshot(fetched.path) == before
    server.state.data.revise("N31858", "1002", 2021, "T", 99.0, updated="2999-01-01")
    proc = cli("extracts", "update", path, "--base-url", server.base_url, "--overwrite", env=env)
    assert proc.returncode == 0 and "2 changed, 0 added, 0 deleted" in proc.stdout  # the value and G1's mean
    proc = cli("extracts", "show", path, env=env)
    assert proc.returncode == 0
    assert "N31858  Försörjningshinder arbetslösa" in proc.stdout and "preliminary when fetched: 2021" not in proc.stdout
    assert "not split by gender (T only)" in proc.stdout and "2 changed, 0 added, 0 deleted" in proc.stdout
    listing = json.loads(cli("extracts", "list", str(tmp_path), "--json", env=env).stdout)
    assert [(e["name"], e["kind"], e["rows"]) for e in listing] == [("ex", "fetched", len(load_extract(path).values))]
    assert cli("extracts", "verify", path, "report-2023", env=env).returncode == 0
    (fetched.path / "units.csv").write_text("id,title,type\n", encoding="utf-8")
    proc = cli("extracts", "verify", path, env=env)
    assert proc.returncode == 1 and "units.csv: checksum mismatch" in proc.stdout
    (fetched.path / "values.csv").write_text("kpi\n", encoding="utf-8")
    proc = cli("extracts", "list", str(tmp_path), env=env)
    assert proc.returncode == 0 and "BROKEN" in proc.stdout and "checksum mismatch" in proc.stdout


def test_default_target_is_a_new_extract_and_an_existing_one_is_refused(server, fetched, tmp_path):
    server.state.data.revise("N31858", "1002", 2021, "T", 12.5, updated="2999-01-01")
    before = snapshot(fetched.path)
    result = update_extract(fetched.path, client(server))
    assert result.written and result.target.name.startswith("ex-updated-") and snapshot(fetched.path) == before
    assert load_extract(result.target).manifest["derived_from"]["sha256"] == fetched.checksum
    with pytest.raises(ParameterError, match="parameter 'out'.*choose a new folder with --out"):
        update_extract(fetched.path, client(server))
    with pytest.raises(ParameterError, match="either --out .* or --overwrite"):
        update_extract(fetched.path, client(server), out=tmp_path / "o", overwrite=True)


def test_old_manifests_that_used_the_cache_update_from_a_day_earlier(fetched):
    from fou.kolada.update import since

    m = fetched.manifest
    m["source"]["fetched_at"] = "2026-05-10T12:00:00+00:00"
    m["source"]["requests"] = {"network": 0, "cached": 3}  # written before answers were recorded
    assert since(fetched) == "2026-05-09"
    m["source"]["requests"] = {"network": 3, "cached": 0}
    assert since(fetched) == "2026-05-10"
