"""Kumar et al. 2024 Fig. 6: MNIST and the one-layer
transformer (AdamW)."""

from grokrewarm.claims.kinds import monotone, vanishes

CLAIMS = {
    # Section 6: "Note how changing alpha can continuously make grokking vanish, or more drastic"
    "Kumar Fig. 6b: on the one-layer transformer larger alpha makes "
    "grokking more drastic: the time to grok (test accuracy 95% "
    "after train; never = infinite) increases with alpha": monotone("alpha", panel="transformer"),
    # Fig. 6b: "Note how grokking has vanished for alpha = 0.15, so it can barely be seen amidst the
    # train curves"
    "Kumar Fig. 6b: at alpha = 0.15 the transformer's grokking "
    "vanishes: a time to grok under a quarter of the alpha = 1 run's": vanishes(
        "alpha=1", found={"alpha": 0.15}, reference={"alpha": 1.0}, panel="transformer"
    ),
    # Section 6: "we make this grokking vanish continuously by tuning alpha without changing
    # parameter weight norm"; the 80% level is the figure's (MNIST-1k tops out near 90%)
    "Kumar Fig. 6a: on MNIST-1k (init x8) larger alpha "
    "delays generalization: the time to grok (test accuracy "
    "80% after train; never = infinite) increases with alpha": monotone("alpha", panel="mnist"),
    # Fig. 6a: "including making it vanish by encouraging fast feature learning at alpha = 0.0001"
    "Kumar Fig. 6a: at alpha = 1e-4 the MNIST grokking vanishes: "
    "a time to grok under a quarter of the alpha = 1 run's": vanishes(
        "alpha=1", found={"alpha": 1e-4}, reference={"alpha": 1.0}, panel="mnist"
    ),
}
