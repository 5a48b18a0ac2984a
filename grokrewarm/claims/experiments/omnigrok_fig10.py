"""Liu et al. 2023, Omnigrok Fig. 10: the time to generalize
against weight decay."""

import math

from grokrewarm.claims.kinds import slope_in_band

# App. C, Fig. 10: "t ~ 1/gamma", a log-log slope of -1; a band of +-0.3 around it allows for the
# coarse resolution of a step-to-threshold read every `metrics_every` steps
SLOPE_BAND = (-1.3, -0.7)
MIN_POINTS = 3  # a slope through two points always "fits"
# The weight decays the law is claimed over. Transformer: "t ~ 1/gamma holds across roughly two
# orders of magnitude" (every swept decay). MNIST: "for gamma roughly between 0.1 and 1.0 the
# relation holds. Very high values of weight decay seem to mess with optimization".
ALL_WEIGHT_DECAYS = (0.0, math.inf)
MNIST_WEIGHT_DECAYS = (0.1, 1.0)


def inverse_weight_decay(weight_decays: tuple, panel: str):
    return slope_in_band(
        "weight_decay", "time_to_generalize", SLOPE_BAND, weight_decays, MIN_POINTS, panel=panel
    )


CLAIMS = {
    "Omnigrok Fig. 10a: the transformer's time to generalize "
    "scales as 1/weight decay": inverse_weight_decay(ALL_WEIGHT_DECAYS, panel="transformer"),
    "Omnigrok Fig. 10b: the MNIST MLP's time to generalize scales as 1/weight decay "
    "for weight decays between 0.1 and 1": inverse_weight_decay(MNIST_WEIGHT_DECAYS, panel="mnist"),
}
