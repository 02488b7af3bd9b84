"""Client for the Kolada v3 API (https://api.kolada.se/v3).

Batches at most 25 elements per path segment, asks for ``per_page=5000`` and
follows ``next_url`` (joined to the base URL when relative). Retries 429, 5xx and timeouts with exponential backoff
(urllib3's ``Retry``), and caches successful responses on disk with an expiry
(requests-cache), so a repeated fetch makes no network request. Values come back
as a tidy frame in the extract columns plus ``count``, every gender kept; values
Kolada marks ``isdeleted`` are dropped (or kept and flagged, for updates).
Organisational-unit data (``/oudata``) come back in the same columns, the unit's
id in ``municipality_id``.
"""

from __future__ import annotations

import itertools
import json
import os
from collections.abc import Iterable, Iterator, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlparse

import pandas as pd
import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from fou.extracts.paths import default_cache_dir

DEFAULT_BASE_URL = "https://api.kolada.se/v3"
MAX_SEGMENT = 25
PER_PAGE = 5000
RETRY_STATUS = (429, 500, 502, 503, 504)
VALUE_COLUMNS = ["kpi", "municipality_id", "municipality", "year", "gender", "value", "status", "count"]


class KoladaError(RuntimeError):
    """A request Kolada refused or could not answer; the message says why."""


def base_url_from_env(base_url: str | None = None) -> str:
    """The argument, else ``FOU_KOLADA_URL``, else Kolada's public v3 address."""
    return (base_url or os.environ.get("FOU_KOLADA_URL") or DEFAULT_BASE_URL).rstrip("/")


def batches(items: Sequence[Any], size: int = MAX_SEGMENT) -> list[list[Any]]:
    """Consecutive chunks of at most ``size`` items."""
    items = list(items)
    return [items[i:i + size] for i in range(0, len(items), size)]


class KoladaClient:
    """A Kolada v3 client with retries, backoff, timeouts and an on-disk cache."""

    def __init__(self, base_url: str | None = None, *, timeout: float = 30.0, retries: int = 4,
                 backoff: float = 0.5, cache: bool = True, cache_dir: str | Path | None = None,
                 cache_expire: timedelta = timedelta(hours=24), progress: bool = False,
                 per_page: int = PER_PAGE):
        self.base_url = base_url_from_env(base_url)
        self.per_page = per_page
        self.timeout = timeout
        self.progress = progress
        self.network_requests = 0
        self.cached_requests = 0
        if cache:
            import requests_cache

            cache_path = Path(cache_dir) if cache_dir else default_cache_dir()
            cache_path.mkdir(parents=True, exist_ok=True)
            self.session: requests.Session = requests_cache.CachedSession(
                str(cache_path / "kolada_http"), backend="sqlite", expire_after=cache_expire,
                allowable_codes=(200,), stale_if_error=False)
        else:
            self.session = requests.Session()
        retry = Retry(total=retries, connect=retries, read=retries, status=retries, other=0,
                      backoff_factor=backoff, backoff_max=30, status_forcelist=RETRY_STATUS,
                      allowed_methods=frozenset({"GET"}), raise_on_status=False, respect_retry_after_header=True)
        adapter = HTTPAdapter(max_retries=retry)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.session.headers["User-Agent"] = "fou-workbench (Kolada v3 client)"

    # -- transport ------------------------------------------------------------------
    def get_json(self, url: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """GET ``url``; JSON body or a :class:`KoladaError` quoting the server's message."""
        try:
            resp = self.session.get(url, params=params, timeout=self.timeout)
        except requests.exceptions.Timeout as exc:
            raise KoladaError(f"Kolada did not answer within {self.timeout:g} s after retries: {url}") from exc
        except requests.exceptions.ConnectionError as exc:
            if _is_timeout(exc):
                raise KoladaError(f"Kolada did not answer within {self.timeout:g} s after retries: {url}") from exc
            raise KoladaError(f"cannot reach Kolada at {self.base_url} after retries ({type(exc).__name__}): {url}") from exc
        except requests.exceptions.RequestException as exc:
            raise KoladaError(f"request to Kolada failed ({exc})") from exc
        if getattr(resp, "from_cache", False):
            self.cached_requests += 1
        else:
            self.network_requests += 1
        if resp.status_code != 200:
            message = _server_message(resp)
            retried = " after retries" if resp.status_code in RETRY_STATUS else ""
            raise KoladaError(f"Kolada answered HTTP {resp.status_code}{retried} for {resp.url}: {message}")
        try:
            return resp.json()
        except (ValueError, json.JSONDecodeError) as exc:
            if hasattr(self.session, "cache"):
                self.session.cache.delete(requests=[resp.request])  # never keep a broken body
            raise KoladaError(f"Kolada sent malformed JSON for {resp.url} ({exc})") from exc

    def paginate(self, path: str, params: dict[str, Any] | None = None) -> Iterator[dict[str, Any]]:
        """Every item of a v3 listing, following ``next_url`` (or v2's ``next_page``)."""
        url: str | None = f"{self.base_url}/{path.lstrip('/')}"
        query: dict[str, Any] | None = {"per_page": self.per_page, **(params or {})}
        while url:
            body = self.get_json(url, query)
            if not isinstance(body, dict) or not isinstance(body.get("values"), list):
                raise KoladaError(f"unexpected response from {url}: no 'values' list")
            yield from body["values"]
            url = self._next_url(url, body.get("next_url") or body.get("next_page") or None)
            query = None  # next_url carries the query

    def _next_url(self, current: str, link: Any) -> str | None:
        """``next_url`` as an absolute URL: a path is joined to the base URL's host
        (``/v3/...``) or to the base URL itself (``/data/...``, ``data/...``)."""
        if not link:
            return None
        link = str(link)
        if urlparse(link).scheme:
            return link
        base = urlparse(self.base_url)
        if link.startswith("?"):
            return urljoin(current, link)
        if link.startswith("/"):
            prefix = base.path.rstrip("/")
            if not prefix or link.startswith(prefix + "/"):
                return f"{base.scheme}://{base.netloc}{link}"
            return self.base_url + link
        return f"{self.base_url}/{link}"

    # -- metadata -------------------------------------------------------------------
    def kpis(self, ids: Iterable[str] | None = None, title: str | None = None) -> pd.DataFrame:
        """KPI metadata by ids (batched) or by a title search."""
        if ids is not None:
            items = [it for chunk in batches(sorted(set(ids))) for it in self.paginate(f"kpi/{','.join(chunk)}")]
        else:
            items = list(self.paginate("kpi", {"title": title} if title else None))
        return pd.DataFrame(items)

    def municipalities(self, region_type: str | None = None, title: str | None = None) -> pd.DataFrame:
        """Municipalities (``K``) and regions incl. ``0000`` Riket (``L``): ``id, title, type``."""
        params = {k: v for k, v in (("region_type", region_type), ("title", title)) if v}
        items = list(self.paginate("municipality", params or None))
        df = pd.DataFrame(items, columns=["id", "title", "type"])
        return df.astype(str)

    def groups(self, group_id: str | None = None, title: str | None = None) -> pd.DataFrame:
        """Municipality groups, one row per member: ``group_id, group_title, member_id, member_title``.

        Accepts members as ``{member_id, member_title}`` and as ``{id, title}``.
        """
        return _members(self.paginate(f"municipality_groups/{group_id}" if group_id else "municipality_groups",
                                      {"title": title} if title else None))

    def kpi_groups(self, group_id: str | None = None, title: str | None = None) -> pd.DataFrame:
        """Kolada's thematic KPI groups, one row per member KPI (same columns as :meth:`groups`)."""
        return _members(self.paginate(f"kpi_groups/{group_id}" if group_id else "kpi_groups",
                                      {"title": title} if title else None))

    def ous(self, ids: Iterable[str] | None = None, title: str | None = None,
            municipalities: Sequence[str] | None = None) -> pd.DataFrame:
        """Organisational units (schools, preschools, care units): ``id, title, municipality`` (+ Kolada's other fields)."""
        if ids is not None:
            items = [it for chunk in batches(sorted(set(ids))) for it in self.paginate(f"ou/{','.join(chunk)}")]
        else:
            chunks = batches(sorted(set(municipalities))) if municipalities else [None]
            items = [it for chunk in chunks for it in self.paginate("ou", {k: v for k, v in (
                ("title", title), ("municipality", ",".join(chunk) if chunk else None)) if v} or None)]
        df = pd.DataFrame(items)
        for col in ("id", "title", "municipality"):
            if col not in df:
                df[col] = pd.Series(dtype=object)
        return df

    # -- data -----------------------------------------------------------------------
    def plan_requests(self, kpis: Sequence[str], municipalities: Sequence[str], years: Sequence[int],
                      ou: bool = False) -> list[str]:
        """The data paths a fetch will request (one per batch combination); ``ou``: ``/oudata``."""
        endpoint, unit = ("oudata", "ou") if ou else ("data", "municipality")
        return [
            f"{endpoint}/kpi/{','.join(k)}/{unit}/{','.join(m)}/year/{','.join(str(y) for y in yb)}"
            for k, m, yb in itertools.product(batches(sorted(set(kpis))), batches(sorted(set(municipalities))),
                                               batches(sorted(set(years))))
        ]

    def values(self, kpis: Sequence[str], municipalities: Sequence[str], years: Sequence[int],
               names: dict[str, str] | None = None, *, from_date: str | None = None, keep_deleted: bool = False,
               ou: bool = False) -> pd.DataFrame:
        """Values for every KPI × unit × year combination, all genders, tidy.

        ``from_date`` (YYYY-MM-DD) asks only for values changed since; values marked
        ``isdeleted`` are dropped unless ``keep_deleted`` (then an ``isdeleted`` column
        says which). ``ou``: organisational units (``/oudata``) instead of municipalities.
        """
        paths = self.plan_requests(kpis, municipalities, years, ou=ou)
        params = {"from_date": from_date} if from_date else None
        rows: list[dict[str, Any]] = []
        from tqdm.auto import tqdm

        for path in tqdm(paths, desc="Kolada", unit="batch", disable=not self.progress or len(paths) < 2):
            for item in self.paginate(path, params):
                unit = item.get("ou") if ou else item.get("municipality")
                for v in item.get("values") or []:
                    deleted = bool(v.get("isdeleted", item.get("isdeleted", False)))
                    if deleted and not keep_deleted:
                        continue
                    value = v.get("value")
                    rows.append({"kpi": str(item["kpi"]), "municipality_id": str(unit),
                                 "year": int(item["period"]), "gender": str(v.get("gender", "T")),
                                 "value": float(value) if value is not None else float("nan"),
                                 "status": str(v.get("status") or ""), "count": v.get("count"), "isdeleted": deleted})
        columns = [c for c in VALUE_COLUMNS if c != "municipality"] + ["isdeleted"]
        df = pd.DataFrame(rows, columns=columns)
        if not keep_deleted:
            df = df.drop(columns="isdeleted")
        lookup = names or {}
        df.insert(2, "municipality", [lookup.get(i, i) for i in df["municipality_id"]])
        df["count"] = pd.to_numeric(df["count"], errors="coerce").astype("Int64")
        return df.sort_values(["kpi", "municipality_id", "year", "gender"]).reset_index(drop=True)


def _members(groups: Iterable[dict[str, Any]]) -> pd.DataFrame:
    """Group listings flattened to one row per member."""
    rows = []
    for g in groups:
        for m in g.get("members") or []:
            rows.append({"group_id": str(g.get("id")), "group_title": str(g.get("title")),
                         "member_id": str(m.get("member_id", m.get("id"))),
                         "member_title": str(m.get("member_title", m.get("title")))})
    return pd.DataFrame(rows, columns=["group_id", "group_title", "member_id", "member_title"])


def _is_timeout(exc: Exception) -> bool:
    """True when urllib3 gave up after read timeouts (requests reports them as ConnectionError)."""
    from urllib3.exceptions import MaxRetryError, ReadTimeoutError

    inner = exc.args[0] if exc.args else None
    return isinstance(inner, MaxRetryError) and isinstance(inner.reason, ReadTimeoutError)


def _server_message(resp: requests.Response) -> str:
    try:
        body = resp.json()
        if isinstance(body, dict):
            detail = body.get("detail")
            if isinstance(detail, list):  # FastAPI validation errors: [{"loc": [...], "msg": ...}, ...]
                return "; ".join(f"{'.'.join(str(p) for p in d.get('loc', []))}: {d.get('msg')}" if isinstance(d, dict)
                                 else str(d) for d in detail)
            for key in ("message", "detail", "error", "title"):
                if body.get(key):
                    return str(body[key])
        return json.dumps(body)[:300]
    except ValueError:
        return (resp.text or resp.reason or "").strip()[:300]
