"""Benchmark: ``fou run`` against the naive papermill + nbconvert loop, in one run.

Measures, on the same notebooks and parameters (those of ``notebooks/run.toml``):

1. a full ``fou run --force`` (parallel workers, HTML rendered in the worker);
2. an unchanged re-run (every notebook skipped);
3. the baseline: a shell loop running ``papermill`` then
   ``jupyter nbconvert --to html --no-input`` per notebook, one after the other.

Targets (issue 22): full run at most 0.25 × the baseline; unchanged re-run at most
1 s. Besides wall-clock seconds it reports CPU seconds (user + system of every
process the command started, kernels included), which other jobs on a shared
machine disturb far less than wall-clock time. Usage: ``.venv/bin/python benchmarks/run_benchmark.py [--jobs N]``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from fou.run import runner
from fou.run.kernel import ensure_kernel
from fou.extracts.paths import REPO_ROOT

BIN = Path(sys.executable).parent


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


def baseline_script(out: Path) -> str:
    defaults, entries = runner.load_config()
    jobs = runner.plan(entries, defaults, {}, out)
    lines = ["set -e"]
    for job in jobs:
        args = []
        for k, v in job.parameters.items():
            args += ["-p", k, str(v)] if isinstance(v, (int, float)) and not isinstance(v, bool) else ["-r", k, str(v)]
        nb_out = out / f"{job.name}.ipynb"
        lines.append(" ".join([shlex.quote(str(BIN / "papermill")), shlex.quote(job.notebook), shlex.quote(str(nb_out)),
                               "-k", "fou", "--cwd", shlex.quote(str(Path(job.notebook).parent)), "--no-progress-bar",
                               *map(shlex.quote, args)]))
        lines.append(f"{shlex.quote(str(BIN / 'jupyter'))} nbconvert --to html --no-input {shlex.quote(str(nb_out))}")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    ensure_kernel()
    fou = [str(BIN / "fou"), "run", "--quiet"]
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        base_out = tmp / "baseline"
        base_out.mkdir()
        base_name, full_name, rerun_name = ("baseline (papermill + nbconvert loop)", f"fou run --force --jobs {args.jobs}",
                                            "fou run, unchanged re-run")
        results = {base_name: timed(baseline_script(base_out), shell=True, name=base_name),
                   full_name: timed(fou + ["--out", str(tmp / "fou"), "--force", "--jobs", str(args.jobs)], name=full_name)}
        results[rerun_name] = timed(fou + ["--out", str(tmp / "fou"), "--jobs", str(args.jobs)], name=rerun_name)
        load = os.getloadavg()
    n = len(runner.load_config()[1])
    print(f"{n} notebooks; {os.cpu_count()} CPUs, {platform.machine()}, Python {platform.python_version()}")
    print(f"load average during the run: {load[0]:.1f} (1 min), {load[1]:.1f} (5 min)")
    print(f"{'method':<42}{'seconds':>9}{'CPU s':>9}")
    for name, secs in results.items():
        print(f"{name:<42}{secs:>9.1f}{CPU[name]:>9.1f}")
    base = results["baseline (papermill + nbconvert loop)"]
    full = results[f"fou run --force --jobs {args.jobs}"]
    rerun = results["fou run, unchanged re-run"]
    print(f"full run / baseline = {full / base:.2f} (target <= 0.25; CPU seconds {CPU[full_name] / CPU[base_name]:.2f}); "
          f"unchanged re-run {rerun:.1f} s (target <= 1 s)")
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "run.json").write_text(json.dumps({"jobs": args.jobs, "cpus": os.cpu_count(), "seconds": results, "cpu_seconds": CPU,
                                                 "load": load[:2]}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
