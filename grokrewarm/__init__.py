"""grokrewarm: ELR re-warming, Normalize-and-Project and feature-learning metrics.

Import-light on purpose: the Slurm launcher pickles modules of this package.
"""

import os

# OpenMP threads that spin while they wait starve every other process on the cores (a twin job
# runs tens of times slower); read once, when torch loads OpenMP, so set before any torch import.
# Every entry point and launched job imports this package first; a value the user set wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

__version__ = "0.1.0"
