"""Parameter rules run before any kernel starts: each error names the parameter and what is valid."""

from __future__ import annotations

import pytest

from fou.extracts.params import ParameterError
from fou.run import runner, validate


def _check(**params):
    return validate.check(params, set(params))


@pytest.mark.parametrize("draws", [-5, 0, 98, 9.5, True, "many"])
def test_draws_below_99_or_not_whole_are_refused(draws):
    with pytest.raises(ParameterError, match=r"parameter 'draws': invalid value .*≥ 99") as err:
        _check(draws=draws)
    assert err.value.parameter == "draws"


def test_draws_from_the_command_line_are_refused_in_the_plan(tmp_path):
    defaults, entries = runner.load_config()
    with pytest.raises(ParameterError) as err:
        runner.plan(entries, defaults, {"draws": "-5"}, tmp_path, only=["05_municipal_panel"])
    assert err.value.parameter == "05_municipal_panel.draws" and err.value.value == -5


@pytest.mark.parametrize(("years", "missing"), [("2016-2022", "2016"), ("2021-2023", "2023"), ("2030", "2030")])
def test_years_must_all_be_in_the_extract(years, missing):
    with pytest.raises(ParameterError, match=rf"'years': invalid value '{years}'; the extract has no values for {missing}"):
        _check(extract="report-2023", region="Göteborgsregionen", year=2022, years=years, metadata="")


def test_valid_study_parameters_pass_and_lowercase_group_ids_resolve():
    c = _check(extract="report-2023", region="g96190", year=2022, years="2017,2022", metadata="")
    assert c.source["kind"] == "transcribed"


def _experiment(**params):
    declared = {"microdata", "preset", "treatment", "takeup", "market", "share", "cluster", "strata", "weights",
                "covariates", "sample", "outcomes", "waves", "heterogeneity", "draws", "seed", "output_dir"}
    return validate.check({"draws": 499, **params}, declared)


@pytest.mark.parametrize("waves", ["9", "1,5", "0"])
def test_waves_the_synthetic_experiment_lacks_are_named_before_any_kernel(waves):
    with pytest.raises(ParameterError) as err:
        _experiment(waves=waves)
    assert err.value.parameter == "waves" and err.value.value == waves
    assert "the synthetic experiment has for the main outcome emploidur: 1, 2, 3, 4" in str(err.value)


def test_waves_a_data_file_lacks_are_named_with_the_file_name(tmp_path):
    from fou.effects.experiment import synth
    df, _ = synth.two_stage_experiment(n_quintuplets=2, seed=1)
    path = tmp_path / "two_waves.csv"
    df.drop(columns=[c for c in df.columns if c[-1] in "34"]).to_csv(path, index=False)
    with pytest.raises(ParameterError) as err:
        _experiment(microdata=str(path), waves="1-3")
    assert err.value.parameter == "waves"
    assert str(err.value).endswith("two_waves.csv has for the main outcome emploidur: 1, 2") and str(tmp_path) not in str(err.value)
    assert _experiment(microdata=str(path), waves="1,2").params["waves"] == "1,2"
