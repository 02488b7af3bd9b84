"""Pages: what the notebooks call, one module per page family, each a ``...Page`` class whose
``show_*`` methods return displayable HTML blocks (and save CSV/PNG). Knows nothing of papermill."""
