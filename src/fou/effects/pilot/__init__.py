"""The KROM pilot (notebook 08): staggered adoption with not-yet-treated comparisons (ATT(g, t)),
TWFE as a comparison, randomisation inference within county, and their figures."""
