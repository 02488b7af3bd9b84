"""Benchmark: ``fou run`` against the naive papermill + nbconvert loop, in one run.

Measures, on the same notebooks and parameters (those of ``notebooks/run.toml``):

1. a full ``fou run --force`` (parallel workers, HTML rendered in the worker);
2. an unchanged re-run (every notebook skipped);
3. the baseline: ``papermill`` then ``jupyter nbconvert --to html --no-input`` per
   notebook, one after the other (each pair timed on its own);
4. every municipality's profile: ``fou run --force --only 10_municipality_profile
   --each municipality=all`` (290 pages), against the naive loop's time for one
   profile (the median of the default run's profile entries in 3).

Targets (issue 22): full run at most 0.25 × the baseline; unchanged re-run at most
1 s; the 290 profiles in at most 20 × the naive time of one. Besides wall-clock
seconds it reports CPU seconds (user + system of every process the command started,
kernels included), which other jobs on a shared machine disturb far less than
wall-clock time. Usage: ``.venv/bin/python benchmarks/run_benchmark.py [--jobs N] [--no-profiles]``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from fou.run import runner
from fou.run.workers import default_size
from fou.run.kernel import ensure_kernel
from fou.extracts.paths import REPO_ROOT

BIN = Path(sys.executable).parent
PROFILE = "10_municipality_profile"


CPU: dict[str, float] = {}


def timed(cmd: list[str] | str, shell: bool = False, name: str = "") -> float:
    """Wall-clock seconds of ``cmd``; its CPU seconds (children included) go to :data:`CPU`."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(cmd, shell=shell, capture_output=True, text=True, cwd=REPO_ROOT)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU[name] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode != 0:
        raise SystemExit(f"benchmark command failed: {cmd}\n{proc.stdout}\n{proc.stderr}")
    return wall


def baseline_commands(out: Path) -> list[tuple[str, str]]:
    """(entry name, shell command) for the naive loop: papermill then nbconvert, per notebook."""
    defaults, entries = runner.load_config()
    jobs = runner.plan(entries, defaults, {}, out)
    commands = []
    for job in jobs:
        args = []
        for k, v in job.parameters.items():
            args += ["-p", k, str(v)] if isinstance(v, (int, float)) and not isinstance(v, bool) else ["-r", k, str(v)]
        nb_out = out / f"{job.name}.ipynb"
        papermill = " ".join([shlex.quote(str(BIN / "papermill")), shlex.quote(job.notebook), shlex.quote(str(nb_out)),
                              "-k", "fou", "--cwd", shlex.quote(str(Path(job.notebook).parent)), "--no-progress-bar",
                              *map(shlex.quote, args)])
        nbconvert = f"{shlex.quote(str(BIN / 'jupyter'))} nbconvert --to html --no-input {shlex.quote(str(nb_out))}"
        commands.append((job.name, f"set -e; {papermill}; {nbconvert}"))
    return commands


def baseline(out: Path, name: str) -> tuple[float, dict[str, float]]:
    """The naive loop's total seconds and each entry's; CPU seconds summed under ``name``."""
    per_entry, cpu = {}, 0.0
    for entry, command in baseline_commands(out):
        per_entry[entry] = timed(command, shell=True, name=entry)
        cpu += CPU.pop(entry)
    CPU[name] = cpu
    return sum(per_entry.values()), per_entry


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=default_size(), help="workers (default: fou run's, CPUs + 1)")
    parser.add_argument("--no-profiles", action="store_true", help="leave out the 290-profile batch (about 2 minutes)")
    args = parser.parse_args()
    ensure_kernel()
    fou = [str(BIN / "fou"), "run", "--quiet"]
    base_name, full_name, rerun_name = ("baseline (papermill + nbconvert loop)", f"fou run --force --jobs {args.jobs}",
                                        "fou run, unchanged re-run")
    all_name = f"290 profiles, fou run --each municipality=all --jobs {args.jobs}"
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        base_out = tmp / "baseline"
        base_out.mkdir()
        results = {}
        results[base_name], per_entry = baseline(base_out, base_name)
        results[full_name] = timed(fou + ["--out", str(tmp / "fou"), "--force", "--jobs", str(args.jobs)], name=full_name)
        results[rerun_name] = timed(fou + ["--out", str(tmp / "fou"), "--jobs", str(args.jobs)], name=rerun_name)
        if not args.no_profiles:
            results[all_name] = timed(fou + ["--out", str(tmp / "all"), "--force", "--jobs", str(args.jobs), "--only",
                                             PROFILE, "--each", "municipality=all"], name=all_name)
            pages = len(list((tmp / "all" / "html").glob(f"{PROFILE}-*.html")))
        load = os.getloadavg()
    n = len(per_entry)
    profiles = [secs for entry, secs in per_entry.items() if entry.startswith(PROFILE)]
    one = statistics.median(profiles) if profiles else float("nan")
    print(f"{n} notebook entries; {os.cpu_count()} CPUs, {platform.machine()}, Python {platform.python_version()}")
    print(f"load average at the end: {load[0]:.1f} (1 min), {load[1]:.1f} (5 min)")
    print(f"{'method':<58}{'seconds':>9}{'CPU s':>9}")
    for name, secs in results.items():
        print(f"{name:<58}{secs:>9.1f}{CPU[name]:>9.1f}")
    full, rerun, base = results[full_name], results[rerun_name], results[base_name]
    print(f"full run / baseline = {full / base:.2f} (target <= 0.25; CPU seconds {CPU[full_name] / CPU[base_name]:.2f}); "
          f"unchanged re-run {rerun:.1f} s (target <= 1 s)")
    summary = {"jobs": args.jobs, "cpus": os.cpu_count(), "seconds": results, "cpu_seconds": CPU, "load": load[:2],
               "naive_seconds_per_entry": per_entry}
    if all_name in results:
        ratio = results[all_name] / one
        print(f"{pages} profiles in {results[all_name]:.1f} s = {ratio:.1f} x the naive loop's one profile ({one:.1f} s, "
              f"median of {len(profiles)}) (target <= 20); {60 * pages / results[all_name] / (os.cpu_count() or 1):.1f} pages a minute a core")
        summary.update(naive_one_profile_seconds=one, profile_pages=pages, profiles_over_one_naive=ratio)
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "run.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
