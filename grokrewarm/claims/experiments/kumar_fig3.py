"""Kumar et al. 2024 Fig. 3: alpha and eps on the
polynomial task."""

from grokrewarm.claims.kinds import monotone

CLAIMS = {
    # Section 5.1: "increasing alpha on the polynomial regression task continuously induces a
    # longer delay between train loss decrease and test loss decrease"; Fig. 3e: "lazy, misaligned
    # networks grok the most intensely"
    "Kumar Fig. 3a/e: at fixed eps, larger alpha delays "
    "the fall of the test loss after the train loss: the "
    "time to grok (never = infinite) increases with alpha": monotone("alpha", panel="alpha"),
    # Section 5.1: "the alpha -> infinity limit gives poor final performance since it corresponds
    # to regression with the initial (misaligned) NTK"; Fig. 7a: "small alpha networks ... also
    # achieve good test loss". (Fig. 3's caption says "The final test loss decreases with alpha
    # as we allow the network to learn more features", i.e. as alpha is lowered.)
    "Kumar Fig. 3a: lazier networks end worse: the final test loss increases with alpha": monotone(
        "alpha", "final_test/loss", panel="alpha"
    ),
    # Fig. 3a caption: "At large alpha, the model approaches a linearized model"; App. 8.2,
    # Fig. 7d-f: the relative parameter change is controlled by sigma^2 alpha (the laziness)
    "Kumar Fig. 3a: larger alpha trains lazier (closer to the linearized model): "
    "the final relative parameter change |w - w0| / |w0| decreases with alpha": monotone(
        "alpha", "relative_param_change_end", increasing=False, panel="alpha"
    ),
    # Section 5.2: "small eps networks have a longer time delay between training loss reduction
    # and test loss reduction and ... large eps networks have a nearly immediate reduction in test
    # loss"
    "Kumar Fig. 3b/e: at alpha = 1, smaller eps (worse "
    "initial alignment) delays generalization: the time "
    "to grok (never = infinite) decreases with eps": monotone("eps", increasing=False, panel="eps"),
    # Section 5.2: "worse initial alignment caused by smaller eps leads to lower final test loss as
    # it forces the network to learn features"
    "Kumar Fig. 3b: worse initial alignment ends better: "
    "the final test loss increases with eps": monotone("eps", "final_test/loss", panel="eps"),
    # Section 5: "eps controls the power the kernel places in quadratic functions (including the
    # target y(x)). This is what we mean by saying eps controls initial alignment"; the CKA and
    # eps are "strongly correlated" (App. 11)
    "Kumar Fig. 3b: eps is the initial kernel-task alignment: the NTK alignment "
    "at initialization increases with eps": monotone("eps", "ntk_alignment_start", panel="eps"),
}
