"""A page's links to its own files: pointed at where its entry publishes them, and complete.

A notebook links its tables and figures as ``../tables/<name>.csv`` and
``../figures/<name>.png`` (right for a reader who opens it where it ran). When two
entries run one notebook, each entry's files are published under ``tables/<entry>/``
and ``figures/<entry>/``; :func:`relink` points the page's links there. Every file the
entry wrote and the page does not link yet is listed in one download block at the end
(:func:`unlinked`), so no published CSV, Excel table or figure is out of a reader's reach.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from fou.run.publish import published_path

_HREF = re.compile(r'href="\.\./((?:tables|figures)/[^"#?]+)"')
#: What the download block calls each kind of file.
KINDS = (("tables/excel/", "för Excel"), ("tables/", "tabell"), ("figures/", "figur"))


def relink(page: str, files: Iterable[str], subdir: str) -> str:
    """``page`` with every link to a file its notebook wrote pointed at the published path."""
    written = set(files)

    def point(match: re.Match) -> str:
        rel = match.group(1)
        return f'href="../{published_path(rel, subdir)}"' if rel in written else match.group(0)

    return _HREF.sub(point, page) if subdir else page


def linked(page: str) -> set[str]:
    """Paths (relative to the output folder) of the files ``page`` links to."""
    return set(_HREF.findall(page))


def unlinked(page: str, files: Iterable[str], subdir: str) -> list[tuple[str, str, str]]:
    """The files of this entry the page does not link: (published path, file name, kind)."""
    have = linked(page)
    rows = []
    for rel in sorted(files):
        dst = published_path(rel, subdir)
        if dst in have:
            continue
        kind = next((label for prefix, label in KINDS if rel.startswith(prefix)), "fil")
        rows.append((dst, rel.rsplit("/", 1)[-1], kind))
    return rows
