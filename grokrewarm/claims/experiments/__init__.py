"""The claims of each experiment, one module per ``conf/experiment/<name>.yaml``."""
