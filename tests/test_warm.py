"""Warm kernels (fou.run.warm): imports done once per worker, and no kernel serves two notebooks.

A kernel forked by the worker's zygote is a fresh process: nothing one notebook
leaves behind (a module attribute, a changed setting, a global) is visible to the
next notebook of the same worker, and a page's tables are byte-identical whether
it ran in a warm worker after other notebooks or alone in an ordinary kernel.
"""

from __future__ import annotations

import hashlib
import json

import nbformat
import pytest

from .run_helpers import Marked, _notebook

pytestmark = pytest.mark.slow

#: Each notebook leaves state behind in every way a reused kernel would keep it, and reports what it found.
PROBE = ["import os, sys, fou, matplotlib\n"
         "found = [hasattr(fou, 'left_behind'), 'left_behind' in os.environ, 'fou_left_behind' in sys.modules,\n"
         "         matplotlib.rcParams['lines.linewidth'] == 9.0, 'leftover' in globals()]\n"
         "fou.left_behind = label; os.environ['left_behind'] = label; sys.modules['fou_left_behind'] = fou\n"
         "matplotlib.rcParams['lines.linewidth'] = 9.0; leftover = label\n"
         "from pathlib import Path\n"
         "(Path(output_dir) / 'tables').mkdir(parents=True, exist_ok=True)\n"
         "(Path(output_dir) / 'tables' / f'{label}.csv').write_text('found\\n' + str(found) + '\\n')\n"
         "print(os.getpid())"]


def _files(entry: dict) -> list[str]:
    """The files a run.json entry published (path → sha256)."""
    return list(entry.get("files") or {})


def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_warm_worker_never_lets_one_notebook_see_another(tmp_path):
    nbdir = tmp_path / "nb"
    nbdir.mkdir()
    params = 'label: str = "a"  # a label\noutput_dir: str = ""  # tables go here'
    nbformat.write(_notebook(params, PROBE), nbdir / "probe.ipynb")
    entries = "".join(f'[[entry]]\nname = "{n}"\nnotebook = "probe.ipynb"\ntitle = "{n}"\n'
                      f'parameters = {{ label = "{n}" }}\n\n' for n in ("first", "second", "third"))
    (nbdir / "run.toml").write_text(entries, encoding="utf-8")
    env = Marked(warm=True, FOU_NOTEBOOKS=str(nbdir), FOU_CACHE_DIR=str(tmp_path / "cache"))
    out = tmp_path / "out"
    proc = env.run("run", "--out", str(out), "--jobs", "1")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for name in ("first", "second", "third"):
        assert (out / "tables" / name / f"{name}.csv").read_text() == "found\n[False, False, False, False, False]\n"
    pids = {name: nbformat.read(out / "notebooks" / f"{name}.ipynb", as_version=4).cells[-1].outputs[0]["text"]
            for name in ("first", "second", "third")}
    assert len(set(pids.values())) == 3, pids  # one kernel process per notebook
    assert env.gone() == []


def test_tables_are_byte_identical_in_a_warm_worker_and_alone(default_run, tmp_path):
    """The session's default run executes the notebooks on two warm workers, so pages 03, 04 and the
    profiles ran in kernels forked after other notebooks ran in the same worker; run alone, each in an
    ordinary kernel (FOU_WARM_KERNELS=0), every table and figure file is the same, byte for byte."""
    warm, _ = default_run
    cold = Marked()  # ordinary kernels (FOU_WARM_KERNELS=0)
    alone = tmp_path / "alone"
    proc = cold.run("run", "--out", str(alone), "--jobs", "2", "--only", "03_referrals", "--only", "04_checks",
                    "--only", "10_municipality_profile", "--each", "municipality=Ale,Bjurholm")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    record = json.loads((alone / "run.json").read_text(encoding="utf-8"))
    files = sorted({f for entry in record["notebooks"] for f in _files(entry) if f.startswith(("tables/", "figures/"))})
    assert len(files) >= 4, files  # the pages' own tables (not the run's column dictionary, which lists every page)
    # the profiles ran in kernels forked from a zygote that had loaded the national extract and drawn a figure
    # (fou.pages.warmup): their tables and their figure, drawn once, are the same as from a cold kernel
    assert {"figures/10_municipality_profile-ale/profile_kpis.svg",
            "tables/10_municipality_profile-bjurholm/profile_series.csv"} <= set(files)
    for rel in files:
        assert _sha(warm / rel) == _sha(alone / rel), rel
    assert cold.gone() == []


def test_kernels_listen_on_unix_sockets_in_a_private_short_folder():
    """No TCP port race between workers or runs: each kernel manager uses ipc sockets under a folder of
    this process's own, short enough for a Unix socket path (107 bytes) with the port suffix."""
    import os
    import stat

    from fou.run import warm

    km = warm.manager_class()(kernel_name="fou")
    assert km.transport == "ipc" and not km.cache_ports
    folder = os.path.dirname(km.ip)
    assert os.path.isdir(folder) and len(km.ip) + len("-65535") < 100
    assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700  # nobody else's kernel can bind there
    assert warm.manager_class()(kernel_name="fou").ip == km.ip  # one folder per process
