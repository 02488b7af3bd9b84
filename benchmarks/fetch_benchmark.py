"""Benchmark: batched Kolada fetch vs a naive loop, against the local v3 server, in one run.

Fetches the 12 KPIs of ``../shared/data/kolada/values_2010_2022.csv`` for every
unit (312) and 13 years (2010–2022) through ``fou.kolada.server`` on 127.0.0.1:

- ``batched``: ``KoladaClient.values`` (25 per segment, per_page 5000);
- ``naive``: one request per KPI and municipality (all 13 years in it), as a
  simple loop would do.

Both run without the HTTP cache; a third line shows a repeated batched fetch with
the cache warm. Usage: ``.venv/bin/python benchmarks/fetch_benchmark.py``.
"""

from __future__ import annotations

import json
import platform
import sys
import tempfile
import time
from pathlib import Path

from fou.kolada.client import KoladaClient
from fou.kolada.server import KoladaData, LocalKolada

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "kolada"
YEARS = list(range(2010, 2023))


def main() -> int:
    if not SHARED.is_dir():
        print(f"skipped: {SHARED} is absent (the benchmark serves the real Kolada values from ../shared)")
        return 0
    data = KoladaData.from_folder(SHARED)
    kpis = sorted(data.values["kpi"].unique())
    units = data.municipalities["id"].tolist()
    results = {}
    with LocalKolada(data) as srv:
        client = KoladaClient(srv.base_url, cache=False)
        client.values(kpis[:1], units[:1], YEARS)  # warm the server's index

        start, n0 = time.perf_counter(), len(srv.requests)
        batched = client.values(kpis, units, YEARS)
        results["batched"] = {"requests": len(srv.requests) - n0, "seconds": time.perf_counter() - start, "rows": len(batched)}

        start, n0 = time.perf_counter(), len(srv.requests)
        rows = 0
        for kpi in kpis:
            for unit in units:
                rows += len(client.values([kpi], [unit], YEARS))
        results["naive"] = {"requests": len(srv.requests) - n0, "seconds": time.perf_counter() - start, "rows": rows}

        with tempfile.TemporaryDirectory() as cache:
            KoladaClient(srv.base_url, cache_dir=cache).values(kpis, units, YEARS)
            start, n0 = time.perf_counter(), len(srv.requests)
            again = KoladaClient(srv.base_url, cache_dir=cache).values(kpis, units, YEARS)
            results["batched, cache warm"] = {"requests": len(srv.requests) - n0, "seconds": time.perf_counter() - start,
                                              "rows": len(again)}
    assert results["batched"]["rows"] == results["naive"]["rows"] == len(data.values)
    print(f"{len(kpis)} KPIs x {len(units)} units x {len(YEARS)} years = {len(data.values)} values; "
          f"{platform.processor() or platform.machine()}, Python {sys.version.split()[0]}")
    print(f"{'method':<22}{'requests':>10}{'seconds':>10}")
    for name, r in results.items():
        print(f"{name:<22}{r['requests']:>10}{r['seconds']:>10.2f}")
    speedup = results["naive"]["seconds"] / results["batched"]["seconds"]
    print(f"batched is {speedup:.0f}x faster with {results['naive']['requests'] // max(1, results['batched']['requests'])}x fewer requests")
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "fetch.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
