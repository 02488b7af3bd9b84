"""A local Kolada v3 server on 127.0.0.1, for tests, benchmarks and offline demos.

It speaks the v3 API as ``kolada-api-v3.md`` documents it, from in-memory frames
(for example the real values in ``../shared/data/kolada``): data paths with any two
of the KPI/municipality/year segments, at most 25 elements per segment (400
otherwise), ``per_page`` ≤ 5000 with ``next_url`` paging, KPI/municipality/group
metadata. Faults can be queued (``503``, ``429``, ``slow``, ``malformed``) and
every request is logged, so tests can count requests and exercise retries.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlparse

import pandas as pd

MAX_SEGMENT = 25
MAX_PER_PAGE = 5000


@dataclass
class KoladaData:
    """What the server serves: values (``kpi, municipality_id, year, gender, value``
    plus optional ``status``/``count``), KPIs, municipalities and group members."""

    values: pd.DataFrame
    kpis: pd.DataFrame  # id, title, ... (catalogue columns)
    municipalities: pd.DataFrame  # id, title, type
    groups: pd.DataFrame  # group_id, group_title, member_id, member_title

    @classmethod
    def from_folder(cls, folder: str | Path, kpis: list[str] | None = None) -> KoladaData:
        """Load Kolada CSVs as stored in ``../shared/data/kolada``."""
        folder = Path(folder)
        values = pd.read_csv(folder / "values_2010_2022.csv", dtype={"kpi": str, "municipality_id": str, "gender": str})
        catalogue = pd.read_csv(folder / "kpi_catalogue.csv", dtype=str, keep_default_na=False)
        if kpis is not None:
            values = values[values["kpi"].isin(kpis)]
        return cls(values, catalogue,
                   pd.read_csv(folder / "municipalities.csv", dtype=str, keep_default_na=False),
                   pd.read_csv(folder / "municipality_groups.csv", dtype=str, keep_default_na=False))


@dataclass
class ServerState:
    data: KoladaData
    member_keys: tuple[str, str] = ("member_id", "member_title")
    faults: deque = field(default_factory=deque)  # each: ("503"|"429"|"slow"|"malformed"|"500", seconds)
    log: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    index: dict = field(default_factory=dict)


def _build_rows(values: pd.DataFrame) -> dict[tuple[str, str, int], list[dict]]:
    rows: dict[tuple[str, str, int], list[dict]] = {}
    status = values["status"] if "status" in values else pd.Series("", index=values.index)
    count = values["count"] if "count" in values else pd.Series(1, index=values.index)
    for kpi, mid, year, gender, value, st, cnt in zip(values["kpi"], values["municipality_id"], values["year"],
                                                        values["gender"], values["value"], status, count):
        v = None if pd.isna(value) else float(value)
        rows.setdefault((kpi, mid, int(year)), []).append(
            {"gender": gender, "count": int(cnt) if v is not None else 0, "status": "" if pd.isna(st) else str(st), "value": v})
    return rows


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, *args) -> None:  # quiet
        pass

    def _send(self, code: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(code)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def _json(self, code: int, obj) -> None:
        self._send(code, json.dumps(obj, ensure_ascii=False).encode("utf-8"))

    def _error(self, code: int, message: str) -> None:
        self._json(code, {"message": message, "status": code})

    def do_GET(self) -> None:  # noqa: N802
        state = self.server.state
        with state.lock:
            state.log.append(self.path)
            fault = state.faults.popleft() if state.faults else None
        if fault:
            kind, secs = fault
            if kind == "slow":
                time.sleep(secs)
            elif kind == "malformed":
                return self._send(200, b'{"count": 1, "values": [ {"kpi": ')
            elif kind in ("429", "500", "502", "503", "504"):
                return self._send(int(kind), json.dumps({"message": f"simulated {kind}"}).encode(), {"Retry-After": "0"})
        url = urlparse(self.path)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        parts = [p for p in url.path.split("/") if p]
        if not parts or parts[0] != "v3":
            return self._error(404, f"unknown path {url.path}")
        parts = parts[1:]
        try:
            if parts[:1] == ["data"]:
                return self._data(parts[1:], query)
            if parts[:1] == ["kpi"]:
                return self._kpi(parts[1:], query)
            if parts == ["municipality"]:
                m = state.data.municipalities
                if "region_type" in query:
                    m = m[m["type"] == query["region_type"]]
                return self._page([{"id": r.id, "title": r.title, "type": r.type} for r in m.itertuples()], query)
            if parts[:1] == ["municipality_groups"]:
                return self._groups(parts[1:], query)
        except _BadRequest as exc:
            return self._error(400, str(exc))
        return self._error(404, f"unknown path {url.path}")

    def _page(self, items: list, query: dict) -> None:
        try:
            per_page = int(query.get("per_page", MAX_PER_PAGE))
            page = int(query.get("page", 1))
        except ValueError:
            raise _BadRequest("per_page and page must be integers") from None
        if not 1 <= per_page <= MAX_PER_PAGE:
            raise _BadRequest(f"per_page must be between 1 and {MAX_PER_PAGE}")
        pages = max(1, math.ceil(len(items) / per_page))
        chunk = items[(page - 1) * per_page: page * per_page]
        host = f"http://{self.server.server_address[0]}:{self.server.server_address[1]}"
        url = urlparse(self.path)
        nxt = None
        if page < pages:
            nxt = f"{host}{url.path}?{urlencode({**query, 'page': page + 1, 'per_page': per_page})}"
        prev = f"{host}{url.path}?{urlencode({**query, 'page': page - 1, 'per_page': per_page})}" if page > 1 else None
        self._json(200, {"count": len(chunk), "values": chunk, "next_url": nxt, "previous_url": prev})

    def _data(self, parts: list[str], query: dict) -> None:
        state = self.server.state
        segs = dict(zip(parts[0::2], parts[1::2]))
        if not set(segs) <= {"kpi", "municipality", "year"} or len(segs) < 2:
            raise _BadRequest("data path needs two of kpi/, municipality/, year/")
        lists = {k: [x for x in v.split(",") if x] for k, v in segs.items()}
        for k, v in lists.items():
            if len(v) > MAX_SEGMENT:
                raise _BadRequest(f"too many elements in '{k}' ({len(v)}); at most {MAX_SEGMENT} are allowed")
        if "kpi" in lists:
            known = set(state.data.kpis["id"])
            unknown = [k for k in lists["kpi"] if k not in known]
            if unknown:
                raise _BadRequest(f"unknown kpi id(s): {', '.join(unknown)}")
        if not state.index:
            state.index["rows"] = _build_rows(state.data.values)
        rows = state.index["rows"]
        kset = set(lists.get("kpi", [])) or None
        mset = set(lists.get("municipality", [])) or None
        yset = {int(y) for y in lists.get("year", [])} or None
        items = [
            {"kpi": k, "municipality": m, "period": y, "values": vals}
            for (k, m, y), vals in sorted(rows.items())
            if (kset is None or k in kset) and (mset is None or m in mset) and (yset is None or y in yset)
        ]
        self._page(items, query)

    def _kpi(self, parts: list[str], query: dict) -> None:
        cat = self.server.state.data.kpis
        if parts:
            ids = parts[0].split(",")
            if len(ids) > MAX_SEGMENT:
                raise _BadRequest(f"too many elements in 'kpi' ({len(ids)}); at most {MAX_SEGMENT} are allowed")
            cat = cat[cat["id"].isin(ids)]
        elif "title" in query:
            cat = cat[cat["title"].str.contains(query["title"], case=False, regex=False)]
        items = [{k: (v == "True" if k in ("is_divided_by_gender", "has_ou_data") else v) for k, v in r.items()}
                 for r in cat.to_dict("records")]
        self._page(items, query)

    def _groups(self, parts: list[str], query: dict) -> None:
        state = self.server.state
        g = state.data.groups
        if parts:
            g = g[g["group_id"] == parts[0]]
            if g.empty:
                return self._error(404, f"unknown municipality group {parts[0]}")
        mid, mtitle = state.member_keys
        items = [{"id": gid, "title": sub["group_title"].iloc[0],
                  "members": [{mid: r.member_id, mtitle: r.member_title} for r in sub.itertuples()]}
                 for gid, sub in g.groupby("group_id", sort=True)]
        self._page(items, query)


class _BadRequest(Exception):
    pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    state: ServerState

    def handle_error(self, request, client_address) -> None:
        """Clients that gave up (timeouts in tests) are expected; stay quiet about them."""
        import sys

        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)


class LocalKolada:
    """Context manager running the server on 127.0.0.1 at a free port in a thread."""

    def __init__(self, data: KoladaData, member_keys: tuple[str, str] = ("member_id", "member_title")):
        self.state = ServerState(data, member_keys)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        assert self._server is not None, "server not started"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v3"

    @property
    def requests(self) -> list[str]:
        return list(self.state.log)

    def fault(self, kind: str, seconds: float = 0.0, times: int = 1) -> None:
        """Queue a fault for the next request(s): '503', '429', '500', 'slow', 'malformed'."""
        for _ in range(times):
            self.state.faults.append((kind, seconds))

    def start(self) -> LocalKolada:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.state = self.state
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self) -> LocalKolada:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def main() -> None:  # pragma: no cover - manual use
    """``python -m fou.kolada.server FOLDER``: serve Kolada CSVs until interrupted."""
    import sys

    with LocalKolada(KoladaData.from_folder(sys.argv[1])) as srv:
        print(f"serving Kolada v3 at {srv.base_url} (Ctrl-C to stop)", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":  # pragma: no cover
    main()
