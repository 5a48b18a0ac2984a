"""Lyle et al. 2025 Fig. 4: warm-starting from a
fraction of the data, re-warmed when the rest is added."""

from grokrewarm.claims.kinds import gap

CLAIMS = {
    # Section 5.1: the NaP variant "attains the same final generalization performance independent
    # of the initial dataset size"; "same" = within SAME_ACC
    "Fig. 4: projected networks re-warmed when the data is added "
    "reach the same final test accuracy from every initial "
    "fraction: none ends more than 1 point below the 100% run": gap("main", "nap_fixed"),
    # Fig. 4 caption: re-warming norm-constrained networks shows "significant improvements on
    # CIFAR-10 over naively applying learning rate cycling on an unregularized network"
    "Fig. 4: unconstrained networks with the same re-warm keep a warm-start gap: some initial "
    "fraction ends more than 1 point below the 100% run": gap("main", "none_fixed", closed=False),
}
