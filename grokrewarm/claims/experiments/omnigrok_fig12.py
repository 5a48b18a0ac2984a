"""Liu et al. 2023, Omnigrok Fig. 12: MNIST-1k with cross-entropy
at init scale 100 (App. E: "MNIST trained with cross entropy loss with alpha = 100")."""

from grokrewarm.claims.kinds import generalizes_fast, groks_late

CLAIMS = {
    # App. E: "test accuracy rises to 30-40% early in training, then plateaus for an extended
    # period, before increasing to ~75% while train accuracy remains at 100%"
    "Omnigrok Fig. 12: with cross-entropy at init scale 100 the MLP "
    "shows delayed generalization: test accuracy reaches the threshold "
    "at least 10x as late as train accuracy": groks_late(panel="dynamics", init_scale=100.0),
    # App. E: "to induce grokking with CE, we need to increase the weight norm to a larger value
    # (say alpha = 100)"; Sec. 4: the standard init (point A) has "low training and test errors,
    # hence no grokking"
    "Omnigrok Fig. 12 against Fig. 3: with cross-entropy at the standard init (scale "
    "1) the MLP generalizes without grokking: test accuracy reaches the threshold "
    "within 10x as late as train accuracy": generalizes_fast(panel="dynamics", init_scale=1.0),
}
