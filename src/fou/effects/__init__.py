"""Effects: estimators and their inference, one folder per analysis (``panel``, ``pilot``,
``experiment``, ``evidence``) and what they share at the top: ``linear`` (OLS/2SLS with absorbed
fixed effects, CRV1), ``inference`` (few-cluster CR1, wild cluster bootstrap, exact permutation),
``randomisation`` (re-drawn assignments), ``multiple`` (Holm, Romano–Wolf) and ``plotting``
(figure helpers). No HTML here."""
