"""Liu et al. 2023, Omnigrok Fig. 11: MNIST with cross-entropy,
reduced landscape."""

from grokrewarm.claims.kinds import l_shaped_train, landscape, more_data_narrows, u_shaped_test

CLAIMS = {
    # App. E: "(1) for small datasets, the reduced training error and test error resemble an 'L'
    # and 'U' against the weight norm, respectively"
    "Omnigrok Fig. 11: with cross-entropy, at the smallest training set "
    'the reduced train error is "L" shaped: high at the smallest alpha, '
    "below half the test error's minimum from alpha = 1 up": landscape(l_shaped_train, "error"),
    # App. E: "for small datasets, the reduced training error and test error resemble an 'L' and
    # 'U'"
    "Omnigrok Fig. 11: with cross-entropy, at the smallest training set the reduced test "
    'error is "U" shaped: both ends at least 2x its minimum': landscape(u_shaped_test, "error"),
    # App. E: "(2) for large datasets, the 'U' becomes more like 'L', i.e., the mismatch between
    # the reduced training and test error is small"
    "Omnigrok Fig. 11: with cross-entropy, at the largest alpha the reduced test - train error "
    "gap is smaller at the largest training set than at the smallest": more_data_narrows("error"),
}
