"""One notebook run, in a worker process, entirely inside its private staging folder.

``STAGE/notebook.ipynb`` is the executed notebook, ``STAGE/page.html`` its reader's
page, and ``STAGE/out/`` is the ``output_dir`` the notebook writes its tables and
figures into. Nothing here touches the published output folder: the main
process publishes a staging folder only after the run is over.
"""

from __future__ import annotations

import os
import time
import traceback
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from fou.run import failure
from fou.run.plan import Job

#: Seconds a kernel may take to answer after its start (generous: a loaded machine is slow, not broken).
START_TIMEOUT = 300


def staged_files(stage: Path) -> list[str]:
    """Relative paths of every file the notebook wrote into its ``output_dir``."""
    root = stage / "out"
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()) if root.is_dir() else []


def _unstage_paths(nb, stage: Path, job: Job) -> None:
    """The executed notebook shows the published folder, not the staging one, as ``output_dir``."""
    staged, final = str(stage / "out"), str(job.parameters.get("output_dir", job.out))
    for cell in nb.cells:
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell.source = cell.source.replace(staged, final)
    meta = nb.metadata.get("papermill", {})
    if isinstance(meta.get("parameters"), dict) and "output_dir" in meta["parameters"]:
        meta["parameters"]["output_dir"] = final
    if "output_path" in meta:
        meta["output_path"] = f"notebooks/{job.name}.ipynb"


def execute(job: Job, stage: str) -> dict[str, Any]:
    """Run ``job``'s notebook with papermill into ``stage`` and render its page there."""
    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError

    from fou.run import warm
    from fou.run.kernel import ensure_kernel
    from fou.run.render import notebook_page

    os.environ["FOU_TRACEBACKS"] = "full"  # this worker's kernels: logs keep whole tracebacks (fou.extracts.params)
    stage_dir = Path(stage)
    (stage_dir / "out").mkdir(exist_ok=True)
    params = dict(job.parameters)
    if "output_dir" in params:
        params["output_dir"] = str(stage_dir / "out")
    nb_path = stage_dir / "notebook.ipynb"
    started = time.perf_counter()
    result: dict[str, Any] = {"status": "ok", "error": None}
    trace = ""
    try:
        papermill.execute_notebook(job.notebook, str(nb_path), parameters=params, kernel_name=ensure_kernel(),
                                   cwd=str(Path(job.notebook).parent), progress_bar=False, log_output=False,
                                   request_save_on_cell_execute=False, start_timeout=START_TIMEOUT,
                                   kernel_manager_class=warm.manager_class(), shutdown_kernel="immediate")
    except PapermillExecutionError as exc:
        result = {"status": "failed", "error": {"cell": exc.exec_count, "cell_index": exc.cell_index,
                                                "ename": exc.ename, "evalue": str(exc.evalue)[:500]}}
    except Exception as exc:  # kernel died, could not start, …
        result = {"status": "failed", "error": {"cell": None, "ename": type(exc).__name__, "evalue": str(exc)[:500]}}
        trace = traceback.format_exc()
    result.update(seconds=round(time.perf_counter() - started, 2),
                  finished_at=datetime.now(timezone.utc).isoformat(timespec="seconds"))
    nb = None
    if nb_path.exists():
        nb = nbformat.read(nb_path, as_version=4)
        _unstage_paths(nb, stage_dir, job)
        nbformat.write(nb, nb_path)
    if result["status"] == "failed":  # the full log, published as logs/<name>.log beside the short reader box
        result["log"] = failure.write_log(stage_dir, job.name, job.parameters, result["error"], nb, trace)
    result["files"] = staged_files(stage_dir)
    if nb is not None:
        meta = {**result, "source": job.source.get("line", ""), "parameters": job.parameters, "subdir": job.subdir,
                "notebook": job.source.get("notebook")}
        (stage_dir / "page.html").write_text(notebook_page(nb, job.title, meta), encoding="utf-8")
    return result
