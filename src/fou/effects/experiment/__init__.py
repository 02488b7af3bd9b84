"""The two-stage randomised experiment (notebook 07): specification, design-based estimands,
attrition, the data (a file or a synthetic experiment with known truth), and their figures."""
