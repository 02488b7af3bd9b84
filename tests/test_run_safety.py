"""``fou run`` never publishes a mixed or stale result: interrupted, concurrent, partial and
repeated runs with real processes (issue 12, cases 1–5, 7–9)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from fou.extracts.paths import REPO_ROOT
from fou.run.inputs import key_of

from .run_helpers import Marked, snapshot, unprivileged, wait_for, write_notebooks

pytestmark = pytest.mark.slow


def record(out: Path) -> dict[str, dict]:
    return {n["name"]: n for n in json.loads((out / "run.json").read_text(encoding="utf-8"))["notebooks"]}


def table(out: Path, rel: str) -> str:
    return (out / rel).read_text(encoding="utf-8").splitlines()[1]


@pytest.fixture(scope="module")
def tiny_template(tmp_path_factory):
    """The tiny notebooks and one output folder of them (label a), made once per module."""
    base = tmp_path_factory.mktemp("tiny")
    nbdir = write_notebooks(base / "nb")
    env = Marked(FOU_NOTEBOOKS=str(nbdir), FOU_CACHE_DIR=str(base / "cache"))
    first = env.run("run", "--out", str(base / "out"), "--jobs", "2")
    assert first.returncode == 0, first.stdout + first.stderr
    return base


@pytest.fixture
def tiny(tiny_template, tmp_path):
    """A marked environment (ordinary kernels) and a copy of the tiny output folder (label a) for one test."""
    out = tmp_path / "out"
    shutil.copytree(tiny_template / "out", out)
    env = Marked(FOU_NOTEBOOKS=str(tiny_template / "nb"), FOU_CACHE_DIR=str(tiny_template / "cache"))
    return env, out, tiny_template / "nb"


def warm(env: Marked) -> Marked:
    """The same environment with warm kernels (the default of ``fou run``): stopping a run must stop its
    workers' zygotes and the kernels they forked too."""
    return Marked(warm=True, **{k: env.env[k] for k in ("FOU_NOTEBOOKS", "FOU_CACHE_DIR")})


def test_case1_interrupting_a_new_region_leaves_the_published_pages(default_run, tmp_path):
    """Ctrl-C during ``--region "Ale, Kungälv"`` into a folder of Göteborgsregionen pages: nothing
    for Ale/Kungälv appears, the next plain run finds every page up to date, and Ctrl-C is quick."""
    src, _ = default_run
    out = tmp_path / "outputs"
    shutil.copytree(src, out)
    before = snapshot(out)
    env = Marked(warm=True)
    regional = [a for n in ("01_population_socioeconomics", "02_organisation_participants", "03_referrals", "04_checks",
                            "05_municipal_panel") for a in ("--only", n)]
    proc = env.start("run", "--out", str(out), "--region", "Ale, Kungälv", "--jobs", "2", *regional)
    wait_for(lambda: env.kernels(), what="a kernel of the run")
    os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C in a terminal: the whole foreground group gets SIGINT
    stdout, stderr = proc.communicate(timeout=180)
    assert proc.returncode == 130, stderr
    assert stderr.strip().count("\n") == 0 and "interrupted by SIGINT" in stderr and "Traceback" not in stderr
    assert env.gone() == []
    after = snapshot(out)
    assert not (out / ".staging").exists()
    changed = {p for p in set(before) | set(after) if before.get(p) != after.get(p)} - {"run.json", "index.html"}
    runs = record(out)
    # only complete pages may have been published (none, unless a notebook finished before the signal)
    new = {n for n, e in runs.items() if e["parameters"].get("region") == "Ale, Kungälv"}
    owned = {p for n in new for p in (runs[n]["html"], runs[n]["notebook"], *runs[n]["files"])}
    assert changed <= owned, changed - owned
    for name, entry in runs.items():
        if name not in new:
            assert entry["parameters"].get("region", "Göteborgsregionen") == "Göteborgsregionen"
    if not new:
        assert after == before
        assert ",Göteborg," in (out / "tables" / "table1_population.csv").read_text(encoding="utf-8")
    explain = env.run("run", "--out", str(out), "--explain")
    assert explain.returncode == 0
    lines = explain.stdout.strip().splitlines()
    # 01–09 and Göteborgsregionen's 13 profiles; the default run made the profiles of Ale and Bjurholm,
    # so of the profiles only Ale's is up to date
    assert len(lines) == 9 + 13 and sum(line.startswith("skip") for line in lines) == 9 + 1 - len(new)


def test_case7_sigterm_publishes_only_complete_pages_and_leaves_no_process(tiny):
    """SIGTERM while ``slow`` sleeps: ``fast`` (finished) is published whole, ``slow``'s half-written
    table stays in staging and is discarded; exit 143, one line, no worker or kernel left."""
    env, out, _ = tiny
    env = warm(env)
    proc = env.start("run", "--out", str(out), "--jobs", "2", "--param", "label=b", "--param", "seconds=120")
    wait_for(lambda: (out / "run.json").is_file() and record(out)["fast"]["parameters"]["label"] == "b"
             and env.kernels(), what="fast published while slow runs")
    wait_for(lambda: list((out / ".staging").glob("slow.*/out/tables/slow.csv")), what="slow's half-new table")
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=180)
    assert proc.returncode == 143
    assert stderr.strip().count("\n") == 0 and "interrupted by SIGTERM: 1 notebook(s) finished and published" in stderr
    assert env.gone() == []
    assert table(out, "tables/t.csv") == "b" and "b" in (out / "notebooks" / "fast.ipynb").read_text()
    assert table(out, "tables/slow.csv") == "a"  # the killed run's table was never published
    runs = record(out)
    assert runs["fast"]["parameters"]["label"] == "b" and runs["slow"]["parameters"]["label"] == "a"
    assert not (out / ".staging").exists()


def test_case2_one_run_at_a_time_with_holder_named_and_stale_lock_detected(tiny):
    env, out, _ = tiny
    env = warm(env)
    first = env.start("run", "--out", str(out), "--only", "slow", "--param", "seconds=120", "--force")
    wait_for(lambda: env.kernels(), what="the first run's kernel")
    second = env.run("run", "--out", str(out), "--only", "fast", "--param", "label=c")
    assert second.returncode == 75
    assert second.stderr.count("\n") == 1 and f"pid {first.pid}" in second.stderr and "started" in second.stderr
    log = out.parent / "waiting.log"
    with open(log, "w") as err:
        waiting = env.start("run", "--out", str(out), "--only", "fast", "--param", "label=c", "--wait", stderr=err)
        wait_for(lambda: "waiting for the run holding" in log.read_text(), what="the second run to wait")
        first.kill()  # SIGKILL: no cleanup at all; its workers and kernel must still go
        first.communicate(timeout=120)
        waiting.communicate(timeout=120)
    stderr = log.read_text()
    assert waiting.returncode == 0, stderr
    assert "waiting for the run holding" in stderr
    assert f"previous run into {out} (pid {first.pid}" in stderr and "did not finish" in stderr
    assert env.gone() == []
    runs = record(out)
    assert runs["fast"]["parameters"]["label"] == "c" and runs["slow"]["status"] == "ok"
    assert table(out, "tables/slow.csv") == "a" and not (out / ".staging").exists()


def test_case3_skip_key_covers_data_files_parameter_files_and_source(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(REPO_ROOT / "data", data)
    pilots = tmp_path / "pilots.csv"
    pilots.write_text("municipality_id\n1440\n1441\n", encoding="utf-8")
    nbdir = write_notebooks(tmp_path / "nb", '[[entry]]\nname = "fast"\nnotebook = "fast.ipynb"\ntitle = "Fast"\n')
    env = Marked(FOU_NOTEBOOKS=str(nbdir), FOU_DATA=str(data), FOU_CACHE_DIR=str(tmp_path / "cache"))
    out = tmp_path / "out"
    args = ("run", "--out", str(out), "--param", f"pilots={pilots}")
    assert env.run(*args).returncode == 0
    assert env.run(*args, "--explain").stdout.startswith("skip  fast")
    inputs = record(out)["fast"]["inputs"]
    assert str(pilots) in inputs["files"] and str(data / "evidence" / "private_vs_public.csv") in inputs["files"]
    for path in (data / "evidence" / "private_vs_public.csv", data / "facts" / "municipality_facts.csv", pilots):
        original = path.read_bytes()
        path.write_bytes(original + b"\n")
        explain = env.run(*args, "--explain")
        assert explain.stdout.startswith("run   fast") and f"data file {path} changed" in explain.stdout, explain.stdout
        path.write_bytes(original)
    assert env.run(*args, "--explain").stdout.startswith("skip  fast")
    pilots.write_text("municipality_id\n1482\n1484\n", encoding="utf-8")
    rerun = env.run(*args)
    assert "✓ fast" in rerun.stdout and "skipped" not in rerun.stdout and f"data file {pilots} changed" in rerun.stdout
    # a run made with other fou sources is not up to date
    recorded = json.loads((out / "run.json").read_text())
    recorded["notebooks"][0]["inputs"]["fou_source"] = "0" * 64
    recorded["notebooks"][0]["key"] = key_of(recorded["notebooks"][0]["inputs"])
    (out / "run.json").write_text(json.dumps(recorded))
    assert "the fou source code changed" in env.run(*args, "--explain").stdout


def test_source_digest_changes_with_any_module(tmp_path):
    from fou.run.inputs import source_digest

    import fou

    pkg = tmp_path / "fou"
    shutil.copytree(Path(fou.__file__).parent, pkg, ignore=shutil.ignore_patterns("__pycache__"))
    before = source_digest(pkg)
    assert before == source_digest(Path(fou.__file__).resolve().parent)
    module = pkg / "effects" / "panel" / "analysis.py"
    module.write_text(module.read_text() + "\n# changed\n")
    changed = source_digest(pkg)
    assert changed != before
    (pkg / "templates" / "style.css").write_text("body{}")
    assert source_digest(pkg) not in (before, changed)
    (pkg / "README.txt").write_text("not source")
    (pkg / "effects" / "__pycache__").mkdir()
    (pkg / "effects" / "__pycache__" / "panel.cpython-311.pyc").write_bytes(b"\0")
    assert source_digest(pkg) == source_digest(pkg)


def test_case4_only_keeps_the_other_entries(tiny):
    env, out, _ = tiny
    proc = env.run("run", "--out", str(out), "--only", "fast", "--param", "label=c")
    assert proc.returncode == 0 and "1 of 1 notebooks ok" in proc.stdout
    runs = record(out)
    assert list(runs) == ["fast", "slow"] and runs["slow"]["status"] == "ok" and runs["fast"]["parameters"]["label"] == "c"
    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'data-name="fast"' in index and 'data-name="slow"' in index
    explain = env.run("run", "--out", str(out), "--explain").stdout.splitlines()
    assert explain[0].startswith("run   fast") and "parameter label changed: 'c' → 'a'" in explain[0]
    assert explain[1].startswith("skip  slow")


def test_case5_entries_of_one_notebook_get_their_own_tables(tmp_path):
    entries = "".join(f'[[entry]]\nname = "fast_{x}"\nnotebook = "fast.ipynb"\ntitle = "Fast {x}"\n'
                      f'parameters = {{ label = "{x}" }}\n\n' for x in ("x", "y"))
    nbdir = write_notebooks(tmp_path / "nb", entries + '[[entry]]\nname = "slow"\nnotebook = "slow.ipynb"\ntitle = "S"\n')
    env = Marked(FOU_NOTEBOOKS=str(nbdir), FOU_CACHE_DIR=str(tmp_path / "cache"))
    out = tmp_path / "out"
    proc = env.run("run", "--out", str(out), "--jobs", "2")
    assert proc.returncode == 0, proc.stderr
    assert table(out, "tables/fast_x/t.csv") == "x" and table(out, "tables/fast_y/t.csv") == "y"
    assert table(out, "tables/slow.csv") == "a" and not (out / "tables" / "t.csv").exists()
    runs = record(out)
    assert list(runs["fast_x"]["files"]) == ["tables/fast_x/t.csv"] and runs["slow"]["files"] == {
        "tables/slow.csv": runs["slow"]["files"]["tables/slow.csv"]}
    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="html/fast_x.html"' in index and 'href="html/fast_y.html"' in index


def test_default_configuration_keeps_plain_table_names(tmp_path):
    from fou.run import runner

    defaults, entries = runner.load_config()
    jobs = runner.plan(entries, defaults, {}, tmp_path)
    # one entry per notebook keeps plain names; a batch's pages (the profiles) each get their own folder
    assert [j.subdir for j in jobs if not j.name.startswith("10_")] == [""] * 9
    assert [j.subdir for j in jobs if j.name.startswith("10_")] == [j.name for j in jobs if j.name.startswith("10_")]


def test_case8_read_only_output_and_cache_folders(tiny, tmp_path):
    env, out, nbdir = tiny
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    cmd = [*unprivileged(), sys.executable, "-m", "fou", "run", "--only", "fast"]
    proc = subprocess.run([*cmd, "--out", str(ro / "out")], env=env.env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1 and proc.stderr.count("\n") == 1, proc.stderr
    assert f"cannot write {ro / 'out'}: Permission denied" in proc.stderr and "Traceback" not in proc.stderr
    out.chmod(0o555)  # an existing output folder that became read-only
    try:
        proc = subprocess.run([*cmd, "--out", str(out), "--force"], env=env.env, capture_output=True, text=True,
                              timeout=300)
    finally:
        out.chmod(0o755)
    assert proc.returncode == 1 and proc.stderr.count("\n") == 1 and str(out) in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr
    cache = tmp_path / "ro-cache"
    cache.mkdir()
    cache.chmod(0o555)
    proc = subprocess.run([*cmd, "--out", str(tmp_path / "fresh")], capture_output=True, text=True, timeout=300,
                          env={**env.env, "FOU_CACHE_DIR": str(cache / "fou")})
    assert proc.returncode == 0, proc.stderr  # a cache that cannot be written only costs time
    assert (tmp_path / "fresh" / "html" / "fast.html").is_file()


def test_case8_full_disk_is_one_line(tiny, tmp_path):
    """A full file system (a 64 KiB tmpfs, filled) gives one line naming the path."""
    env, _, _ = tiny
    if os.geteuid() != 0 or not shutil.which("unshare"):
        pytest.skip("needs root and unshare to mount a small tmpfs in a private mount namespace")
    disk = tmp_path / "disk"
    disk.mkdir()
    script = (f"mount -t tmpfs -o size=64k tmpfs {disk} || exit 99; mkdir {disk}/out; "
              f"head -c 1M /dev/zero > {disk}/fill 2>/dev/null; "
              f"exec {sys.executable} -m fou run --only fast --out {disk}/out")
    proc = subprocess.run(["unshare", "-m", "sh", "-c", script], env=env.env, capture_output=True, text=True,
                          timeout=300)
    if proc.returncode == 99:
        pytest.skip(f"cannot mount a tmpfs here: {proc.stderr.strip()}")
    assert proc.returncode == 1 and proc.stderr.count("\n") == 1, proc.stderr
    assert f"cannot write {disk}/out/" in proc.stderr and "No space left on device" in proc.stderr


def _modes(folder: Path) -> set[tuple[str, str]]:
    return {("d" if p.is_dir() else "f", oct(stat.S_IMODE(p.stat().st_mode))) for p in folder.rglob("*")
            if p.name != ".staging"}


@pytest.mark.parametrize("umask, file_mode, dir_mode", [(0o022, "0o644", "0o755"), (0o027, "0o640", "0o750")])
def test_case9_outputs_follow_the_umask(tmp_path, umask, file_mode, dir_mode):
    nbdir = write_notebooks(tmp_path / "nb", '[[entry]]\nname = "fast"\nnotebook = "fast.ipynb"\ntitle = "Fast"\n')
    env = Marked(FOU_NOTEBOOKS=str(nbdir), FOU_CACHE_DIR=str(tmp_path / "cache"))
    out = tmp_path / "out"
    proc = env.run("run", "--out", str(out), preexec_fn=lambda: os.umask(umask))
    assert proc.returncode == 0, proc.stderr
    assert _modes(out) == {("f", file_mode), ("d", dir_mode)}
    assert {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()} == {
        ".fou.lock", "index.html", "run.json", "html/fast.html", "notebooks/fast.ipynb", "tables/t.csv", "tables/columns.csv"}
