"""Benchmark: batched Kolada fetch vs a naive loop, against the local v3 server, in one run.

Fetches the 12 KPIs of ``../shared/data/kolada/values_2010_2022.csv`` for every
unit (312) and 13 years (2010–2022) through ``fou.kolada.server`` on 127.0.0.1:

- ``all units``: what ``fou fetch --municipality all`` asks: no municipality
  segment, KPIs and years batched by 25, per_page 5000, pages followed;
- ``units listed``: the 312 unit ids in batches of 25 (what a fetch of named
  units does);
- ``naive``: one request per KPI and municipality (all 13 years in it), as a
  simple loop would do (``--skip-naive`` leaves it out: it takes minutes).

Each runs without the HTTP cache; a last line shows a repeated all-units fetch
with the cache warm. For the batched methods the script checks that the requests
equal the floor: per segment set (one KPI batch × unit batch × year batch),
⌈items / per_page⌉ pages, where an item is one KPI × unit × year (its genders
ride along). Usage: ``.venv/bin/python benchmarks/fetch_benchmark.py [--skip-naive]``.
"""

from __future__ import annotations

import json
import math
import platform
import sys
import tempfile
import time
from pathlib import Path

from fou.kolada.client import KoladaClient
from fou.kolada.server import KoladaData, LocalKolada

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "kolada"
YEARS = list(range(2010, 2023))


def floor(client: KoladaClient, data: KoladaData, kpis: list[str], units: list[str] | None) -> int:
    """Σ over segment sets of ⌈items / per_page⌉ (at least one request per set)."""
    total = 0
    for path in client.plan_requests(kpis, units, YEARS):
        segs = dict(zip(path.split("/")[1::2], path.split("/")[2::2]))
        items = data.data(segs["kpi"].split(","), segs["municipality"].split(",") if "municipality" in segs else None,
                          [int(y) for y in segs["year"].split(",")])
        total += max(1, math.ceil(len(items) / client.per_page))
    return total


def timed(srv: LocalKolada, fetch) -> dict:
    start, n0 = time.perf_counter(), len(srv.requests)
    rows = fetch()
    return {"requests": len(srv.requests) - n0, "seconds": time.perf_counter() - start, "rows": rows}


def main() -> int:
    skip_naive = "--skip-naive" in sys.argv[1:]
    if not SHARED.is_dir():
        print(f"skipped: {SHARED} is absent (the benchmark serves the real Kolada values from ../shared)")
        return 0
    data = KoladaData.from_folder(SHARED)
    kpis = sorted(data.values["kpi"].unique())
    units = data.municipalities["id"].tolist()
    results, floors = {}, {}
    with LocalKolada(data) as srv:
        client = KoladaClient(srv.base_url, cache=False)
        client.values(kpis[:1], units[:1], YEARS)  # warm the server's index
        results["all units"] = timed(srv, lambda: len(client.values(kpis, None, YEARS)))
        floors["all units"] = floor(client, data, kpis, None)
        results["units listed"] = timed(srv, lambda: len(client.values(kpis, units, YEARS)))
        floors["units listed"] = floor(client, data, kpis, units)
        if not skip_naive:
            results["naive loop"] = timed(srv, lambda: sum(len(client.values([k], [u], YEARS)) for k in kpis for u in units))
        with tempfile.TemporaryDirectory() as cache:
            KoladaClient(srv.base_url, cache_dir=cache).values(kpis, None, YEARS)
            results["all units, cache warm"] = timed(srv, lambda: len(KoladaClient(srv.base_url, cache_dir=cache)
                                                                      .values(kpis, None, YEARS)))
    assert all(r["rows"] == len(data.values) for r in results.values()), results
    for name, need in floors.items():
        assert results[name]["requests"] == need, (name, results[name]["requests"], need)
    print(f"{len(kpis)} KPIs x {len(units)} units x {len(YEARS)} years = {len(data.values)} values; "
          f"{platform.processor() or platform.machine()}, Python {sys.version.split()[0]}")
    print(f"{'method':<24}{'requests':>10}{'floor':>8}{'seconds':>10}")
    for name, r in results.items():
        print(f"{name:<24}{r['requests']:>10}{floors.get(name, ''):>8}{r['seconds']:>10.2f}")
    if "naive loop" in results:
        speedup = results["naive loop"]["seconds"] / results["all units"]["seconds"]
        print(f"all units is {speedup:.0f}x faster than the naive loop with "
              f"{results['naive loop']['requests'] // max(1, results['all units']['requests'])}x fewer requests")
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "fetch.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
