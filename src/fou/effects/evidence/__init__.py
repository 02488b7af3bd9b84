"""The published evidence (notebook 06): the table of studies, which estimates can be pooled,
random-effects meta-analysis, one estimate computed from microdata, and their figures."""
