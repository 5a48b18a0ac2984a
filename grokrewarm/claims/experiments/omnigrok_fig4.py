"""Liu et al. 2023, Omnigrok Fig. 4: IMDb LSTM."""

from grokrewarm.claims.kinds import (
    both_u_shaped,
    generalizes_fast,
    groks_late,
    l_shaped_train,
    landscape,
    u_shaped_test,
)

CLAIMS = {
    # Sec. 4: "overfitting is complete within 10^2 steps, but generalization does not start until
    # around 10^3 steps"
    "Omnigrok Fig. 4d: at init scale 6 with weight decay 1 the "
    "LSTM (1k reviews) groks, weakly: test accuracy reaches "
    "the threshold at least 10x as late as train accuracy": groks_late(panel="large_init"),
    # Sec. 4: "if we use the standard initialization (alpha = 1) with no weight decay,
    # generalization happens early on during training"
    "Omnigrok Fig. 4d: at the standard init without weight "
    "decay the LSTM generalizes early: test accuracy reaches "
    "the threshold within 10x as late as train accuracy": generalizes_fast(panel="standard_init"),
    # Sec. 4: "For small data size, say 1k, however, the mismatch between training and test
    # errors makes it possible to create grokking via large initializations"
    "Omnigrok Fig. 4a: with the smallest training set (1k reviews) "
    'the reduced train error is "L" shaped: high at the smallest '
    "alpha, below half the test error's minimum from alpha = 1": landscape(l_shaped_train, "error"),
    # Sec. 4: the 1k mismatch of an "L" train error against a "U" test error (Fig. 4a-b)
    "Omnigrok Fig. 4b: with the smallest training set (1k reviews) the reduced test "
    'error is "U" shaped: both ends at least 2x its minimum': landscape(u_shaped_test, "error"),
    # Sec. 4: "For large data size say the full dataset, training and test errors have similar
    # 'U' shapes, so one cannot create grokking via the 'LU' mechanism"
    "Omnigrok Fig. 4a-b: with the largest training set the "
    'reduced train and test errors are both "U" shaped: '
    "both ends of each at least 2x its minimum": landscape(both_u_shaped, "error", which="largest"),
}
