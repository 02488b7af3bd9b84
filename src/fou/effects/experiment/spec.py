"""The specification of a two-stage experiment's analysis, as parameters: variable
mapping, analysis sample, strata fixed effects, weights, covariates, cluster,
outcomes, waves and a binary covariate for heterogeneity, with named presets.

Every parameter arrives as text (papermill, ``--param``); :func:`resolve` checks them
all against the data's column names before anything is estimated and raises
:class:`~fou.params.ParameterError` naming the parameter, the bad value and what is
valid. An empty value means "from the preset, else the default"; ``none`` means
explicitly nothing (no strata, no weights, …). ``weights=design`` is the design's
weighting (Crépon et al. 2013): each person by the inverse probability of their own
assignment given the market's treated share (assigned ``1/s``, non-assigned ``1/(1 − s)``,
pure control 1), computed in :func:`~.estimands.prepare` as the column :data:`DESIGN_WEIGHTS`.
"""

from __future__ import annotations

import ast
import operator
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from fou.extracts.params import ParameterError

NONE = ("none", "-", "ingen")
DESIGN = "design"
DESIGN_WEIGHTS = "_design_weight"  # the column prepare() adds for weights=design

DEFAULTS: dict[str, str] = {
    "treatment": "assigned", "takeup": "signopp", "market": "anonale", "share": "pct0", "cluster": "",
    "strata": "none", "weights": "none", "covariates": "none", "sample": "none",
    "outcomes": "emploidur,cdd6m,cdi,emploi", "waves": "1,2,3,4", "heterogeneity": "homme",
}

PRESETS: dict[str, dict[str, str]] = {
    # Crépon, Duflo, Gurgand, Rathelot & Zamora (2013), QJE 128(2): 531–580, public-use file
    # as distributed with the R package RCT2: the paper's 8-month sample (not employed at
    # assignment, cohorts 1–11 of the survey: n = 11 806), strata = quintuplet × cohort,
    # clusters = local labour markets.
    "crepon2013": {
        "treatment": "assigned", "takeup": "signopp", "market": "anonale", "share": "pct0", "cluster": "anonale",
        "strata": "noq^session", "weights": "none", "covariates": "none",
        "sample": "emploiav != 1 and session <= 11", "outcomes": "emploidur,cdd6m,cdi,emploi",
        "waves": "1,2,3,4", "heterogeneity": "homme",
    },
}
PRESET_SOURCES = {
    "crepon2013": "Crépon, Duflo, Gurgand, Rathelot & Zamora (2013), Quarterly Journal of Economics 128(2): 531–580",
}


@dataclass(frozen=True)
class Spec:
    """What is estimated on which sample; the first outcome is the main one."""

    treatment: str = "assigned"
    takeup: str = "signopp"
    market: str = "anonale"
    share: str = "pct0"
    cluster: str = "anonale"
    strata: tuple[tuple[str, ...], ...] = ()
    weights: str | None = None
    covariates: tuple[str, ...] = ()
    sample: str = ""
    outcomes: tuple[str, ...] = ("emploidur", "cdd6m", "cdi", "emploi")
    waves: tuple[int, ...] = (1, 2, 3, 4)
    heterogeneity: str | None = "homme"
    preset: str = ""

    @property
    def weighting(self) -> str:
        """``none``, ``design`` (inverse probability of assignment given the share) or ``column``."""
        return "none" if not self.weights else DESIGN if self.weights == DESIGN_WEIGHTS else "column"

    @property
    def main_outcome(self) -> str:
        return self.outcomes[0]

    @staticmethod
    def column(outcome: str, wave: int) -> str:
        """Column of an outcome at a survey wave: wave 1 has no suffix, then 2, 3, 4."""
        return outcome if wave == 1 else f"{outcome}{wave}"

    def strata_label(self) -> str:
        """The strata as written in parameters (``noq^session``), or ``none``."""
        return " + ".join("^".join(g) for g in self.strata) or "none"


# -- parsing ------------------------------------------------------------------------

def _is_none(text: str) -> bool:
    return text.strip().lower() in NONE


def parse_strata(text: str) -> tuple[tuple[str, ...], ...]:
    """``noq^session`` (one fixed effect per quintuplet × cohort), ``noq + session`` (two),
    ``none``; ``*``, ``×`` and ``:`` also mean interaction, ``,`` also separates."""
    if _is_none(text) or not text.strip():
        return ()
    groups = [g for g in re.split(r"[+,]", text) if g.strip()]
    return tuple(tuple(c.strip() for c in re.split(r"[\^*×:]", g) if c.strip()) for g in groups)


def parse_names(text: str) -> tuple[str, ...]:
    """Comma-separated column names (``none`` for none)."""
    if _is_none(text):
        return ()
    return tuple(dict.fromkeys(n.strip() for n in text.split(",") if n.strip()))


WAVES = (1, 2, 3, 4)


def parse_waves(text: str) -> tuple[int, ...]:
    """``1,2,3,4`` or ``1-4``: survey waves 1 to 4 (which of them the data has is checked in :func:`resolve`)."""
    valid = "expected survey waves between 1 and 4, such as '1,2,3,4' or '1-4'"
    waves: set[int] = set()
    for part in [p for p in re.split(r"[,\s]+", str(text).strip()) if p]:
        m = re.fullmatch(r"(\d)\s*[-–]\s*(\d)", part)
        try:
            waves.update(range(int(m.group(1)), int(m.group(2)) + 1) if m else [int(part)])
        except ValueError:
            raise ParameterError("waves", text, valid) from None
    if not waves:
        raise ParameterError("waves", text, valid)
    return tuple(sorted(waves))


# -- the sample filter: a small, safe expression language over columns --------------------

_COMPARE = {ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
            ast.Gt: operator.gt, ast.GtE: operator.ge}
SAMPLE_HELP = ("expected a condition on columns such as 'emploiav != 1 and session <= 11' "
               "(comparisons ==, !=, <, <=, >, >=, in [..], combined with and, or, not)")


def _parse(expr: str) -> ast.Expression:
    """Parse with pandas-style ``&``, ``|``, ``~`` read as ``and``, ``or``, ``not``."""
    text = expr.strip().replace("&", " and ").replace("|", " or ").replace("~", " not ")
    try:
        return ast.parse(text, mode="eval")
    except SyntaxError:
        raise ParameterError("sample", expr, SAMPLE_HELP) from None


def sample_columns(expr: str) -> list[str]:
    """The columns a sample condition uses (raises ParameterError on bad syntax)."""
    if _is_none(expr) or not expr.strip():
        return []
    tree = _parse(expr)
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            names.append(node.id)
        elif not isinstance(node, (ast.Expression, ast.BoolOp, ast.And, ast.Or, ast.UnaryOp, ast.Not, ast.USub,
                                   ast.Compare, ast.Constant, ast.List, ast.Tuple, ast.Load, ast.In, ast.NotIn,
                                   *_COMPARE)):
            raise ParameterError("sample", expr, SAMPLE_HELP)
    return list(dict.fromkeys(names))


def sample_mask(df: pd.DataFrame, expr: str) -> pd.Series:
    """Rows for which the condition is true. A comparison with a missing value is
    unknown, and unknown stays unknown under ``not`` (as in SQL), so a person with a
    missing value is only selected when the rest of the condition decides alone."""
    sample_columns(expr)
    if _is_none(expr) or not expr.strip():
        return pd.Series(True, index=df.index)
    value, known = _logic(_parse(expr).body, df)
    return pd.Series(value & known, index=df.index)


def _logic(node: ast.AST, df: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Three-valued logic: (value, known) arrays."""
    if isinstance(node, ast.BoolOp):
        parts = [_logic(v, df) for v in node.values]
        value, known = parts[0]
        for v, k in parts[1:]:
            if isinstance(node.op, ast.And):  # false if either is known false
                false = (~value & known) | (~v & k)
                value, known = value & v, (known & k) | false
            else:  # true if either is known true
                true = (value & known) | (v & k)
                value, known = true | (value & v), (known & k) | true
        return value, known
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        value, known = _logic(node.operand, df)
        return ~value, known
    if isinstance(node, ast.Compare):
        value, known = np.ones(len(df), dtype=bool), np.ones(len(df), dtype=bool)
        left = _operand(node.left, df)
        for op, right_node in zip(node.ops, node.comparators):
            right = _operand(right_node, df)
            if isinstance(op, (ast.In, ast.NotIn)):
                hit = np.isin(np.asarray(left), np.asarray(right, dtype=object if isinstance(right[0], str) else float))
                res = hit if isinstance(op, ast.In) else ~hit
            else:
                res = np.array(_COMPARE[type(op)](left, right), dtype=bool)
            for side in (left, right):
                if isinstance(side, pd.Series):
                    known &= side.notna().to_numpy()
            value &= res
            left = right
        return value, known
    raise ParameterError("sample", ast.unparse(node), SAMPLE_HELP)


def _operand(node: ast.AST, df: pd.DataFrame):
    if isinstance(node, ast.Name):
        return df[node.id]
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return -_operand(node.operand, df)
    if isinstance(node, (ast.List, ast.Tuple)):
        return [_operand(e, df) for e in node.elts]
    raise ParameterError("sample", ast.unparse(node), SAMPLE_HELP)


# -- resolving parameters into a Spec ----------------------------------------------------

def merged(params: Mapping[str, object]) -> dict[str, str]:
    """Parameters with empty values filled from the preset, then from :data:`DEFAULTS`."""
    preset = str(params.get("preset", "") or "").strip()
    if preset and preset not in PRESETS:
        raise ParameterError("preset", preset, f"expected one of {', '.join(PRESETS)} or empty for none")
    base = {**DEFAULTS, **PRESETS.get(preset, {})}
    out = {k: str(v).strip() for k, v in base.items()}
    for key in DEFAULTS:
        value = params.get(key, "")
        if value is not None and str(value).strip():
            out[key] = str(value).strip()
    out["preset"] = preset
    return out


def resolve(params: Mapping[str, object], columns: Sequence[str], source: str = "the data") -> Spec:
    """Check every parameter against the data's columns (``source`` names the data in
    messages: a file name, or the synthetic experiment); the :class:`Spec` to estimate."""
    p, cols = merged(params), list(columns)
    hint = ", ".join(cols[:25]) + ("…" if len(cols) > 25 else "")

    def column(name: str, value: str) -> str:
        if value not in cols:
            extra = "'design' (inverse probability of assignment), 'none', or a column; " if name == "weights" else ""
            raise ParameterError(name, value, f"{extra}no such column in the data; columns include: {hint}")
        return value

    for name in ("treatment", "takeup", "market", "share"):
        column(name, p[name])
    cluster = column("cluster", p["cluster"] or p["market"])
    strata = parse_strata(p["strata"])
    for c in [c for group in strata for c in group]:
        if c not in cols:
            _bad_in_list("strata", p["strata"], c, hint)
    weights = (None if _is_none(p["weights"]) else DESIGN_WEIGHTS if p["weights"].lower() == DESIGN
               else column("weights", p["weights"]))
    covariates = parse_names(p["covariates"])
    for c in covariates:
        if c not in cols:
            _bad_in_list("covariates", p["covariates"], c, hint)
    for c in sample_columns(p["sample"]):
        if c not in cols:
            _bad_in_list("sample", p["sample"], c, hint)
    waves = parse_waves(p["waves"])
    outcomes = parse_names(p["outcomes"])
    if not outcomes:
        raise ParameterError("outcomes", p["outcomes"], "expected outcome names such as 'emploidur,cdi'")
    for o in outcomes:
        if not any(Spec.column(o, w) in cols for w in WAVES):
            raise ParameterError("outcomes", o, f"no column for any of waves {list(WAVES)} (wave 1 has no suffix, "
                                                f"then 2, 3, 4); columns include: {hint}")
    main = outcomes[0]
    have = [w for w in WAVES if Spec.column(main, w) in cols]
    if not set(waves) <= set(have):
        raise ParameterError("waves", p["waves"], f"expected survey waves between 1 and 4 that {source} has for the "
                                                  f"main outcome {main}: {', '.join(map(str, have))}")
    het = None if _is_none(p["heterogeneity"]) else column("heterogeneity", p["heterogeneity"])
    sample = "" if _is_none(p["sample"]) else p["sample"]
    return Spec(p["treatment"], p["takeup"], p["market"], p["share"], cluster, strata, weights, covariates, sample,
                outcomes, waves, het, p["preset"])


def _bad_in_list(name: str, value: str, bad: str, hint: str) -> None:
    raise ParameterError(name, value, f"column {bad!r} is not in the data; columns include: {hint}")
