"""The claims of each experiment: one module per paper, one dict per experiment."""
