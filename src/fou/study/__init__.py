"""The study: KPIs and labels of the 2023 report, its tables, statements, comparison with
the published figures, Swedish number style and report-style presentation."""
