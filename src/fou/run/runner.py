"""``fou run``: validate every notebook's parameters, execute with papermill, publish pages.

Layout of ``--out``: ``index.html``, ``html/<entry>.html``, ``notebooks/<entry>.ipynb``,
``figures/*.png``, ``tables/*.csv``, ``failed/`` (pages of failed runs) and
``run.json``. Guarantees:

- one run at a time per folder (:mod:`fou.run.lock`);
- every notebook runs in a private staging folder and its page, notebook, tables
  and figures are published together, only when it succeeded (:mod:`fou.run.publish`);
  ``run.json`` and ``index.html`` describe what is published, entries not run
  this time included;
- a page is skipped only when every input is unchanged: notebook, parameters,
  data files, the ``fou`` sources and version (:mod:`fou.run.inputs`);
- SIGINT/SIGTERM stop the workers and their kernels and leave the folder as the
  last complete publication left it (:mod:`fou.run.procs`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from fou.run import procs
from fou.run.inputs import reasons
from fou.run.lock import OutputLock
from fou.run.plan import Entry, Job, config_path, load_config, plan  # noqa: F401  (the runner's API)
from fou.run.publish import Outputs, load_record

Reporter = Callable[..., None]  # (name, state, seconds[, reasons])
Notice = Callable[[str], None]


def decide(jobs: list[Job], out: Path, force: bool = False) -> list[tuple[Job, list[str]]]:
    """Each job with the reasons it must run (an empty list: the published page is up to date)."""
    previous = {e.get("name"): e for e in load_record(out)["notebooks"] if isinstance(e, dict)}
    return [(job, reasons(job.key, job.inputs, previous.get(job.name), out, force)) for job in jobs]


class Progress:
    """What happened to each job of this run (for the summary and for the CLI on interruption)."""

    def __init__(self, jobs: list[Job]):
        self.status: dict[str, str] = {j.name: "pending" for j in jobs}
        self.seconds: dict[str, float] = {}
        self.errors: dict[str, Any] = {}

    def count(self, *states: str) -> int:
        return sum(s in states for s in self.status.values())


def run(jobs: list[Job], out: Path, workers: int = 1, force: bool = False, report: Reporter | None = None,
        *, order: list[str] | None = None, wait: bool = False, notice: Notice | None = None,
        progress: Progress | None = None) -> dict[str, Any]:
    """Execute ``jobs`` (skipping up-to-date ones unless ``force``) and publish them into ``out``.

    Raises :class:`fou.run.lock.OutputBusy` when another run holds ``out`` (unless
    ``wait``), :class:`fou.run.procs.Interrupted` on SIGINT/SIGTERM (after stopping
    every worker and kernel), ``OSError`` when ``out`` cannot be written.
    """
    from fou.run.kernel import ensure_kernel
    from fou.run.workers import Pool

    report = report or (lambda *args: None)
    notice = notice or (lambda text: None)
    progress = progress or Progress(jobs)
    out.mkdir(parents=True, exist_ok=True)
    lock = OutputLock(out, wait=wait, on_wait=lambda h: notice(f"waiting for the run holding {out} ({_who(h)})"))
    pool: Pool | None = None
    stages: dict[str, Path] = {}
    with lock:
        if lock.stale:
            notice(f"the previous run into {out} ({_who(lock.stale)}) did not finish; its unpublished work is discarded")
        outputs = Outputs(out, order or [j.name for j in jobs])
        with procs.deferred_signals():
            finished, _ = outputs.recover()
        for name in finished:
            notice(f"finished publishing {name}, which an interrupted run had left half done")
        todo = []
        for job, why in decide(jobs, out, force):
            if why:
                todo.append((job, why))
                continue
            entry = {**outputs.entries[job.name], "status": "skipped", "seconds": 0.0,
                     "title": job.title, "summary": job.summary,
                     **({"group": job.group, "label": job.label, "batch": job.batch} if job.group else {})}
            outputs.mark(entry)
            progress.status[job.name] = "skipped"
            report(job.name, "skipped", 0.0)
        try:
            if todo:
                ensure_kernel()
                previous = outputs.entries
                todo.sort(key=lambda jw: -float((previous.get(jw[0].name) or {}).get("ran_seconds") or 1e9))
                why_of = {job.name: why for job, why in todo}
                tasks = []
                for job, _ in todo:
                    stages[job.name] = outputs.new_stage(job.name)
                    tasks.append((job, str(stages[job.name])))

                def started(job: Job) -> None:
                    progress.status[job.name] = "running"
                    report(job.name, "running", None, why_of[job.name])

                def done(job: Job, stage: str, result: dict[str, Any]) -> None:
                    with procs.deferred_signals():  # a signal now is handled once the page is published
                        entry = outputs.publish(job, Path(stage), result)
                        stages.pop(job.name, None)
                        progress.status[job.name] = entry["status"]
                        progress.seconds[job.name] = result.get("seconds", 0.0)
                        progress.errors[job.name] = entry.get("error")
                    report(job.name, entry["status"], result.get("seconds", 0.0))

                pool = Pool(min(workers, len(tasks)))
                pool.run(tasks, started, done)
                pool.close()
                pool = None
            with procs.deferred_signals():
                return outputs.write()
        finally:
            if pool is not None:
                pool.stop()
            for stage in stages.values():
                outputs.discard(stage)
            outputs.tidy()


def _who(holder: dict[str, Any]) -> str:
    from fou.run.lock import describe

    return describe(holder)
