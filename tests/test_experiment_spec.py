"""The experiment's specification as parameters: presets, parsing, the sample condition,
and errors that name the parameter before anything is estimated."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from fou.effects.experiment import analysis as experiment
from fou.effects.experiment import spec, synth
from fou.extracts.params import ParameterError

COLUMNS = synth.columns()


def test_preset_crepon2013_is_the_papers_specification():
    s = spec.resolve({"preset": "crepon2013"}, COLUMNS)
    assert s.sample == "emploiav != 1 and session <= 11"
    assert s.strata == (("noq", "session"),) and s.cluster == "anonale" and s.share == "pct0"
    assert s.treatment == "assigned" and s.takeup == "signopp"
    assert s.outcomes == ("emploidur", "cdd6m", "cdi", "emploi") and s.main_outcome == "emploidur"
    assert s.waves == (1, 2, 3, 4) and s.weights is None and s.covariates == ()


def test_explicit_values_override_the_preset_and_none_clears():
    s = spec.resolve({"preset": "crepon2013", "strata": "none", "sample": "none", "outcomes": "cdi", "waves": "2-3",
                      "covariates": "age, homme", "cluster": "noq"}, COLUMNS)
    assert s.strata == () and s.sample == "" and s.outcomes == ("cdi",) and s.waves == (2, 3)
    assert s.covariates == ("age", "homme") and s.cluster == "noq"
    plain = spec.resolve({}, COLUMNS)
    assert plain.strata == () and plain.sample == "" and plain.cluster == "anonale" and plain.heterogeneity == "homme"


@pytest.mark.parametrize(("text", "expected"), [
    ("noq^session", (("noq", "session"),)), ("noq*session", (("noq", "session"),)),
    ("noq + session", (("noq",), ("session",))), ("noq×session, anonreg", (("noq", "session"), ("anonreg",))),
    ("none", ()), ("", ())])
def test_parse_strata(text, expected):
    assert spec.parse_strata(text) == expected


@pytest.mark.parametrize(("params", "parameter", "fragment"), [
    ({"preset": "crepon"}, "preset", "expected one of crepon2013"),
    ({"strata": "noq^sesion"}, "strata", "column 'sesion' is not in the data"),
    ({"sample": "emploiav !== 1"}, "sample", "comparisons ==, !=, <, <="),
    ({"sample": "__import__('os').system('x')"}, "sample", "expected a condition on columns"),
    ({"sample": "age + 1 > 20"}, "sample", "expected a condition"),
    ({"sample": "emploiv != 1"}, "sample", "column 'emploiv' is not in the data"),
    ({"weights": "poids"}, "weights", "no such column"),
    ({"covariates": "age, diplome"}, "covariates", "column 'diplome'"),
    ({"cluster": "region"}, "cluster", "no such column"),
    ({"waves": "5"}, "waves", "between 1 and 4"),
    ({"waves": "one"}, "waves", "between 1 and 4"),
    ({"outcomes": "salaire"}, "outcomes", "no column for any of waves"),
    ({"heterogeneity": "femme"}, "heterogeneity", "no such column"),
])
def test_bad_parameters_are_named(params, parameter, fragment):
    with pytest.raises(ParameterError) as err:
        spec.resolve(params, COLUMNS)
    assert err.value.parameter == parameter and fragment in str(err.value)


def test_check_params_bounds_the_bootstrap_draws():
    with pytest.raises(ParameterError, match="between 99 and 9999"):
        experiment.check_params({"draws": 100_000})
    with pytest.raises(ParameterError, match="parameter 'microdata'"):
        experiment.check_params({"microdata": "nowhere.dta"})
    assert experiment.check_params({"preset": "crepon2013"}).strata == (("noq", "session"),)  # synthetic has the columns


def test_sample_condition_with_missing_values_is_three_valued():
    df = pd.DataFrame({"a": [1, 2, np.nan, 4], "b": [1, np.nan, 1, 0], "c": ["x", "y", "x", "z"]})
    mask = lambda expr: spec.sample_mask(df, expr).tolist()  # noqa: E731
    assert mask("a != 1") == [False, True, False, True]  # missing a is not "not 1": unknown
    assert mask("not (a == 1)") == [False, True, False, True]
    assert mask("a >= 2 or b == 1") == [True, True, True, True]  # true on either side decides
    assert mask("a >= 2 and b == 1") == [False, False, False, False]
    assert mask("a in [1, 4] & c == 'x'") == [True, False, False, False]
    assert mask("1 < a <= 4") == [False, True, False, True]
    assert mask("c in ['y', 'z'] | ~(b == 1)") == [False, True, False, True]
    assert mask("none") == [True] * 4


def test_the_runner_validates_the_experiment_before_any_kernel():
    from fou.run import validate

    declared = {"microdata", "preset", "treatment", "strata", "sample", "draws"}
    checked = validate.check({"microdata": "", "preset": "crepon2013", "strata": "", "sample": "", "draws": 499}, declared)
    assert checked.source["kind"] == "synthetic"
    with pytest.raises(ParameterError, match="parameter 'sample'.*column 'emploi_av'"):
        validate.check({"microdata": "", "preset": "", "strata": "", "sample": "emploi_av == 2", "draws": 499}, declared)
