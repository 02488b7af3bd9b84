"""Kolada's catalogues (KPIs, KPI groups, municipalities, municipality groups) for
finding things, from one of three places:

- an extract's own metadata (``kpis.csv``, ``units.csv``, ``groups.csv``), offline;
- a folder of Kolada CSVs (``kpi_catalogue.csv``, ``municipalities.csv``,
  ``municipality_groups.csv``, ``kpi_groups.csv``, as in ``../shared/data/kolada``);
- the API, its responses cached on disk (requests-cache, ``FOU_CACHE_DIR/metadata``)
  for 24 hours. When Kolada cannot be reached, an older cached response is used
  (requests-cache's ``stale_if_error``) and :attr:`notes` says from when.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pandas as pd

from fou.extracts.paths import default_cache_dir
from fou.kolada.client import KoladaClient, KoladaError, base_url_from_env
from fou.kolada.kpimeta import CATALOGUE_COLUMNS, clean, truthy

GROUP_COLUMNS = ["group_id", "group_title", "member_id", "member_title"]
#: Files per catalogue: (in an extract, in a folder of Kolada CSVs).
FILES = {"kpi": ("kpis.csv", "kpi_catalogue.csv"), "kpi_groups": (None, "kpi_groups.csv"),
         "municipality": ("units.csv", "municipalities.csv"), "municipality_groups": ("groups.csv", "municipality_groups.csv")}
COLUMNS = {"kpi": CATALOGUE_COLUMNS, "kpi_groups": GROUP_COLUMNS, "municipality": ["id", "title", "type"],
           "municipality_groups": GROUP_COLUMNS}


class Metadata:
    """Kolada's catalogues from an extract, a folder, or the API with an on-disk cache."""

    def __init__(self, base_url: str | None = None, *, extract: str | Path | None = None,
                 folder: str | Path | None = None, cache_dir: str | Path | None = None,
                 max_age: timedelta = timedelta(hours=24), refresh: bool = False, timeout: float = 30.0,
                 client: KoladaClient | None = None):
        self.extract = Path(extract) if extract else None
        self.folder = Path(folder) if folder else None
        self.cache_dir = Path(cache_dir) if cache_dir else default_cache_dir()
        self.refresh = refresh
        self.notes: list[str] = []
        self._offline = False  # Kolada did not answer: cached answers only
        self._client, self._client_args = client, (base_url, timeout, max_age)
        self.origin = (f"extract {self.extract}" if self.extract else f"folder {self.folder}" if self.folder
                       else f"Kolada API {client.base_url if client else base_url_from_env(base_url)}")

    # -- catalogues -------------------------------------------------------------------
    def kpis(self) -> pd.DataFrame:
        """The KPI catalogue (Kolada's ``/kpi`` fields; booleans as bool, missing as None)."""
        df = self._load("kpi")
        for flag in ("is_divided_by_gender", "has_ou_data"):
            df[flag] = df[flag].map(truthy).astype(object)
        return df

    def kpi_groups(self) -> pd.DataFrame:
        """Kolada's thematic KPI groups, one row per member KPI."""
        return self._load("kpi_groups")

    def units(self) -> pd.DataFrame:
        """Municipalities (type K), regions and Riket (type L)."""
        return self._load("municipality")

    def groups(self) -> pd.DataFrame:
        """Municipality groups, one row per member."""
        return self._load("municipality_groups")

    # -- sources ----------------------------------------------------------------------
    def _load(self, name: str) -> pd.DataFrame:
        if self.extract or self.folder:
            return self._from_files(name)
        return _frame(self._from_api(name), name)

    def _from_files(self, name: str) -> pd.DataFrame:
        in_extract, in_folder = FILES[name]
        base, file = (self.extract, in_extract) if self.extract else (self.folder, in_folder)
        candidates = [f for f in (file, in_extract, in_folder) if f]
        path = next((base / f for f in candidates if (base / f).is_file()), None)
        if path is None and self.extract and name in ("kpi", "municipality"):
            if name == "kpi":
                self.notes.append(f"the extract {self.extract.name} has no kpis.csv: it knows its KPIs' ids and at most "
                                  "their titles; leave out --extract to ask Kolada")
            return _frame(_from_extract_values(self.extract, name), name)
        if path is None:
            what = "extract" if self.extract else "folder"
            raise FileNotFoundError(f"{base}: the {what} has no {' or '.join(dict.fromkeys(candidates))} "
                                    f"(Kolada's {name} catalogue); use the API or another --metadata folder")
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
        df = df.rename(columns={"id": "group_id", "title": "group_title"}) if name.endswith("groups") and "id" in df else df
        return _frame(df.map(clean).to_dict("records"), name)

    @property
    def client(self) -> KoladaClient:
        """The API client (made on first use): responses cached for ``max_age``; ``refresh``
        asks Kolada again (requests-cache's ``force_refresh``)."""
        if self._client is None:
            base_url, timeout, max_age = self._client_args
            self._client = KoladaClient(base_url, timeout=timeout, cache=True, cache_dir=self.cache_dir / "metadata",
                                        cache_expire=max_age)
        session = self._client.session
        if hasattr(session, "settings") and self._note_stale not in session.hooks["response"]:
            session.settings.stale_if_error = True  # an expired answer stands in when Kolada cannot be reached
            self._client.refresh = self._client.refresh or self.refresh
            session.hooks["response"].append(self._note_stale)
        return self._client

    def _note_stale(self, response: Any, *args: Any, **kwargs: Any) -> Any:
        """Say when a cached answer stood in for one Kolada did not give."""
        if getattr(response, "from_cache", False) and (self._offline or getattr(response, "is_expired", False)):
            note = (f"Kolada could not be reached; using its answer cached {response.created_at:%Y-%m-%d %H:%M} UTC "
                    f"({response.url})")
            if note not in self.notes:
                self.notes.append(note)
        return response

    def _from_api(self, name: str) -> list[dict[str, Any]]:
        offline = f"; no cached copy of Kolada's {name} catalogue either (--metadata DIR or --extract PATH work offline)"
        session = self.client.session
        if self._offline:  # an earlier catalogue found Kolada away: cached answers only
            try:
                return self._fetch(name)
            except KoladaError:
                raise KoladaError(f"Kolada could not be reached{offline}") from None
        try:
            return self._fetch(name)
        except KoladaError as exc:
            if not hasattr(session, "settings"):
                raise KoladaError(f"{exc}{offline}") from exc
            # Kolada did not answer: any cached answer, however old, and no request (only_if_cached)
            self._offline, session.settings.only_if_cached, self.client.refresh = True, True, False
            try:
                return self._fetch(name)
            except KoladaError:
                raise KoladaError(f"{exc}{offline}") from exc

    def _fetch(self, name: str) -> list[dict[str, Any]]:
        if name == "kpi":
            return self.client.kpis().to_dict("records")
        if name == "kpi_groups":
            return self.client.kpi_groups().to_dict("records")
        if name == "municipality":
            return self.client.municipalities().to_dict("records")
        return self.client.groups().to_dict("records")


def _from_extract_values(path: Path, name: str) -> list[dict[str, Any]]:
    """What an extract without metadata files still says: its units (from the values)
    or its KPI titles (from the manifest)."""
    from fou.extracts.format import load_extract
    from fou.extracts.regions import RIKET_ID

    ex = load_extract(path)
    if name == "kpi":
        titles = ex.manifest["source"].get("kpi_titles") or {}
        return [{"id": k, "title": titles.get(k)} for k in ex.kpis]
    return [{"id": r.municipality_id, "title": r.municipality, "type": "L" if r.municipality_id == RIKET_ID else "K"}
            for r in ex.units().itertuples() if not str(r.municipality_id).startswith("G")]


def _frame(records: list[dict[str, Any]], name: str) -> pd.DataFrame:
    """Records as a frame with the catalogue's columns (missing ones as None)."""
    df = pd.DataFrame(records)
    for col in COLUMNS[name]:
        if col not in df:
            df[col] = None
    df = df.astype(object).where(df.notna(), None)
    return df.reset_index(drop=True)
