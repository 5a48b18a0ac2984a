"""Lyle et al. 2025 Fig. 9: warm-starting under
a cyclic LR not aligned with the data addition."""

from grokrewarm.claims.kinds import gap

CLAIMS = {
    # B.2: data "added half-way through the third cycle. We see in Figure 9 that this setting also
    # closes the generalization gap"; "closes" = within SAME_ACC
    "Fig. 9: with a cyclic LR whose re-warms do not align with the data addition, "
    "projected networks still reach the same final test accuracy from every "
    "initial fraction: none ends more than 1 point below the 100% run": gap("main", "nap_cyclic"),
}
