"""Liu et al. 2023, Omnigrok Fig. 3: MNIST-1k, MSE (large init:
the authors' code scales all parameters x8 at init)."""

from grokrewarm.claims.kinds import (
    generalizes_fast,
    groks_late,
    l_shaped_train,
    landscape,
    more_data_narrows,
    u_shaped_test,
)

CLAIMS = {
    # Sec. 4: "the network quickly fits the training set, and test accuracy improves much later"
    "Omnigrok Fig. 3d: at init scale 8 the MLP groks: test accuracy reaches the threshold "
    "at least 10x as late as train accuracy": groks_late(panel="dynamics", init_scale=8.0),
    # Sec. 4: "Point A in Figure 3 corresponds to the standard initialization (alpha = 1), which
    # has low training and test errors, hence no grokking"
    "Omnigrok Fig. 3: at the standard init (scale 1) the MLP "
    "generalizes without grokking: test accuracy reaches the threshold "
    "within 10x as late as train accuracy": generalizes_fast(panel="dynamics", init_scale=1.0),
    # Fig. 3 caption: "(c) 'LU' holds truer for smaller data"; Sec. 4: "When increasing the
    # weight norm from A to B, training error is seen to remain low while test error rises"
    "Omnigrok Fig. 3a,c: at the smallest training set the reduced train error is "
    '"L" shaped: high at the smallest alpha (2x its value from alpha = 1 up), '
    "below half the test error's minimum from alpha = 1 up": landscape(l_shaped_train, "error"),
    # Sec. 4: from A (alpha = 1) to B (larger norm) "test error rises"; Fig. 3c: "'LU' holds
    # truer for smaller data"
    "Omnigrok Fig. 3b,c: at the smallest training set the reduced test "
    'error is "U" shaped: both ends at least 2x its minimum': landscape(u_shaped_test, "error"),
    # Sec. 4: "C is seen to have larger training size than B and lower test error. Larger data
    # size N makes the Goldilocks zone broader, reducing or eliminating grokking"
    "Omnigrok Fig. 3a-c: more data de-groks: at the largest alpha the reduced test - train error "
    "gap is smaller at the largest training set than at the smallest": more_data_narrows("error"),
}
