"""Liu et al. 2023, Omnigrok: the teacher-student reduced
landscape over alpha and the training-set size."""

from grokrewarm.claims.kinds import l_shaped_train, landscape, more_data_narrows, u_shaped_test

CLAIMS = {
    # Sec. 3 (Fig. 2a): "l_train(alpha) decreases when alpha < 1 and remains flat near zero when
    # alpha >= 1"; Fig. 3c: "'LU' holds truer for smaller data"
    "Omnigrok reduced landscape (teacher-student): at the smallest training set the "
    'train loss is "L" shaped: high at the smallest alpha (2x its value from alpha = 1 '
    "up), below half the test loss's minimum from alpha = 1 up": landscape(l_shaped_train, "loss"),
    # Sec. 3 (Fig. 2a): "displaying a U-shape with a minimum at alpha ~ 1"
    "Omnigrok reduced landscape (teacher-student): at the smallest "
    'training set the test loss is "U" shaped: both ends at least 2x its '
    "minimum, which lies at alpha in [0.5, 2]": landscape(u_shaped_test, "loss", centre=(0.5, 2.0)),
    # Sec. 4 (Fig. 3): "Larger data size N makes the Goldilocks zone broader, reducing or
    # eliminating grokking even for large weight initializations"
    "Omnigrok reduced landscape (teacher-student): at the largest alpha the test - train loss "
    "gap is smaller at the largest training set than at the smallest": more_data_narrows("loss"),
}
