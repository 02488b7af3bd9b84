"""A local Kolada v3 server on 127.0.0.1, for tests, benchmarks and offline demos.

It speaks the v3 API as ``kolada-api-v3.md`` documents it, from in-memory frames
(:class:`fou.kolada.served.KoladaData`, e.g. the real values in
``../shared/data/kolada``): data paths with any two of the KPI/unit/year segments
(``/data`` for municipalities and municipality groups, ``/oudata`` for
organisational units), at most 25 elements per segment, ``per_page`` ≤ 5000 with
``next_url`` paging, ``from_date`` with ``isdeleted`` in every value, and the
metadata listings ``/kpi``, ``/kpi_groups``, ``/municipality``,
``/municipality_groups`` and ``/ou`` with ``title=`` filters. Validation errors
are HTTP 422 with a ``detail`` body, unknown paths 404; an unknown id matches
nothing. Every request is logged, so tests and benchmarks can count requests.

:func:`answer` is the whole API as a function of the request path (no HTTP), so
the same answers can be served by :class:`LocalKolada` (the standard library's
HTTP server, for ``python -m fou.kolada.server`` and the benchmarks) and by the
tests' fault-injecting pytest-httpserver (``tests/kolada_fixture.py``), which
adds 429/5xx with Retry-After, slow and malformed answers and broken paging.
``paging`` bends the paging links the way a faulty server might: ``"same"``
(``next_url`` repeats the current page), ``"endless"`` (a ``next_url`` on every
page, empty pages after the last), ``"cycle"`` (a ``next_url`` on every page,
pages after the last repeat earlier ones, ``count`` is the total).
"""

from __future__ import annotations

import json
import math
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlencode, urlparse

from fou.kolada.served import KoladaData

__all__ = ["KoladaData", "LocalKolada", "ServerState", "answer", "main"]

MAX_SEGMENT = 25
MAX_PER_PAGE = 5000
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass
class ServerState:
    data: KoladaData
    member_keys: tuple[str, str] = ("member_id", "member_title")
    log: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    relative_links: bool = False
    paging: str | None = None  # None, "same", "endless" or "cycle" (see the module doc)


class _Invalid(Exception):
    """A validation error, answered as HTTP 422 with a FastAPI-style ``detail`` list."""

    def __init__(self, loc: list[str], msg: str):
        super().__init__(msg)
        self.loc, self.msg = loc, msg


def _ids(text: str, loc: list[str]) -> list[str]:
    ids = [x for x in text.split(",") if x]
    if len(ids) > MAX_SEGMENT:
        raise _Invalid(loc, f"too many elements in '{loc[-1]}' ({len(ids)}); at most {MAX_SEGMENT} are allowed")
    return ids


def answer(state: ServerState, raw_path: str, host: str) -> tuple[int, dict]:
    """HTTP status and JSON body for a GET of ``raw_path`` (path and query) on ``host``."""
    with state.lock:
        state.log.append(raw_path)
    url = urlparse(raw_path)
    query = {k: v[-1] for k, v in parse_qs(url.query).items()}
    parts = [unquote(p) for p in url.path.split("/") if p]
    try:
        items = _route(state, parts[1:], query) if parts[:1] == ["v3"] else None
        if items is None:
            return 404, {"detail": "Not Found"}
        return 200, _page(state, items, query, url.path, host)
    except _Invalid as exc:
        return 422, {"detail": [{"loc": exc.loc, "msg": exc.msg, "type": "value_error"}]}


def _route(state: ServerState, parts: list[str], query: dict) -> list | None:
    data, keys = state.data, state.member_keys
    if parts[:1] in (["data"], ["oudata"]):
        return _data(state, parts[1:], query, ou=parts[0] == "oudata")
    if len(parts) > 2:
        return None
    ids = _ids(parts[1], ["path", "id"]) if len(parts) == 2 else None
    title = query.get("title") or None
    if parts[:1] == ["kpi"]:
        return data.kpi_list(ids, title)
    if parts[:1] == ["kpi_groups"]:
        return data.group_list(data.kpi_groups, ids, title)
    if parts[:1] == ["municipality"]:
        return data.municipality_list(ids, query.get("region_type") or None, title)
    if parts[:1] == ["municipality_groups"]:
        return data.group_list(data.groups, ids, title, keys)
    if parts[:1] == ["ou"]:
        munis = _ids(query["municipality"], ["query", "municipality"]) if query.get("municipality") else None
        return data.ou_list(ids, title, munis)
    return None


def _page(state: ServerState, items: list, query: dict, path: str, host: str) -> dict:
    try:
        per_page = int(query.get("per_page", MAX_PER_PAGE))
    except ValueError:
        raise _Invalid(["query", "per_page"], "per_page must be an integer") from None
    try:
        page = int(query.get("page", 1))
    except ValueError:
        raise _Invalid(["query", "page"], "page must be an integer") from None
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise _Invalid(["query", "per_page"], f"per_page must be between 1 and {MAX_PER_PAGE}")
    if page < 1:
        raise _Invalid(["query", "page"], "page must be 1 or more")
    pages = max(1, math.ceil(len(items) / per_page))
    shown = (page - 1) % pages + 1 if state.paging == "cycle" else page
    chunk = items[(shown - 1) * per_page: shown * per_page]

    def link(n: int) -> str:
        path_query = f"{path}?{urlencode({**query, 'page': n, 'per_page': per_page})}"
        return path_query if state.relative_links else f"{host}{path_query}"

    more = page < pages or state.paging in ("endless", "cycle")
    nxt = link(page) if state.paging == "same" else link(page + 1) if more else None
    count = len(items) if state.paging == "cycle" else len(chunk)
    return {"count": count, "values": chunk, "next_url": nxt, "previous_url": link(page - 1) if page > 1 else None}


def _data(state: ServerState, parts: list[str], query: dict, ou: bool) -> list:
    unit = "ou" if ou else "municipality"
    segs = dict(zip(parts[0::2], parts[1::2]))
    if len(parts) % 2 or not set(segs) <= {"kpi", unit, "year"} or len(segs) < 2:
        raise _Invalid(["path"], f"data path needs two of kpi/, {unit}/, year/")
    lists = {k: _ids(v, ["path", k]) for k, v in segs.items()}
    try:
        years = [int(y) for y in lists.get("year", [])]
    except ValueError:
        raise _Invalid(["path", "year"], "years must be integers such as 2022") from None
    from_date = query.get("from_date") or None
    if from_date is not None and not _DATE_RE.match(from_date):
        raise _Invalid(["query", "from_date"], "from_date must be a date YYYY-MM-DD")
    key = ("answer", ou, tuple(parts), from_date)  # pages 2, 3, … of one query reuse its answer
    cache = state.data._index  # cleared whenever the data are revised
    if key not in cache:
        cache[key] = state.data.data(lists.get("kpi"), lists.get(unit), years or None, from_date, ou=ou)
    return cache[key]


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, *args) -> None:  # quiet
        pass

    def do_GET(self) -> None:  # noqa: N802
        host = f"http://{self.server.server_address[0]}:{self.server.server_address[1]}"
        code, obj = answer(self.server.state, self.path, host)
        body = json.dumps(obj, ensure_ascii=False).encode("utf-8")
        self.send_response(code)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    state: ServerState

    def handle_error(self, request, client_address) -> None:
        """Clients that gave up (timeouts in tests) are expected; stay quiet about them."""
        import sys

        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)


class LocalKolada:
    """Context manager running the server on 127.0.0.1 in a thread (``port=0``: a free port).

    ``relative_links=True`` sends ``next_url`` as a path without scheme and host,
    as a proxy might, so tests can check the client joins it to the base URL.
    """

    def __init__(self, data: KoladaData, member_keys: tuple[str, str] = ("member_id", "member_title"),
                 *, port: int = 0, relative_links: bool = False):
        self.state = ServerState(data, member_keys, relative_links=relative_links)
        self.port = port
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

    def start(self) -> LocalKolada:
        self._server = _Server(("127.0.0.1", self.port), _Handler)
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


def main(argv: list[str] | None = None) -> int:
    """``python -m fou.kolada.server FOLDER [--port N]``: serve Kolada CSVs until interrupted."""
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m fou.kolada.server",
        description="Serve Kolada CSVs (values*.csv, kpi_catalogue.csv, municipalities.csv, municipality_groups.csv; "
                    "optionally kpi_groups.csv, ou.csv, ou_values.csv) as a Kolada v3 API on 127.0.0.1.")
    parser.add_argument("folder", help="folder with the CSVs, e.g. ../shared/data/kolada")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: a free one)")
    parser.add_argument("--kpi", action="append", default=None, metavar="ID", help="serve only these KPIs' values (repeatable)")
    args = parser.parse_args(argv)
    try:
        data = KoladaData.from_folder(args.folder, args.kpi)
    except (FileNotFoundError, OSError) as exc:
        parser.error(str(exc))
    with LocalKolada(data, port=args.port) as srv:
        print(f"serving Kolada v3 at {srv.base_url} (Ctrl-C to stop); "
              f"e.g. FOU_KOLADA_URL={srv.base_url} fou kpi search befolkning", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
