"""The direct effect of assignment in the two-stage experiment (Crépon et al. 2013):
against pyfixest on generated data with a known effect and, when ../shared holds the
public-use file, on the real data."""

from pathlib import Path

import numpy as np
import pandas as pd
import pyfixest as pf
import pytest

from fou.effects.evidence import microdata as em
MICRODATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "microdata" / "crepon2013_jd.dta"


def _generated(seed: int = 3, direct: float = 0.05, spill: float = -0.03) -> pd.DataFrame:
    """Markets with shares 0–100 % treated; assigned gain ``direct`` over pure control,
    non-assigned in treated markets lose ``spill`` (which the direct estimand must ignore)."""
    rng = np.random.default_rng(seed)
    rows = []
    for market in range(120):
        share = rng.choice([0, 0.25, 0.5, 0.75, 1.0])
        level = rng.normal(0, 0.05)
        for _ in range(60):
            assigned = int(rng.random() < share)
            session = int(rng.integers(3, 13))
            noq = int(rng.integers(1, 5))
            p = 0.35 + level + 0.01 * noq + direct * assigned + spill * (share > 0) * (1 - assigned)
            rows.append({"anonale": market, "pct0": share, "assigned": assigned, "session": session, "noq": noq,
                         "emploiav": int(rng.random() < 0.2), "emploidur": float(rng.random() < p)})
    return pd.DataFrame(rows)


def _pooled_reference(frame: pd.DataFrame):
    """pyfixest's pooled reduced form on the paper's sample: direct and spillover terms, strata FE."""
    data = frame[(frame.emploiav != 1) & (frame.session <= 11)].copy()
    data["direct"] = data["assigned"].astype(float)
    data["spill"] = ((data["pct0"] > 0) & (data["assigned"] == 0)).astype(float)
    return data, pf.feols("emploidur ~ direct + spill | noq^session", data=data, vcov={"CRV1": "anonale"})


def test_direct_effect_equals_pyfixest_and_separates_spillovers():
    frame = _generated()
    frame["signopp"] = frame["assigned"]
    res = em.direct_effect(frame)
    data, ref = _pooled_reference(frame)
    assert res["estimate"] == pytest.approx(ref.coef()["direct"], rel=1e-10)
    assert res["std_error"] == pytest.approx(ref.se()["direct"], rel=1e-8)
    assert res["n"] == ref._N == res["n_sample"] == len(data)
    assert res["clusters"] == data["anonale"].nunique()
    # known truth: 0,05 for the direct contrast (the -0,03 spillover would pull a within-market contrast to 0,08)
    assert abs(res["estimate"] - 0.05) < 2.5 * res["std_error"]


def test_row_is_in_percentage_points_and_names_its_estimand():
    res = {"estimate": 0.0074, "std_error": 0.0116, "ci_low": -0.015, "ci_high": 0.03, "n": 8900, "n_sample": 11806,
           "clusters": 235, "control_mean": 0.376, "outcome": "emploidur", "level": 0.95}
    row = em.evidence_row(res, "data.dta")
    assert row["estimate"] == pytest.approx(0.74) and row["std_error"] == pytest.approx(1.16)
    assert row["in_report"] == 0 and "pct0 = 0" in row["note"] and "235" in row["se_derivation"]


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="microdata: no file at"):
        em.load_microdata(tmp_path / "nope.dta")


@pytest.mark.skipif(not MICRODATA.is_file(), reason="../shared/data/microdata/crepon2013_jd.dta is absent")
def test_real_public_use_file():
    frame = em.load_microdata(MICRODATA)
    res = em.direct_effect(frame)
    assert res["n_sample"] == 11806 and res["n"] == 11806 and res["clusters"] == 235
    _, ref = _pooled_reference(frame)
    assert res["estimate"] == pytest.approx(ref.coef()["direct"], rel=1e-10)
    assert res["std_error"] == pytest.approx(ref.se()["direct"], rel=1e-8)
    # the experiment page's direct term for emploidur wave 1 (issue 9: +0,006)
    assert res["estimate"] == pytest.approx(0.00565, abs=5e-5) and res["std_error"] == pytest.approx(0.0115, abs=5e-4)
