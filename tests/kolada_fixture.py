"""A small, always-available Kolada data set with known values (no ../shared needed), and
:class:`FaultyKolada`: the local Kolada's answers served by pytest-httpserver, which injects faults."""

from __future__ import annotations

import json
import re
import time

import pandas as pd
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from fou.kolada.client import KoladaClient
from fou.kolada.server import KoladaData, ServerState, answer


class FaultyKolada:
    """Kolada v3 on 127.0.0.1 (real HTTP, a thread of the test process): every request is answered
    by :func:`fou.kolada.server.answer` from ``data``, unless a fault queued with :meth:`fault`
    answers it first (pytest-httpserver's one-shot handlers, in the order queued).
    ``state.paging`` bends the paging links (``"same"``, ``"endless"``, ``"cycle"``)."""

    def __init__(self, data: KoladaData, member_keys: tuple[str, str] = ("member_id", "member_title")):
        self.state = ServerState(data, member_keys)
        self.http = HTTPServer(host="127.0.0.1", port=0, threaded=True)
        self.arrived = 0  # requests that reached a handler (a slow one is logged only when it answers)

    def _serve(self, request: Request) -> Response:
        qs = request.query_string.decode()
        code, body = answer(self.state, request.path + (f"?{qs}" if qs else ""), self.http.url_for("").rstrip("/"))
        return Response(json.dumps(body, ensure_ascii=False), status=code, content_type="application/json; charset=utf-8")

    def _slow(self, request: Request, seconds: float) -> Response:
        self.arrived += 1
        time.sleep(seconds)
        return self._serve(request)

    @property
    def base_url(self) -> str:
        return self.http.url_for("/v3")

    @property
    def requests(self) -> list[str]:
        """Every request's path and query, faults included, in order."""
        out = []
        for request, _ in list(self.http.log):
            qs = request.query_string.decode()
            out.append(request.path + (f"?{qs}" if qs else ""))
        return out

    def fault(self, kind: str, seconds: float = 0.0, times: int = 1, retry_after: str | None = "0") -> None:
        """Answer the next ``times`` requests with a fault: '429', '5xx' (with ``Retry-After``
        unless None), 'slow' (the real answer after ``seconds``) or 'malformed' (broken JSON)."""
        for _ in range(times):
            handler = self.http.expect_oneshot_request(re.compile(".*"))
            if kind == "slow":
                handler.respond_with_handler(lambda req, s=seconds: self._slow(req, s))
            elif kind == "malformed":
                handler.respond_with_data(b'{"count": 1, "values": [ {"kpi": ', content_type="application/json")
            else:
                headers = {"Retry-After": retry_after} if retry_after is not None else {}
                handler.respond_with_json({"message": f"simulated {kind}"}, status=int(kind), headers=headers)

    def start(self) -> FaultyKolada:
        self.http.start()
        self.http.expect_request(re.compile(".*")).respond_with_handler(self._serve)
        return self

    def stop(self) -> None:
        if self.http.is_running():
            self.http.clear()
            self.http.stop()

    def __enter__(self) -> FaultyKolada:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

SMALL_KPIS = ["N01951", "N31858", "U40806"]
SMALL_UNITS = ["0000"] + [f"{1000 + i}" for i in range(1, 61)]  # Riket + 60 municipalities
SMALL_YEARS = list(range(2018, 2023))


def small_value(kpi: str, unit: str, year: int, gender: str) -> float | None:
    """The known truth the server serves."""
    if kpi == "U40806" and unit == "1007" and year == 2020:
        return None  # a missing value (status "Missing")
    base = {"N01951": 10000.0, "N31858": 30.0, "U40806": 10.0}[kpi]
    g = {"T": 0, "K": 0.25, "M": 0.5}[gender]
    return base + int(unit) % 97 + (year - 2018) / 8 + g


def small_data() -> KoladaData:
    rows = []
    for kpi in SMALL_KPIS:
        genders = ["T", "K", "M"] if kpi == "N01951" else ["T"]
        for unit in SMALL_UNITS:
            for year in SMALL_YEARS:
                for gender in genders:
                    v = small_value(kpi, unit, year, gender)
                    rows.append({"kpi": kpi, "municipality_id": unit, "year": year, "gender": gender,
                                 "value": v, "status": "Missing" if v is None else ""})
    units = pd.DataFrame({"id": SMALL_UNITS, "title": ["Riket"] + [f"Kommun {u}" for u in SMALL_UNITS[1:]],
                          "type": ["L"] + ["K"] * 60})
    groups = pd.DataFrame({"group_id": "G1", "group_title": "Testregionen (ovägt medel)",
                           "member_id": ["1001", "1002", "1003"], "member_title": ["Kommun 1001", "Kommun 1002", "Kommun 1003"]})
    return KoladaData(pd.DataFrame(rows), small_catalogue(), units, groups, kpi_groups=SMALL_KPI_GROUPS.copy(),
                      ous=SMALL_OUS.copy(), ou_values=small_ou_values())


# -- catalogue, KPI groups and organisational units (hand-made: ../shared has no OU or KPI-group data) --

#: A made-up region KPI (municipality_type L, id unused in Kolada) with no values, and Kolada's
#: N15419 (has OU data) whose values here are invented for three made-up units.
REGION_KPI, OU_KPI = "N99901", "N15419"


def small_catalogue() -> pd.DataFrame:
    """KPI metadata in Kolada's catalogue columns; '' is missing (served as null)."""
    return pd.DataFrame({
        "id": SMALL_KPIS + [REGION_KPI, OU_KPI],
        "title": ["Invånare totalt, antal", "Försörjningshinder arbetslösa", "Anvisningar AF",
                  "Regionens nettokostnad hälso- och sjukvård (testdata)",
                  "Elever i åk 9 som uppnått betygskriterierna i alla ämnen, kommunala skolor, andel (%)"],
        "description": ["Antal invånare 31/12.", "Vuxna biståndsmottagare som är arbetslösa.",
                        "Anvisningar till kommunala arbetsmarknadsinsatser från Arbetsförmedlingen.",
                        "Nettokostnad för regionen (hand-made test KPI, not in Kolada).",
                        "Andel elever med godkänt betyg i alla ämnen. Källa: Skolverket."],
        "is_divided_by_gender": ["True", "False", "False", "False", "True"],
        "municipality_type": ["A", "K", "K", "L", "K"],
        "operating_area": ["Befolkning", "Individ- och familjeomsorg", "Arbetsmarknad", "Hälso- och sjukvård",
                           "Grundskola åk 0-9 inkl förskoleklass"],
        "publ_period": ["2022", "2022", "", "2022", "2022"],
        "prel_publication_date": ["", "2020-01-01", "", "", ""],
        "publication_date": ["2023-03-01", "2999-12-31", "", "2023-06-01", "2023-09-01"],
        "has_ou_data": ["False", "False", "False", "False", "True"],
    })


SMALL_KPI_GROUPS = pd.DataFrame({"group_id": ["GK1", "GK1", "GK2"],
                                 "group_title": ["Arbetsmarknad och försörjning", "Arbetsmarknad och försörjning",
                                                 "Befolkning"],
                                 "member_id": ["N31858", "U40806", "N01951"],
                                 "member_title": ["Försörjningshinder arbetslösa", "Anvisningar AF", "Invånare totalt, antal"]})

SMALL_OUS = pd.DataFrame({"id": ["V15E100100001", "V15E100200001", "V11E100100002"],
                          "title": ["Testskolan", "Bergsskolan", "Förskolan Solen"],
                          "municipality": ["1001", "1002", "1001"]})


def small_ou_value(ou: str, year: int, gender: str) -> float | None:
    """The known truth of the OU fixture (invented numbers for hand-made schools, not Kolada's)."""
    if ou == "V15E100200001" and year == 2021:
        return None
    return 60.0 + int(ou[-3:]) + (int(ou[4:8]) - 1000) / 10 + (year - 2018) + {"T": 0.0, "K": 0.5, "M": -0.5}[gender]


def small_ou_values() -> pd.DataFrame:
    rows = [{"kpi": OU_KPI, "ou_id": ou, "year": y, "gender": g, "value": small_ou_value(ou, y, g),
             "status": "" if small_ou_value(ou, y, g) is not None else "Missing"}
            for ou in ("V15E100100001", "V15E100200001") for y in SMALL_YEARS for g in ("T", "K", "M")]
    return pd.DataFrame(rows)


def small_client(srv) -> KoladaClient:
    """A client of the local server: no cache, quick retries, a generous timeout (a loaded machine is slow)."""
    return KoladaClient(srv.base_url, cache=False, backoff=0.01, timeout=60)
