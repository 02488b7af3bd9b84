"""Client for the Kolada v3 API (https://api.kolada.se/v3).

Batches at most 25 elements per path segment and leaves a segment out when it
would list everything (every unit, every year), asks for ``per_page=5000`` and
follows ``next_url`` (joined to the base URL when relative) until a page is
empty, a ``next_url`` repeats, a page repeats the previous one, or there are more
pages than the response's ``count`` allows. Waiting (retries of 429, 5xx and
timeouts, Retry-After, one total deadline) is :mod:`fou.kolada.watch`'s job
(tenacity). Successful responses are cached on disk with an expiry
(requests-cache), so a repeated fetch makes no network request; every answer is
logged with the time the server gave it (a cached one keeps its original time),
so an extract can say when its values were true. ``refresh`` bypasses the cache.
Values come back as a tidy frame in the extract columns plus ``count``, every
gender kept; values Kolada marks ``isdeleted`` are dropped (or kept and flagged,
for updates). Organisational-unit data (``/oudata``) come back in the same
columns, the unit's id in ``municipality_id``.
"""

from __future__ import annotations

import itertools
import json
import math
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlparse

import pandas as pd
import requests

from fou.extracts.paths import default_cache_dir
from fou.kolada.watch import RETRY_STATUS, KoladaError, Patience, Say, short_url

__all__ = ["DEFAULT_BASE_URL", "KoladaClient", "KoladaError", "RETRY_STATUS", "base_url_from_env", "batches"]

DEFAULT_BASE_URL = "https://api.kolada.se/v3"
MAX_SEGMENT = 25
PER_PAGE = 5000
VALUE_COLUMNS = ["kpi", "municipality_id", "municipality", "year", "gender", "value", "status", "count"]


def base_url_from_env(base_url: str | None = None) -> str:
    """The argument, else ``FOU_KOLADA_URL``, else Kolada's public v3 address."""
    return (base_url or os.environ.get("FOU_KOLADA_URL") or DEFAULT_BASE_URL).rstrip("/")


def batches(items: Sequence[Any] | None, size: int = MAX_SEGMENT) -> list[list[Any] | None]:
    """Consecutive chunks of at most ``size`` items; ``None`` (the whole segment left out) stays one chunk."""
    if items is None:
        return [None]
    items = list(items)
    return [items[i:i + size] for i in range(0, len(items), size)]


def utc_now() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


class KoladaClient:
    """A Kolada v3 client with retries, a total deadline, timeouts and an on-disk cache.

    ``say`` receives one-line notices (retries, paging stopped early), ``log`` every
    request URL with where its answer came from (``--verbose``), ``progress`` is
    ``"bar"`` (a live bar), ``"lines"`` (a plain line per request set) or ``None``.
    """

    def __init__(self, base_url: str | None = None, *, timeout: float = 30.0, retries: int = 4,
                 backoff: float = 0.5, cache: bool = True, cache_dir: str | Path | None = None,
                 cache_expire: timedelta = timedelta(hours=24), progress: str | None = None,
                 per_page: int = PER_PAGE, deadline: float | None = None, max_wait: float = 60.0,
                 say: Say | None = None, log: Say | None = None, refresh: bool = False):
        self.base_url = base_url_from_env(base_url)
        self.per_page = per_page
        self.timeout = timeout
        self.progress = progress
        self.refresh = refresh
        self.say: Say = say or (lambda text: None)
        self.log: Say | None = log
        self.patience = Patience(retries=retries, backoff=backoff, timeout=timeout, deadline=deadline,
                                 max_wait=max_wait, say=self.say)
        self.network_requests = 0
        self.cached_requests = 0
        self.answers: list[dict[str, Any]] = []  # per request: path, answered_at (server time), from_cache
        self.cache_expire = cache_expire
        if cache:
            import requests_cache

            cache_path = Path(cache_dir) if cache_dir else default_cache_dir()
            cache_path.mkdir(parents=True, exist_ok=True)
            self.session: requests.Session = requests_cache.CachedSession(
                str(cache_path / "kolada_http"), backend="sqlite", expire_after=cache_expire,
                allowable_codes=(200,), stale_if_error=False)
        else:
            self.session = requests.Session()
        self.session.headers["User-Agent"] = "fou-workbench (Kolada v3 client)"

    @property
    def deadline(self) -> float | None:
        return self.patience.deadline

    def remaining(self) -> float | None:
        """Seconds left before the total deadline (None without one)."""
        return self.patience.remaining()

    def answered_span(self) -> tuple[str | None, str | None]:
        """When the oldest and the newest answer were given by the server (ISO, UTC)."""
        times = sorted(a["answered_at"] for a in self.answers)
        return (times[0], times[-1]) if times else (None, None)

    # -- transport ------------------------------------------------------------------
    def _attempt(self, url: str, params: dict[str, Any] | None, timeout: float) -> requests.Response:
        kw: dict[str, Any] = {"force_refresh": True} if self.refresh and hasattr(self.session, "cache") else {}
        return self.session.get(url, params=params, timeout=timeout, **kw)

    def get_json(self, url: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """GET ``url``; JSON body or a :class:`KoladaError` quoting the server's message."""
        try:
            resp = self.patience.call(lambda timeout: self._attempt(url, params, timeout), url)
        except requests.exceptions.RequestException as exc:
            raise KoladaError(f"request to Kolada failed ({exc})") from exc
        cached = bool(getattr(resp, "from_cache", False))
        when = getattr(resp, "created_at", None) if cached else None
        if isinstance(when, datetime):
            when = (when if when.tzinfo else when.replace(tzinfo=timezone.utc)).astimezone(timezone.utc)
        answered = (when or utc_now()).isoformat(timespec="seconds")
        if cached:
            self.cached_requests += 1
        else:
            self.network_requests += 1
        if self.log is not None:
            self.log(f"GET {resp.url} -> {resp.status_code} "
                     + (f"(from cache, answered {answered})" if cached else "(network)"))
        if resp.status_code != 200:
            message = _server_message(resp)
            retried = " after retries" if resp.status_code in RETRY_STATUS else ""
            raise KoladaError(f"Kolada answered HTTP {resp.status_code}{retried} for {resp.url}: {message}")
        try:
            body = resp.json()
        except (ValueError, json.JSONDecodeError) as exc:
            if hasattr(self.session, "cache"):
                self.session.cache.delete(requests=[resp.request])  # never keep a broken body
            raise KoladaError(f"Kolada sent malformed JSON for {resp.url} ({exc})") from exc
        self.answers.append({"path": short_url(resp.url), "answered_at": answered, "from_cache": cached})
        return body

    def paginate(self, path: str, params: dict[str, Any] | None = None) -> Iterator[dict[str, Any]]:
        """Every item of a v3 listing, following ``next_url`` (or v2's ``next_page``).

        Stops on an empty page, a ``next_url`` already followed, a page identical to
        the one before, or more pages than ``count`` (when it is the total) allows."""
        url: str | None = f"{self.base_url}/{path.lstrip('/')}"
        query: dict[str, Any] | None = {"per_page": self.per_page, **(params or {})}
        seen: set[str] = set()
        pages, allowed, previous = 0, math.inf, None
        while url:
            body = self.get_json(url, query)
            if not isinstance(body, dict) or not isinstance(body.get("values"), list):
                raise KoladaError(f"unexpected response from {url}: no 'values' list")
            items = body["values"]
            pages += 1
            if not items or items == previous:
                if items:
                    self.say(f"Kolada: page {pages} of {short_url(url)} repeats the page before; paging stopped")
                return
            yield from items
            previous = items
            count = body.get("count")
            if pages == 1 and isinstance(count, int) and count > len(items):  # count is the total
                allowed = math.ceil(count / len(items))
            seen.add(url if query is None else f"{url}?{json.dumps(query, sort_keys=True)}")
            nxt = self._next_url(url, body.get("next_url") or body.get("next_page") or None)
            if nxt is None:
                return
            if nxt in seen or pages >= allowed:
                why = "repeats a page already fetched" if nxt in seen else f"goes beyond the {pages} page(s) its count allows"
                self.say(f"Kolada: next_url of {short_url(url)} {why}; paging stopped")
                return
            url, query = nxt, None  # next_url carries the query
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
    def plan_requests(self, kpis: Sequence[str], municipalities: Sequence[str] | None,
                      years: Sequence[int] | None, ou: bool = False) -> list[str]:
        """The data paths a fetch will request (one per batch combination); ``ou``: ``/oudata``.

        ``None`` leaves the segment out (Kolada then answers for every unit or every
        year); at least two of the three segments are always sent."""
        endpoint, unit = ("oudata", "ou") if ou else ("data", "municipality")
        if municipalities is None and years is None:
            raise ValueError("Kolada needs two of the kpi, unit and year segments; name the units or the years")
        paths = []
        for k, m, yb in itertools.product(batches(sorted(set(kpis))),
                                           batches(None if municipalities is None else sorted(set(municipalities))),
                                           batches(None if years is None else sorted(set(years)))):
            path = f"{endpoint}/kpi/{','.join(k or [])}"
            path += f"/{unit}/{','.join(m)}" if m is not None else ""
            path += f"/year/{','.join(str(y) for y in yb)}" if yb is not None else ""
            paths.append(path)
        return paths

    def values(self, kpis: Sequence[str], municipalities: Sequence[str] | None, years: Sequence[int] | None,
               names: dict[str, str] | None = None, *, from_date: str | None = None, keep_deleted: bool = False,
               ou: bool = False) -> pd.DataFrame:
        """Values for every KPI × unit × year combination, all genders, tidy.

        ``municipalities=None``: every unit Kolada has (the segment is left out);
        ``years=None``: every year. ``from_date`` (YYYY-MM-DD) asks only for values
        changed since; values marked ``isdeleted`` are dropped unless
        ``keep_deleted`` (then an ``isdeleted`` column says which). ``ou``:
        organisational units (``/oudata``) instead of municipalities.
        """
        paths = self.plan_requests(kpis, municipalities, years, ou=ou) if kpis else []
        params = {"from_date": from_date} if from_date else None
        rows: list[dict[str, Any]] = []
        for path in self._progress(paths):
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

    def _progress(self, paths: list[str]) -> Iterable[str]:
        """``paths`` with a live bar (``progress="bar"``) or a line per request set (``"lines"``)."""
        if self.progress == "bar" and len(paths) > 1:
            import sys

            from tqdm import tqdm

            return tqdm(paths, desc="Kolada", unit="request set", file=sys.stderr, leave=False)
        if self.progress == "lines" and len(paths) > 1:
            return _lines(paths, self.say)
        return paths


def _lines(paths: list[str], say: Callable[[str], None]) -> Iterator[str]:
    for i, path in enumerate(paths, 1):
        say(f"Kolada: request set {i} of {len(paths)}: {path}")
        yield path


def _members(groups: Iterable[dict[str, Any]]) -> pd.DataFrame:
    """Group listings flattened to one row per member."""
    rows = []
    for g in groups:
        for m in g.get("members") or []:
            rows.append({"group_id": str(g.get("id")), "group_title": str(g.get("title")),
                         "member_id": str(m.get("member_id", m.get("id"))),
                         "member_title": str(m.get("member_title", m.get("title")))})
    return pd.DataFrame(rows, columns=["group_id", "group_title", "member_id", "member_title"])


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
