"""Where a worker's kernels listen: Unix sockets in a private folder, not TCP ports.

jupyter_client picks a kernel's five TCP ports by binding port 0 and closing it again;
the kernel binds them a moment later. Two workers (or two ``fou run`` at once on one
machine) can pick the same free port in between, and the second kernel then dies with
"Address already in use" before it replies. With ``transport="ipc"`` each kernel's
sockets are files in a folder of this worker's own, numbered by what is already there,
so no other process can take them. The folder is short (a Unix socket path has at most
107 bytes) and removed when the worker exits.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile

_DIR: str | None = None


def ipc_prefix() -> str:
    """The path prefix (``ip``) for this process's kernels' sockets: ``<private folder>/k``."""
    global _DIR
    if _DIR is None or not os.path.isdir(_DIR):
        base = "/tmp" if os.path.isdir("/tmp") else None  # short, whatever TMPDIR is
        _DIR = tempfile.mkdtemp(prefix="fou-k-", dir=base)
        atexit.register(shutil.rmtree, _DIR, True)
    return os.path.join(_DIR, "k")
