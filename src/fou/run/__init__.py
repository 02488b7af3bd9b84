"""Run: the run configuration, parameter validation before any kernel starts, papermill
execution, rendering of reader pages and the index, the Jupyter kernel."""
