"""Kumar et al. 2024 Fig. 4: the loss decomposition of a
grokking run."""

from grokrewarm.claims.kinds import groks, rises

CLAIMS = {
    # Fig. 4: "Learning curves for a 2 layer multi-layer perceptron that groks on our polynomial
    # regression task (no weight decay, vanilla GD)"
    "Kumar Fig. 4 (left): the decomposed run groks: the test loss "
    "falls below 0.1 after the train loss does (time to grok > 0)": groks(panel="main"),
    # Fig. 4: the test loss falls as the network begins "to align with the task features around
    # 1-2k epochs"; the misalignment term is "closely related and strongly correlated to its
    # general counterpart, the CKA" (Section 5.3)
    "Kumar Fig. 4 (right): the network aligns with the task features late in "
    "training: the NTK alignment (the general counterpart of Eq. 6's misalignment "
    "term) ends above its initial value in every run": rises("ntk_alignment", panel="main"),
}
