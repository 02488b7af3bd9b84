"""Effects: estimators and their inference (municipal panel, pilot DiD, experiment,
evidence synthesis), synthetic data with known truth, effect figures. No HTML here."""
