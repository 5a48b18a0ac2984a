"""Kumar et al. 2024 Fig. 9: the Goldilocks training-set
size."""

from grokrewarm.claims.kinds import groks, never_generalizes, vanishes

CLAIMS = {
    # Fig. 9: "failure to generalize (a) comes from power in linear modes"; App. 8.3.2: "too
    # little (a, d)"
    "Kumar Fig. 9a: with P = 50 the network fails to "
    "generalize: the test loss never falls below 0.1 in any run": never_generalizes(panel="P050"),
    # Fig. 9: "grokking comes from a rise then fall in power in linear modes (b)"; App. 8.3.2:
    # "just right (b, e)"
    "Kumar Fig. 9b: with P = 120 the network groks: the test loss "
    "falls below 0.1 after the train loss does (time to grok > 0)": groks(panel="P120"),
    # Fig. 9: "full generalization comes from low power in linear modes throughout"; App. 8.3.2:
    # "too much (c, f)", "As we take data larger, the two match"
    "Kumar Fig. 9c: with P = 500 the network generalizes without "
    "grokking: a time to grok under a quarter of the P = 120 run's": vanishes(
        "P=120", found={"panel": "P500"}, reference={"panel": "P120"}
    ),
}
