"""Kumar et al. 2024 Fig. 2: modular addition with a
GD-trained MLP."""

from grokrewarm.claims.kinds import groks, monotone, rises

CLAIMS = {
    # Section 3: "a two-layer MLP trained without any weight decay"; App. 8.3 "Crucially, we do
    # not use any weight decay, and merely use vanilla gradient descent"; 95%: the figure's level
    "Kumar Fig. 2a-b: the modular-addition MLP at alpha = 1 "
    "groks without weight decay: test accuracy reaches 95% after "
    "train accuracy does (time to grok > 0)": groks(True, panel="main", alpha=1.0),
    # Section 3: "Weight norm of parameters increases during training (Figure 2(a)), so grokking
    # cannot in general be explained by theories of weight decay"
    "Kumar Fig. 2a: the weight norm of the modular-addition "
    "MLP at alpha = 1 increases during training: it ends "
    "above its initial value in every run": rises("norm", panel="main", alpha=1.0),
    # Section 3: alpha "can make grokking more dramatic, or vanish entirely"; Fig. 2c caption: it
    # "can continuously control grokking" (larger alpha = lazier, Section 5.1)
    "Kumar Fig. 2c: larger alpha (lazier) delays generalization: the time "
    "to grok (never generalized = infinite) increases with alpha": monotone("alpha", panel="main"),
}
