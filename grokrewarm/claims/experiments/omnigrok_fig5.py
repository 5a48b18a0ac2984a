"""Liu et al. 2023, Omnigrok Fig. 5: QM9 graph network (large
init, Sec. 4: "if initialization is 3 times larger than standard")."""

from grokrewarm.claims.kinds import (
    both_u_shaped,
    generalizes_fast,
    groks_late,
    l_shaped_train,
    landscape,
    u_shaped_test,
)

CLAIMS = {
    # Sec. 4: "there is a sharp drop in test loss around 10^4 steps if initialization is 3 times
    # larger than standard"
    "Omnigrok Fig. 5d: at init scale 3 without weight decay the "
    "graph net groks: the test loss drops below the threshold "
    "at least 10x as late as the train loss": groks_late(panel="dynamics", init_scale=3.0),
    # Sec. 4: "while standard initialization does not lead to grokking"
    "Omnigrok Fig. 5d: at the standard init the graph net "
    "does not grok: the test loss drops below the threshold "
    "within 10x as late as the train loss": generalizes_fast(panel="dynamics", init_scale=1.0),
    # Sec. 4: "When data size is small, training and test losses mismatch somewhere in the region
    # alpha = w/w0 > 1, making grokking possible"
    "Omnigrok Fig. 5c: with the smallest training set the reduced "
    'train loss is "L" shaped: high at the smallest alpha, below '
    "half the test loss's minimum from alpha = 1 up": landscape(l_shaped_train, "loss"),
    # Sec. 4: the small-data mismatch "in the region alpha > 1" of an "L" train loss against a
    # "U" test loss
    "Omnigrok Fig. 5c: with the smallest training set the reduced "
    'test loss is "U" shaped: both ends at least 2x its minimum': landscape(u_shaped_test, "loss"),
    # Sec. 4: "when data size is large, training and test losses have similar 'U' shapes, hence
    # grokking is impossible via the 'LU mechanism'"
    "Omnigrok Fig. 5c: with the largest training set the "
    'reduced train and test losses are both "U" shaped: '
    "both ends of each at least 2x its minimum": landscape(both_u_shaped, "loss", which="largest"),
}
