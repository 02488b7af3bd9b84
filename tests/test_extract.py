import json
import shutil

import pandas as pd
import pytest

from fou.extracts.format import COLUMNS, ExtractError, load_extract, sha256_file, write_extract
from fou.extracts.paths import report_extract_dir


def test_shipped_extract_is_a_labelled_transcription(report_extract):
    m = report_extract.manifest
    assert m["source"]["kind"] == "transcribed"
    assert m["source"]["fetched"] is False
    assert "transcribed from Bergström & Bothén 2023, tables 1–5" in m["source"]["description"]
    assert m["files"]["values.csv"]["sha256"] == sha256_file(report_extract_dir() / "values.csv")
    # 13 municipalities x (1 + 5 + 5 KPIs in 2022) + Riket x 5 + 13 x 6 years x 2 KPIs
    assert len(report_extract.values) == 13 * 11 + 5 + 13 * 12 == 304
    assert m["coverage"]["years"] == [2017, 2018, 2019, 2020, 2021, 2022]
    assert list(report_extract.values.columns) == COLUMNS


def test_missing_is_nan_with_status_never_zero(report_extract):
    v = report_extract.values.set_index(["kpi", "municipality_id", "year"])
    assert pd.isna(v.loc[("U40800", "1419", 2022), "value"])  # Tjörn 2022 i.u.
    assert v.loc[("U40800", "1419", 2022), "status"] == "i.u."
    assert pd.isna(v.loc[("U31900", "1480", 2022), "value"])  # Göteborg "-"
    assert v.loc[("U40806", "1401", 2020), "value"] == 0.0  # a real zero stays zero
    assert report_extract.values["value"].isna().sum() == 13
    assert report_extract.values["municipality_id"].str.len().eq(4).all()  # "0000" keeps its zeros


@pytest.fixture
def copy(tmp_path):
    dst = tmp_path / "ex"
    shutil.copytree(report_extract_dir(), dst)
    return dst


def test_edited_values_are_refused_with_checksum_error(copy):
    text = (copy / "values.csv").read_text(encoding="utf-8").replace("596841", "596842")
    (copy / "values.csv").write_text(text, encoding="utf-8")
    with pytest.raises(ExtractError, match=r"values\.csv: checksum mismatch"):
        load_extract(copy)


def test_truncated_file_is_refused(copy):
    data = (copy / "values.csv").read_bytes()
    (copy / "values.csv").write_bytes(data[: len(data) // 2])
    with pytest.raises(ExtractError, match="checksum mismatch"):
        load_extract(copy)


def test_missing_manifest_and_bad_json(copy):
    (copy / "manifest.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(ExtractError, match=r"manifest\.json: not valid JSON"):
        load_extract(copy)
    (copy / "manifest.json").unlink()
    with pytest.raises(ExtractError, match=r"manifest\.json: missing"):
        load_extract(copy)


def _rewrite(copy, mutate):
    df = pd.read_csv(copy / "values.csv", dtype=str, keep_default_na=False)
    df = mutate(df)
    df.to_csv(copy / "values.csv", index=False)
    m = json.loads((copy / "manifest.json").read_text(encoding="utf-8"))
    m["files"]["values.csv"]["sha256"] = sha256_file(copy / "values.csv")
    (copy / "manifest.json").write_text(json.dumps(m), encoding="utf-8")


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.drop(columns=["status"]), r"missing column\(s\) \['status'\]"),
        (lambda d: d.assign(extra="x"), r"unexpected column\(s\) \['extra'\]"),
        (lambda d: d.assign(value=d["value"].where(d.index != 3, "lots")), r"column 'value' must be numeric.*'lots' at line\(s\) \[5\]"),
        (lambda d: d.assign(gender=d["gender"].where(d.index != 0, "X")), r"column 'gender' has 'X' at line\(s\) \[2\]"),
        (lambda d: d.assign(municipality_id=d["municipality_id"].where(d.index != 0, "480")), r"municipality_id.*'480'"),
        (lambda d: d.assign(year=d["year"].where(d.index != 0, "2022.5")), r"column 'year' must hold whole years"),
        (lambda d: pd.concat([d, d.iloc[[0]]]), r"duplicate rows for kpi=N01951"),
    ],
)
def test_schema_errors_name_the_file_and_problem(copy, mutate, message):
    _rewrite(copy, mutate)
    with pytest.raises(ExtractError, match=message) as err:
        load_extract(copy)
    assert str(copy / "values.csv") in str(err.value)


def test_manifest_must_not_claim_fetch_for_transcribed(copy):
    m = json.loads((copy / "manifest.json").read_text(encoding="utf-8"))
    m["source"]["fetched"] = True
    (copy / "manifest.json").write_text(json.dumps(m), encoding="utf-8")
    with pytest.raises(ExtractError, match="must say fetched: false"):
        load_extract(copy)


def test_write_round_trips_and_keeps_ids(tmp_path):
    rows = pd.DataFrame({"kpi": ["N01951", "N01951"], "municipality_id": ["0000", "1480"], "municipality": ["Riket", "Göteborg"],
                         "year": [2022, 2022], "gender": ["T", "T"], "value": [10452326.0, float("nan")], "status": ["", "Missing"]})
    ex = write_extract(rows, tmp_path / "e", {"kind": "synthetic"})
    assert ex.values["municipality_id"].tolist() == ["0000", "1480"]
    assert ex.values["value"].iloc[0] == 10452326.0 and pd.isna(ex.values["value"].iloc[1])
    assert ex.manifest["source"] == {"kind": "synthetic", "fetched": False}
    assert "0000,Riket,2022,T,10452326," in (tmp_path / "e" / "values.csv").read_text()


def test_failed_write_leaves_the_old_extract_untouched(tmp_path, report_extract):
    target = tmp_path / "ex"
    shutil.copytree(report_extract_dir(), target)
    before = {p.name: p.read_bytes() for p in target.iterdir()}
    bad = report_extract.values.assign(gender="?")
    with pytest.raises(ExtractError):
        write_extract(bad, target, {"kind": "synthetic"})
    assert {p.name: p.read_bytes() for p in target.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ex"]  # no temporary leftovers


def test_interrupted_write_leaves_no_half_written_extract(tmp_path, report_extract, monkeypatch):
    import fou.extracts.format as mod

    target = tmp_path / "ex"
    shutil.copytree(report_extract_dir(), target)
    before = (target / "values.csv").read_bytes()

    def boom(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(mod.json, "dumps", boom)  # fails after values.csv was written to the temp dir
    with pytest.raises(KeyboardInterrupt):
        write_extract(report_extract.values, target, {"kind": "synthetic"})
    assert (target / "values.csv").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ex"]
