"""The estimands of a two-stage randomised experiment (markets get a treated share,
then job seekers are assigned within markets), named by the design as in Crépon,
Duflo, Gurgand, Rathelot & Zamora (2013, QJE 128(2), the pooled and unconstrained
reduced forms). Unless said otherwise every comparison is against job seekers in
markets with no treatment (share 0, "pure control"):

``direct``          assigned job seekers (all in treated markets);
``spillover``       non-assigned job seekers in treated markets (displacement if < 0);
``direct_25`` …     the same two by treated share (unconstrained reduced form; there is
``spillover_25`` …  no spillover term at 100 %, where nobody is left unassigned);
``within_market``   assigned against non-assigned in the same market (market fixed
                    effects, markets with both): under the design it equals direct
                    minus spillover, not the effect of assignment;
``late``            the effect of taking the programme up: 2SLS of the outcome on take-up
                    instrumented by assignment, with the spillover term (non-assigned in a
                    treated market) as a control. Exclusion restriction: assignment acts only
                    through take-up, so assigned people who do not take up fare as in a
                    market with no treatment (they share none of their market's spillover);
``late_shared_spillover``  the same 2SLS with the treated-market indicator as the control:
                    assigned non-takers share their market's spillover with the non-assigned,
                    so the estimate is the effect of taking up against not taking up in the
                    same treated market (the one indicator pools the spillover over shares:
                    exact when it is the same in every treated market);
``market_25`` …     all job seekers in markets with that share: what a whole market gains.

Each regression absorbs the strata fixed effects of the :class:`~.spec.Spec` (except
``within_market``, which absorbs markets), uses its weights and covariates, and has
cluster-robust errors by its cluster variable (CRV1, see :mod:`.linear`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from fou.extracts.params import ParameterError
from fou.effects import linear, multiple
from fou.effects.experiment.spec import DESIGN_WEIGHTS, Spec, sample_mask

Z, S, D, T = "_assigned", "_spill", "_takeup", "_treated_market"
WITHIN, LATE, LATE_SHARED = "within_market", "late", "late_shared_spillover"
RESULT_COLUMNS = ["outcome", "wave", "term", "estimate", "std_error", "ci_low", "ci_high", "p_value", "nobs", "clusters"]
CONTRACT_COLUMNS = ["outcome", "wave", "term", "estimate", "std_error", "p_value", "p_adjusted", "p_mc_se", "nobs",
                    "clusters", "unit", "weighting", "assumption", "data_source"]
#: What identifies each term (the ``assumption`` column of the contract); by-share terms as their stem.
ASSUMPTIONS = {
    "direct": "randomisation of shares to markets and of assignment within markets",
    "spillover": "randomisation of shares to markets and of assignment within markets",
    "market": "randomisation of shares to markets",
    WITHIN: "randomisation within markets; equals direct minus spillover, not the effect of assignment",
    LATE: "exclusion restriction: assignment acts only through take-up, and assigned non-takers share none of "
          "their market's spillover (they fare as in a market with no treatment); monotonicity",
    LATE_SHARED: "exclusion restriction: assignment acts only through take-up; assigned non-takers share their "
                 "market's spillover with the non-assigned (control: treated market, one spillover pooled over "
                 "treated shares); monotonicity",
}
#: Outcome kinds: a 0/1 outcome is a share (estimates in proportion units), anything else an amount.
SHARE, AMOUNT = "share", "amount"
#: Units of known amounts (the Crépon file's monthly wage is in euro); other amounts are in their own unit.
AMOUNT_UNITS = {"salaire": "euro"}


def outcome_kind(values: pd.Series | np.ndarray) -> str:
    """``share`` when the non-missing values are all 0 or 1, else ``amount``."""
    v = pd.Series(np.asarray(values, dtype=float)).dropna()
    return SHARE if v.isin([0.0, 1.0]).all() else AMOUNT


def assumption(term: str) -> str:
    """The identifying assumption of a term (``direct_25`` as ``direct``)."""
    return ASSUMPTIONS.get(term, ASSUMPTIONS.get(term.rsplit("_", 1)[0], ""))


def pct(share: float) -> int:
    """A treated share as whole percent (0.25 → 25)."""
    return int(round(100 * share))


@dataclass(frozen=True)
class Design:
    """The analysis sample with the design's indicator columns."""

    data: pd.DataFrame
    spec: Spec
    shares: tuple[float, ...]  # positive treated shares present
    fixed_effects: tuple[str, ...] = ()  # one integer-coded column per strata fixed effect

    @property
    def absorb(self) -> list[list[str]]:
        return [[c] for c in self.fixed_effects]

    def with_data(self, data: pd.DataFrame) -> Design:
        """The same design on other rows or with extra columns."""
        return Design(data, self.spec, self.shares, self.fixed_effects)

    def outcome_columns(self) -> list[tuple[str, int, str]]:
        """(outcome, wave, column) for every outcome and wave present in the data."""
        return [(o, w, Spec.column(o, w)) for o in self.spec.outcomes for w in self.spec.waves
                if Spec.column(o, w) in self.data.columns]

    def outcome_kinds(self) -> dict[str, str]:
        """Each outcome's kind (:func:`outcome_kind` over all its waves in the sample)."""
        cols: dict[str, list[str]] = {}
        for o, _, c in self.outcome_columns():
            cols.setdefault(o, []).append(c)
        return {o: outcome_kind(self.data[c].to_numpy(float).ravel()) for o, c in cols.items()}

    def arm(self) -> pd.Series:
        """``assigned``, ``nonassigned`` (in a treated market) or ``control`` (share 0)."""
        d = self.data
        return pd.Series(np.where(d[Z] == 1, "assigned", np.where(d[T] == 1, "nonassigned", "control")), index=d.index)


def prepare(df: pd.DataFrame, spec: Spec) -> Design:
    """Restrict to the analysis sample and add the design's indicators; checks the design."""
    d = df[sample_mask(df, spec.sample)].copy()
    if d.empty:
        raise ParameterError("sample", spec.sample, "no one in the data satisfies it")
    share = d[spec.share].astype(float)
    if share.isna().any() or not share.between(0, 1).all():
        raise ParameterError("share", spec.share, "expected the market's treated share between 0 and 1 for everyone")
    z = d[spec.treatment]
    if not z.isin([0, 1]).all():
        raise ParameterError("treatment", spec.treatment, "expected a 0/1 assignment indicator without missing values")
    if ((z == 1) & (share == 0)).any():
        raise ParameterError("treatment", spec.treatment, f"some are assigned in markets with {spec.share} = 0")
    if not (share == 0).any():
        raise ParameterError("share", spec.share, "no markets with share 0 in the sample: no pure control to compare with")
    d[Z], d[T] = z.astype(float), (share > 0).astype(float)
    d[S] = d[T] * (1 - d[Z])
    d[D] = d[spec.takeup].astype(float)
    if spec.weights == DESIGN_WEIGHTS:  # inverse probability of one's own assignment given the market's share
        d[DESIGN_WEIGHTS] = np.where(d[Z] == 1, 1 / share.where(share > 0, 1.0), 1 / (1 - share.where(share < 1, 0.0)))
    shares = tuple(sorted(float(s) for s in share.unique() if s > 0))
    for s in shares:
        d[f"_z{pct(s)}"] = d[Z] * (share == s)
        d[f"_s{pct(s)}"] = d[S] * (share == s)
        d[f"_t{pct(s)}"] = (share == s).astype(float)
    for i, group in enumerate(spec.strata):  # one integer code per fixed effect: fast repeated fits
        d[f"_fe{i}"] = linear.levels(d, group)
    return Design(d, spec, shares, tuple(f"_fe{i}" for i in range(len(spec.strata))))


def _fit(design: Design, column: str, exog: list[str], **kw) -> linear.Fit:
    s = design.spec
    kw.setdefault("absorb", design.absorb)
    return linear.fit(design.data, column, [*exog, *s.covariates], s.cluster, weights=s.weights, **kw)


def pooled(design: Design, column: str) -> linear.Fit:
    """``y ~ assigned + nonassigned_in_treated | strata``: ``direct`` and ``spillover``."""
    return _fit(design, column, [Z, S])


def unconstrained(design: Design, column: str) -> linear.Fit:
    """Direct and spillover terms for each treated share."""
    terms = [f"_z{pct(s)}" for s in design.shares] + [f"_s{pct(s)}" for s in design.shares if s < 1]
    return _fit(design, column, terms)


def within_market(design: Design, column: str) -> linear.Fit:
    """Assigned against non-assigned in the same market, markets with both (market fixed effects)."""
    share = design.data[design.spec.share]
    return _fit(design.with_data(design.data[(share > 0) & (share < 1)]), column, [Z], absorb=[[design.spec.market]])


def late(design: Design, column: str) -> linear.Fit:
    """2SLS: take-up instrumented by assignment, spillover term as control, strata fixed effects."""
    return _fit(design, column, [S], endog=[D], instruments=[Z])


def late_shared_spillover(design: Design, column: str) -> linear.Fit:
    """2SLS as :func:`late` with the treated-market indicator as control: assigned non-takers
    share their market's spillover (the effect of taking up against not taking up in the same market)."""
    return _fit(design, column, [T], endog=[D], instruments=[Z])


def market(design: Design, column: str) -> linear.Fit:
    """Everyone in markets with each treated share against markets with none."""
    return _fit(design, column, [f"_t{pct(s)}" for s in design.shares])


def first_stage(design: Design) -> linear.Estimate:
    """Take-up among the assigned against pure control (the first stage of ``late``)."""
    return pooled(design, D).estimate(Z)


def term_fits(design: Design, column: str) -> list[tuple[str, linear.Fit, str]]:
    """(term, fit, coefficient) for every estimand of one outcome column."""
    out: list[tuple[str, linear.Fit, str]] = []
    f = pooled(design, column)
    out += [("direct", f, Z), ("spillover", f, S)]
    f = unconstrained(design, column)
    out += [(f"direct_{pct(s)}", f, f"_z{pct(s)}") for s in design.shares]
    out += [(f"spillover_{pct(s)}", f, f"_s{pct(s)}") for s in design.shares if s < 1]
    out.append((WITHIN, within_market(design, column), Z))
    out.append((LATE, late(design, column), D))
    out.append((LATE_SHARED, late_shared_spillover(design, column), D))
    f = market(design, column)
    out += [(f"market_{pct(s)}", f, f"_t{pct(s)}") for s in design.shares]
    return out


@dataclass(frozen=True)
class Results:
    """Every estimand for every outcome and wave, and what the bootstrap needs of each row."""

    table: pd.DataFrame  # RESULT_COLUMNS + p_adjusted, p_mc_se, unit, weighting, assumption
    hypotheses: list[multiple.Hypothesis]
    draws: int = 999

    def contract(self, data_source: str) -> pd.DataFrame:
        """The output contract (:data:`CONTRACT_COLUMNS`); ``data_source`` is the data file's
        name or ``synthetic``."""
        return self.table.assign(data_source=data_source)[CONTRACT_COLUMNS]


def reduced_form(design: Design, draws: int = 999, seed: int = 2013) -> Results:
    """All estimands, with Romano–Wolf p-values over outcomes × waves for each term."""
    rows, hypotheses = [], []
    for outcome, wave, column in design.outcome_columns():
        for term, f, coef in term_fits(design, column):
            rows.append({"outcome": outcome, "wave": wave, "term": term, **f.estimate(coef).as_dict()})
            hypotheses.append(multiple.Hypothesis.of(f, {coef: 1.0}))
    table = pd.DataFrame(rows, columns=RESULT_COLUMNS)
    table["p_adjusted"] = multiple.romano_wolf_by_family(table, hypotheses, family="term", draws=draws, seed=seed)
    table["p_mc_se"] = multiple.mc_se(table["p_adjusted"], draws)
    kinds = design.outcome_kinds()
    table["unit"] = table["outcome"].map(lambda o: "proportion" if kinds[o] == SHARE
                                         else AMOUNT_UNITS.get(o, "the outcome's own unit"))
    table["weighting"] = {"none": "none", "design": "design: inverse probability of assignment given the share"}.get(
        design.spec.weighting, f"column {design.spec.weights}")
    table["assumption"] = table["term"].map(assumption)
    return Results(table, hypotheses, draws)


def heterogeneity(design: Design, column: str, by: str) -> pd.DataFrame:
    """Direct and spillover effects for ``by`` = 0 and 1 from one regression with common
    strata fixed effects, and their difference (the interaction) with its own test."""
    d = design.data
    h = d[by]
    if not h.dropna().isin([0, 1]).all() or h.nunique() != 2:
        raise ParameterError("heterogeneity", by, "expected a binary 0/1 column with both values in the sample")
    d = d.assign(_h=h.astype(float), _z_0=d[Z] * (1 - h), _z_1=d[Z] * h, _s_0=d[S] * (1 - h), _s_1=d[S] * h)
    f = _fit(Design(d, heterogeneity_spec(design.spec, by), design.shares, design.fixed_effects), column,
             ["_z_0", "_z_1", "_s_0", "_s_1", "_h"])
    rows = []
    for term, stem in (("direct", "_z"), ("spillover", "_s")):
        for group, weights in (("0", {f"{stem}_0": 1.0}), ("1", {f"{stem}_1": 1.0}),
                               ("1 − 0", {f"{stem}_1": 1.0, f"{stem}_0": -1.0})):
            rows.append({"term": term, "group": group, **f.contrast(weights).as_dict()})
    return pd.DataFrame(rows).assign(by=by)


def heterogeneity_spec(spec: Spec, by: str) -> Spec:
    """The specification of the heterogeneity regression: ``by`` enters as the group's main
    effect, so it is dropped from the covariates (else the regressors are collinear)."""
    return replace(spec, covariates=tuple(c for c in spec.covariates if c != by))


def control_means(design: Design) -> pd.DataFrame:
    """Mean outcome in pure-control markets (share 0), per outcome and wave, among
    respondents (weighted when the specification has weights)."""
    ctrl = design.data[design.data[T] == 0]
    w = ctrl[design.spec.weights] if design.spec.weights else pd.Series(1.0, index=ctrl.index)
    rows = []
    for o, wave, c in design.outcome_columns():
        ok = ctrl[c].notna() & (w > 0)
        mean = float(np.average(ctrl.loc[ok, c], weights=w[ok])) if ok.any() else np.nan
        rows.append({"outcome": o, "wave": wave, "control_mean": mean, "respondents": int(ok.sum())})
    return pd.DataFrame(rows)
