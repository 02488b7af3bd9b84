"""Worker processes that execute notebooks, and that can all be stopped, kernels included.

Each worker is a spawned process talking to the main process over a pipe: it
receives ``(job, stage)``, returns the result of :func:`fou.run.execute.execute`,
and waits for the next. The main process knows every worker's pid, notices a
worker that died (its job fails with the reason), and on :meth:`Pool.stop` sends
SIGTERM to the workers, which stop their kernels, then kills whatever is left.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from multiprocessing import get_context
from multiprocessing.connection import Connection, wait
from typing import Any

from fou.run import procs


def _worker_main(conn: Connection, parent_pid: int) -> None:
    procs.setup_worker(parent_pid)
    from fou.run import warm
    from fou.run.imports import skip_iri_grammar

    skip_iri_grammar()

    warm.start()  # the zygote imports pandas, matplotlib, … while this worker imports papermill
    from fou.run.execute import execute

    while True:
        try:
            task = conn.recv()
        except EOFError:
            return
        if task is None:
            warm.stop()
            return
        try:
            result = execute(*task)
        except Exception as exc:  # a failure outside the notebook (rendering, file system): the job fails
            result = {"status": "failed", "seconds": 0.0, "files": [],
                      "error": {"cell": None, "ename": type(exc).__name__, "evalue": str(exc)[:500]}}
        conn.send(result)


@dataclass
class _Worker:
    process: Any
    conn: Connection
    task: tuple[Any, str] | None = None


def default_size() -> int:
    """Workers when ``--jobs`` is not given: one more than the CPUs. A worker waits while its kernel
    starts and its kernel while the worker renders and publishes; the extra worker fills those
    gaps (49 profiles on 2 cores: 3 workers 12–18 % faster than 2)."""
    return (os.cpu_count() or 1) + 1


def died(exitcode: int | None) -> dict[str, Any]:
    """The result of a job whose worker process ended without answering."""
    how = f"signal {-exitcode}" if exitcode is not None and exitcode < 0 else f"exit status {exitcode}"
    return {"status": "failed", "seconds": 0.0, "files": [],
            "error": {"cell": None, "ename": "WorkerDied", "evalue": f"the worker process ended ({how})"}}


class Pool:
    """At most ``size`` worker processes running ``(job, stage)`` tasks."""

    def __init__(self, size: int):
        self.size = max(1, size)
        self.ctx = get_context("spawn")
        self.workers: list[_Worker] = []

    def _start(self) -> _Worker:
        parent, child = self.ctx.Pipe()
        proc = self.ctx.Process(target=_worker_main, args=(child, os.getpid()), daemon=True, name="fou-worker")
        with procs.deferred_signals():  # the worker starts with SIGINT/SIGTERM blocked until its handlers are set
            proc.start()
            worker = _Worker(proc, parent)
            self.workers.append(worker)
        child.close()
        return worker

    def run(self, tasks: Iterable[tuple[Any, str]], started: Callable[[Any], None],
            done: Callable[[Any, str, dict[str, Any]], None]) -> None:
        """Run every task; ``started(job)`` when it is handed out, ``done(job, stage, result)`` when over."""
        pending = list(tasks)
        while pending or any(w.task for w in self.workers):
            for worker in [w for w in self.workers if w.task is None]:
                if not pending:
                    break
                worker.task = pending.pop(0)
                worker.conn.send(worker.task)
                started(worker.task[0])
            while pending and len(self.workers) < self.size:
                worker = self._start()
                worker.task = pending.pop(0)
                worker.conn.send(worker.task)
                started(worker.task[0])
            busy = [w for w in self.workers if w.task]
            ready = wait([w.conn for w in busy] + [w.process.sentinel for w in busy])
            for worker in busy:
                if worker.conn in ready:
                    try:
                        result = worker.conn.recv()
                    except EOFError:
                        worker.process.join(5)
                        result = died(worker.process.exitcode)
                        self.workers.remove(worker)
                elif worker.process.sentinel in ready:
                    worker.process.join(5)
                    result = died(worker.process.exitcode)
                    self.workers.remove(worker)
                else:
                    continue
                (job, stage), worker.task = worker.task, None
                if pending and worker in self.workers:  # its next notebook runs while this one is published
                    worker.task = pending.pop(0)
                    worker.conn.send(worker.task)
                    started(worker.task[0])
                done(job, stage, result)

    def close(self) -> None:
        """Let idle workers exit."""
        for worker in self.workers:
            try:
                worker.conn.send(None)
            except OSError:
                pass
        for worker in self.workers:
            worker.process.join(10)
        self.stop()

    def stop(self) -> None:
        """Stop every worker and everything it started (kernels); nothing is left running."""
        pids = [w.process.pid for w in self.workers if w.process.is_alive()]
        tree = pids + [d for pid in pids for d in procs.descendants(pid)]
        procs.terminate(pids, grace=4.0)  # workers stop their own kernels first
        procs.terminate([p for p in tree if procs.alive(p)], grace=1.0)
        for worker in self.workers:
            worker.process.join(1)
            worker.conn.close()
        self.workers = []
