"""Imports the runner's own processes can do without.

``nbformat`` (papermill, nbconvert) validates notebooks with ``jsonschema``, whose
format checker imports ``rfc3987_syntax`` if it is installed (jupyter-events installs it
for JupyterLab); that module compiles a Lark grammar at import, about 1.2 s of CPU in
every process that imports nbformat. Notebook schemas use no IRI formats, so the main
process and the workers mark it absent and jsonschema leaves out its IRI checks. Never
called in a kernel or the kernels' fork server: notebooks get the full library.
"""

from __future__ import annotations

import sys


def skip_iri_grammar() -> None:
    """Make ``import rfc3987_syntax`` fail fast in this process (unless it is already imported)."""
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
