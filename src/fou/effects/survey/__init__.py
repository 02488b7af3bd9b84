"""The national context (notebook 09): SKR's county survey tables of 2023 and Dua's county
shares of 2019, transcribed in ``data/transcribed``; their consistency checks, the number of
responding municipalities inferred from rounded percentages, and a county-level pairing with
Kolada. Modules: tables (loading, area → county mapping), respondents, checks, pairing, figures."""
