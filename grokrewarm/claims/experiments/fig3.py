"""Lyle et al. 2025 Fig. 3: grokking induced by
re-warming the LR after an offset."""

from grokrewarm.claims.kinds import seeds_grok

CLAIMS = {
    # Fig. 3 caption: "We can induce grokking at arbitrary points during training ... increasing
    # the learning rate to 0.01 leads to feature learning and grokking"; Section 4.2: "even after
    # several hundred thousand optimizer steps, it is still possible to induce grokking". Read as:
    # grokked = test accuracy >= 95% (analysis.runs.GROKKED_ACC) after every offset, in every seed
    "Fig. 3 LHS: re-warming to a peak of 1e-2 induces grokking after every offset": seeds_grok(
        panel="lhs"
    ),
    "Fig. 3 RHS: re-warming to a peak of 1e-3 induces grokking after no offset": seeds_grok(
        every=False, panel="rhs"
    ),
}
