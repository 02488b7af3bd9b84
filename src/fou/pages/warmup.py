"""What a warm worker does once, before any notebook: fill the caches every page fills anyway.

A warm kernel (:mod:`fou.run.warm`) is forked from a process that has imported the
libraries and called :func:`warm_up`: matplotlib has found its fonts and measured text,
the templates are compiled, and the shipped extracts most pages read are loaded with
their catalogues. Every cache here is keyed by the files' size and modification time or
checksum (:func:`fou.study.inputs.open_extract`, :func:`fou.study.profile.catalogue`),
so a page on changed or other data loads its own; no notebook code has run.
"""

from __future__ import annotations

import contextlib
import io

#: The shipped extracts the default pages read.
EXTRACTS = ("report-2023", "kolada-national")


def warm_up() -> None:
    """Draw one throwaway figure, compile the templates and load :data:`EXTRACTS`; failures are left
    to the pages (a page that cannot load its data says so in its own kernel)."""
    _draw()
    with contextlib.suppress(Exception):
        from fou.pages import html

        env = html.environment()
        for name in env.list_templates(extensions=["j2"]):
            env.get_template(name)
        html.scoped_stylesheet()  # what every block shown in a kernel carries (parsed with tinycss2)
    for name in EXTRACTS:
        with contextlib.suppress(Exception):
            _load(name)


def _draw() -> None:
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure

    from fou.study.figures import STYLE

    with plt.rc_context(STYLE):
        fig = Figure(figsize=(2, 1.5))
        ax = fig.add_subplot()
        ax.plot([2010, 2022], [1.5, 2.5], marker="o")
        ax.set_title("Å 0,5")
        for fmt in ("svg", "png"):
            fig.savefig(io.BytesIO(), format=fmt)


def _load(name: str) -> None:
    from fou.study import profile
    from fou.study.inputs import open_extract

    profile.municipalities(open_extract(name))  # the extract, its catalogue and KPI cube
