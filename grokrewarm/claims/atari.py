"""Claims of atari figures: see grokrewarm.claims.core."""

CLAIMS: dict = {}
