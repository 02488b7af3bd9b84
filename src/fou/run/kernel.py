"""The workbench's own Jupyter kernel, registered inside the running environment."""

from __future__ import annotations

import json
import sys
from pathlib import Path

KERNEL_NAME = "fou"
DISPLAY_NAME = "Python (fou)"


def kernel_dir(name: str = KERNEL_NAME) -> Path:
    """Where the kernelspec lives: inside this environment (``sys.prefix``)."""
    return Path(sys.prefix) / "share" / "jupyter" / "kernels" / name


def kernel_spec() -> dict:
    """A kernelspec running this interpreter; the kernel's own log is kept to critical
    messages so batch runs are not cluttered (notebook errors are in the outputs)."""
    return {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}",
                 "--IPKernelApp.log_level=CRITICAL"],
        "display_name": DISPLAY_NAME,
        "language": "python",
        "metadata": {"debugger": True},
    }


#: JupyterLab settings fou installs beside its kernel: no news pop-up (it covers the right-hand
#: columns of wide tables on every fresh profile) and no update check (no network beyond registries).
LAB_SETTINGS = {"@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False}}


def lab_overrides_path() -> Path:
    """JupyterLab's settings overrides of this environment (``share/jupyter/lab/settings``)."""
    return Path(sys.prefix) / "share" / "jupyter" / "lab" / "settings" / "overrides.json"


def ensure_lab_settings() -> Path:
    """Merge :data:`LAB_SETTINGS` into this environment's ``overrides.json`` (other settings kept)."""
    path = lab_overrides_path()
    try:
        current = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        current = {}
    if not isinstance(current, dict):
        current = {}
    merged = {**current, **{k: {**(current.get(k) or {}), **v} for k, v in LAB_SETTINGS.items()}}
    if merged != current or not path.is_file():
        from fou.extracts.atomic import atomic_write_text

        atomic_write_text(path, json.dumps(merged, indent=1) + "\n")
    return path


def ensure_kernel(name: str = KERNEL_NAME) -> str:
    """Register kernel ``name`` for this interpreter in ``sys.prefix`` if missing or stale.

    Papermill and JupyterLab then run the notebooks in this environment, whatever
    else is installed on the machine. Returns the kernel name.
    """
    path = kernel_dir(name) / "kernel.json"
    spec = kernel_spec()
    try:
        if json.loads(path.read_text(encoding="utf-8")) == spec:
            return name
    except (OSError, ValueError):
        pass
    from fou.extracts.atomic import atomic_write_text

    atomic_write_text(path, json.dumps(spec, indent=1) + "\n")
    return name


if __name__ == "__main__":
    print(ensure_kernel(), kernel_dir())
    print("JupyterLab settings:", ensure_lab_settings())
