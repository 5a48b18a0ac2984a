"""Claims of omnigrok figures: see grokrewarm.claims.core."""

CLAIMS: dict = {}
