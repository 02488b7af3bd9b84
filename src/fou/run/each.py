"""Batch parameters: one entry of the run configuration expanded into one entry per value.

``fou run --each municipality=Göteborgsregionen`` (or ``each = { municipality = "…" }`` in an
``[[entry]]`` of ``run.toml``) turns the entry into one entry per value, named
``<entry>-<value>``. For a parameter whose values are municipalities (``municipality``)
VALUES is resolved with the extract's units and groups (:mod:`fou.extracts.regions`): a
comma-separated list of names or ids, a region or group name or Kolada group id (its
members), a county's region unit (its municipalities), or ``all`` (every municipality of the
extract). For any other parameter VALUES is a comma-separated list, taken as written.

Names are stable: a municipality's part is its name in ASCII lower case
(``Upplands Väsby`` → ``upplands-vasby``); where two municipalities fold to the same name
(Habo and Håbo) both get their Kolada id appended (``habo-0643``, ``habo-0305``).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from fou.extracts.params import ParameterError
from fou.extracts.paths import REPO_ROOT
from fou.extracts.swedish import sort_key

#: Parameters whose values are municipalities (resolved by name, id, group, region or ``all``).
UNIT_PARAMETERS = ("municipality",)
EXAMPLE = "municipality=Göteborgsregionen (a comma list, a region or group, or all)"


@dataclass(frozen=True)
class Value:
    """One value of a batch parameter: what the notebook gets, the name part, and the reader's label."""

    value: str
    slug: str
    label: str


def slug(text: str) -> str:
    """An ASCII-safe lower-case name part: ``Upplands Väsby`` → ``upplands-vasby``."""
    folded = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9]+", "-", folded).strip("-") or "x"


def parse_each(items: Sequence[str]) -> dict[str, str]:
    """``--each NAME=VALUES`` options as ``{NAME: VALUES}`` (one name at a time)."""
    found: dict[str, str] = {}
    for item in items:
        name, sep, values = item.partition("=")
        if not sep or not name.strip() or not values.strip():
            raise ParameterError("each", item, f"expected NAME=VALUES, e.g. {EXAMPLE}")
        found[name.strip()] = values.strip()
    if len(found) > 1:
        raise ParameterError("each", ", ".join(items), "one batch parameter at a time; expected a single NAME=VALUES")
    return found


def values_for(name: str, spec: str, extract: Any) -> list[Value]:
    """The values ``spec`` stands for; ``extract`` (a parameter value) resolves municipalities."""
    text = str(spec).strip()
    if name not in UNIT_PARAMETERS:
        parts = [p.strip() for p in text.split(",") if p.strip()]
        if not parts:
            raise ParameterError(name, spec, "expected a comma-separated list of values")
        slugs = [slug(p) for p in parts]
        dupes = [s for s, n in Counter(slugs).items() if n > 1]
        if dupes:
            raise ParameterError(name, spec, f"two values give the same page name {dupes[0]!r}; expected distinct values")
        return [Value(p, s, p) for p, s in zip(parts, slugs)]
    return unit_values(name, text, extract)


def unit_values(name: str, spec: str, extract_value: Any) -> list[Value]:
    """Municipalities of ``spec`` (list, region or group, a county's region unit, or ``all``), Swedish order."""
    from fou.extracts.regions import RIKET_ID
    from fou.study.inputs import open_extract
    from fou.study.profile import catalogue, county_code, municipalities

    ex = open_extract(extract_value or "kolada-national", base=REPO_ROOT)
    cat = catalogue(ex)
    every = municipalities(ex)
    if spec.lower() == "all":
        ids = list(every)
    else:
        if not spec:
            raise ParameterError(name, spec, f"expected {EXAMPLE}")
        region = cat.resolve(spec, name)
        if region.is_riket:
            raise ParameterError(name, spec, "Riket is not a municipality; for every municipality of the extract use 'all'")
        kinds = dict(zip(cat.units["id"], cat.units["type"]))
        ids = []
        for unit in region.ids:  # a county's region unit stands for its municipalities
            members = [i for i in every if county_code(ex, i) == county_code(ex, unit)] if kinds.get(unit) == "L" else [unit]
            ids += [i for i in members if i not in ids]
        absent = [i for i in ids if i not in set(every)]
        if absent:
            raise ParameterError(name, spec, f"the extract {ex.path.name} has no values for "
                                 f"{', '.join(f'{cat.name(i)} ({i})' for i in absent[:3])}; expected municipalities of the extract")
    slugs = unit_slugs({i: cat.name(i) for i in every} | {i: cat.name(i) for i in ids})
    ids = sorted(dict.fromkeys(i for i in ids if i != RIKET_ID), key=lambda i: sort_key(cat.name(i)))
    return [Value(i, slugs[i], cat.name(i)) for i in ids]


def unit_slugs(names: dict[str, str]) -> dict[str, str]:
    """Each unit's name part: its slugged name, with its id appended where names collide."""
    base = {i: slug(n) for i, n in names.items()}
    counts = Counter(base.values())
    return {i: f"{s}-{i}" if counts[s] > 1 else s for i, s in base.items()}
