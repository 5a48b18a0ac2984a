"""Claims of kumar figures: see grokrewarm.claims.core."""

CLAIMS: dict = {}
