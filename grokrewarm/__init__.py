"""grokrewarm: ELR re-warming, Normalize-and-Project and feature-learning metrics.

Import-light on purpose: the Slurm launcher pickles modules of this package.
"""

__version__ = "0.1.0"
