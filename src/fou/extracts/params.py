"""Validation of user parameters, with errors that name the parameter and what is valid."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable


class ParameterError(ValueError):
    """A bad parameter: names the parameter, the bad value and what would be valid."""

    def __init__(self, parameter: str, value: object, valid: str):
        self.parameter, self.value, self.valid = parameter, value, valid
        super().__init__(f"parameter {parameter!r}: invalid value {value!r}; {valid}")

    def _render_traceback_(self) -> list[str]:
        """What IPython (JupyterLab) shows instead of a traceback: the one line, with what is valid.
        Asked again for the same error (``%tb``), or in ``fou run``'s kernels (``FOU_TRACEBACKS=full``,
        so the failure's log keeps it), the full traceback."""
        if getattr(self, "_shown", False) or os.environ.get("FOU_TRACEBACKS") == "full":
            return _full_traceback(self)
        self._shown = True
        return [f"\x1b[0;31mParameterError\x1b[0m: {self}", "(%tb shows the full traceback)"]


def _full_traceback(exc: BaseException) -> list[str]:
    """IPython's own rendering of ``exc``'s traceback (plain ``traceback`` outside IPython)."""
    try:
        from IPython import get_ipython

        shell = get_ipython()
        if shell is not None:
            return shell.InteractiveTB.structured_traceback(type(exc), exc, exc.__traceback__)
    except ImportError:
        pass
    import traceback

    return "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)).rstrip("\n").split("\n")


YEAR_MIN, YEAR_MAX = 1990, 2100


def parse_year(value: object, parameter: str = "year") -> int:
    """A single year as int (accepts ``2022`` and ``"2022"``)."""
    if isinstance(value, bool):
        raise ParameterError(parameter, value, f"expected a year between {YEAR_MIN} and {YEAR_MAX}, e.g. 2022")
    try:
        year = int(str(value).strip())
    except (TypeError, ValueError):
        raise ParameterError(parameter, value, f"expected a year between {YEAR_MIN} and {YEAR_MAX}, e.g. 2022") from None
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise ParameterError(parameter, value, f"expected a year between {YEAR_MIN} and {YEAR_MAX}, e.g. 2022")
    return year


def parse_years(value: object, parameter: str = "years") -> tuple[int, ...]:
    """Years from ``"2017-2022"``, ``"2017,2019"``, ``[2017, 2018]`` or a mix; sorted, unique."""
    valid = "expected a range such as '2017-2022', a list such as [2017, 2018] or '2017,2019'"
    if isinstance(value, int) and not isinstance(value, bool):
        return (parse_year(value, parameter),)
    if isinstance(value, str):
        parts: Iterable[object] = [p for p in re.split(r"[,\s]+", value.strip()) if p]
    elif isinstance(value, Iterable):
        parts = list(value)
    else:
        raise ParameterError(parameter, value, valid)
    years: set[int] = set()
    for part in parts:
        m = re.fullmatch(r"(\d{4})\s*[-–]\s*(\d{4})", str(part).strip())
        if m:
            lo, hi = parse_year(m.group(1), parameter), parse_year(m.group(2), parameter)
            if lo > hi:
                raise ParameterError(parameter, value, f"range start after its end; {valid}")
            years.update(range(lo, hi + 1))
        else:
            try:
                years.add(parse_year(part, parameter))
            except ParameterError:
                raise ParameterError(parameter, value, valid) from None
    if not years:
        raise ParameterError(parameter, value, valid)
    return tuple(sorted(years))


def check_years_available(years: Iterable[int], available: Iterable[int], parameter: str = "years",
                          value: object = None) -> None:
    """Raise unless every year of ``years`` is in the extract (naming the missing ones);
    ``value`` is the parameter as the user gave it (for the message)."""
    years, available = list(years), sorted(set(available))
    missing = [y for y in years if y not in set(available)]
    if not missing:
        return
    shown = value if value is not None else (years if len(years) > 1 else years[0])
    if not available:
        raise ParameterError(parameter, shown, "the extract has no values at all")
    run = available == list(range(available[0], available[-1] + 1))
    span = f"{available[0]}–{available[-1]}" if run and len(available) > 1 else ", ".join(map(str, available))
    raise ParameterError(parameter, shown, f"the extract has no values for {', '.join(map(str, missing))}; "
                         f"years in the extract: {span}")
