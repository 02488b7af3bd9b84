"""Reference computations with other libraries, shared by the tests that compare against them."""

from __future__ import annotations

import warnings

import numpy as np


def wildboottest_t(X, y, cl, column: int = 1, weights: str = "rademacher", draws: int = 9999,
                   seed: int = 1) -> tuple[float, np.ndarray]:
    """wildboottest's observed t and bootstrap t-statistics (WCR, CR1; with Rademacher weights
    every sign vector up to ``draws``) for H0: β[column] = 0."""
    from wildboottest.wildboottest import WildboottestCL

    X = np.asarray(X, float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        boot = WildboottestCL(X=X, Y=np.asarray(y, float), cluster=cl, R=np.eye(X.shape[1])[column], B=draws, seed=seed,
                              parallel=False)
        boot.get_scores(bootstrap_type="11", impose_null=True)
        boot.get_weights(weights_type=weights)
        boot.get_numer()
        boot.get_denom()
        boot.get_tboot()
        boot.get_vcov()
        boot.get_tstat()
    return float(np.ravel(boot.t_stat)[0]), np.ravel(boot.t_boot)
