"""The session's run of the notebooks under parameters other than the defaults (``variant_run`` in
tests/conftest.py): one ``fou run`` holding the parameter sweep (tests/test_sweep.py), two entries
of one notebook (tests/test_links.py) and the study on other years, a region partly outside the
extract and a hand-made extract (tests/test_run.py).

One run instead of five: every ``fou run`` starts its workers and their warm kernels (papermill and
a zygote importing pandas, scipy, matplotlib and fou: ~8 s of CPU), and in one run the entries of
all five share two workers. Each test checks that its own entries ran (:func:`entries_ok`), so one
failing entry fails only the tests that read it. A notebook with several entries here writes its
tables under ``tables/<entry>/`` (tests/test_run_safety.py, case 5).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd

from fou.extracts.paths import REPO_ROOT

THREE = "Ale, Kungälv, Tjörn"
#: tests/test_sweep.py: entry name → (notebook, parameters, municipalities in the region or None, years shown or None)
SWEEP = {
    "01-three-2021": ("01_population_socioeconomics", {"region": THREE, "year": 2021}, 3, None),
    "03-kungalv": ("03_referrals", {"region": "Kungälv", "years": "2019-2022"}, 1, "2019–2022"),
    "04-later-years": ("04_checks", {"years": "2019-2022"}, 13, None),
    "05-three": ("05_municipal_panel", {"region": THREE, "years": "2018-2022"}, 3, "2018–2022"),
    "06-dl": ("06_evidence", {"tau2": "dl"}, None, None),
    "07-few-draws": ("07_experiment", {"draws": 199}, None, None),
    "08-small-list": ("08_national_pilot", {"extract": "kolada-national", "pilots": "{pilots}"}, None, None),
    "09-skane-2019": ("09_national_context", {"extract": "kolada-national", "questions": "13,15", "kpis": "N03920",
                                              "year": 2019, "highlight": "Skåne", "draws": 999}, None, None),
}
# The profile of a pilot municipality (Bjurholm) is in the session's default run: tests/test_run.py checks
# every page of that run for the same leaks and links (test_no_leaks_and_every_link_resolves_on_default_pages).

NORTH = "Kungälv, Stenungsund, Tjörn, Lilla Edet, Ale, Alingsås"
#: tests/test_links.py: two entries of one notebook, each linking its own tables
LINKS = {
    "referrals-gr": ("03_referrals", {}),
    "referrals-north": ("03_referrals", {"region": NORTH}),
}

OTHER_THREE = "Uddevalla, Trollhättan, Vänersborg"
OUTSIDE = "Göteborg, Borås"
_HAND_MADE = {"extract": "{three}", "region": OTHER_THREE, "year": 2023, "years": "2019-2023"}
#: tests/test_run.py: years without values in Table 5, a region partly outside the extract (with Kolada's
#: metadata from ../shared), three municipalities of a hand-made extract
STUDY = {
    "table5-two-years": ("03_referrals", {"years": "2017,2022"}),
    "outside-01": ("01_population_socioeconomics", {"region": OUTSIDE, "metadata": "{kolada}"}),
    "outside-04": ("04_checks", {"region": OUTSIDE, "metadata": "{kolada}"}),
    "three-01": ("01_population_socioeconomics", _HAND_MADE),
    "three-03": ("03_referrals", _HAND_MADE),
}


def three_municipality_rows() -> list[dict]:
    """Values for Uddevalla, Vänersborg and Trollhättan, 2019–2023 (Trollhättan's U40809 2023 missing)."""
    rows = []
    for n, (mid, name) in enumerate({"1485": "Uddevalla", "1487": "Vänersborg", "1488": "Trollhättan"}.items()):
        rows.append({"kpi": "N01951", "municipality_id": mid, "municipality": name, "year": 2023, "value": 50000.0 + n})
        for k, v in (("N03932", 5.1 + n), ("N31825", 2.0), ("N31858", 40.0), ("N31814", 45.0), ("U31900", 3.0)):
            rows.append({"kpi": k, "municipality_id": mid, "municipality": name, "year": 2023, "value": v})
        for k in ("U40826", "U40829", "U40828", "U40831", "U40830"):
            rows.append({"kpi": k, "municipality_id": mid, "municipality": name, "year": 2023, "value": float(n % 2)})
        for year in range(2019, 2024):
            rows.append({"kpi": "U40800", "municipality_id": mid, "municipality": name, "year": year, "value": 100.0 * (n + 1) + year - 2019})
            rows.append({"kpi": "U40806", "municipality_id": mid, "municipality": name, "year": year, "value": 10.0 * (n + 1)})
            rows.append({"kpi": "U40809", "municipality_id": mid, "municipality": name, "year": year, "value": 50.0 + n})
    rows.append({"kpi": "U40806", "municipality_id": "0000", "municipality": "Riket", "year": 2023, "value": 22.0})
    rows[-2]["value"] = float("nan")  # Trollhättan U40809 2023 missing
    return rows


def _toml_value(value) -> str:
    return str(value) if isinstance(value, int) else json.dumps(value, ensure_ascii=False)


def run_variants(tmp: Path, kolada: Path) -> tuple[Path, subprocess.CompletedProcess]:
    """Write the inputs and the configuration into ``tmp`` and run it into ``tmp/out``; entries that need
    Kolada's metadata are left out when ``kolada`` (../shared/data/kolada) is absent."""
    from .conftest import make_extract

    pilots = pd.read_csv(REPO_ROOT / "data" / "reference" / "krom_pilot_municipalities.csv", dtype=str)
    small = pilots[pilots["pilot_area"].isin(["Västerbotten", "Västmanland"])].head(13)
    assert len(small) == 13 and small["pilot_area"].nunique() == 2
    small.to_csv(tmp / "pilots13.csv", index=False)
    three = make_extract(tmp / "three", three_municipality_rows())
    fill = {"{pilots}": str(tmp / "pilots13.csv"), "{three}": str(three), "{kolada}": str(kolada)}
    lines = ['[defaults]\nextract = "report-2023"\nregion = "Göteborgsregionen"\nyear = 2022\nyears = "2017-2022"\n']
    entries = {**{n: s[:2] for n, s in SWEEP.items()}, **LINKS, **STUDY}
    for name, (notebook, params) in entries.items():
        if "{kolada}" in params.values() and not kolada.is_dir():
            continue
        params = {k: fill.get(v, v) if isinstance(v, str) else v for k, v in params.items()}
        inline = ", ".join(f"{k} = {_toml_value(v)}" for k, v in params.items())
        lines.append(f'[[entry]]\nname = "{name}"\nnotebook = "{notebook}.ipynb"\ntitle = "{name}"\n'
                     f"parameters = {{ {inline} }}\n")
    (tmp / "run.toml").write_text("\n".join(lines), encoding="utf-8")
    out = tmp / "out"
    proc = subprocess.run([sys.executable, "-m", "fou", "run", "--config", str(tmp / "run.toml"), "--out", str(out),
                           "--jobs", "2", "--quiet"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=900)
    return out, proc


def entries_ok(variant_run, *names: str) -> tuple[Path, dict[str, dict]]:
    """The run's folder and its run.json entries by name, after checking that ``names`` ran and are ok."""
    out, proc = variant_run
    assert (out / "run.json").is_file(), proc.stdout + proc.stderr
    run = {n["name"]: n for n in json.loads((out / "run.json").read_text(encoding="utf-8"))["notebooks"]}
    failed = [n for n in names if run.get(n, {}).get("status") != "ok"]
    assert failed == [], proc.stdout + proc.stderr
    return out, run
