"""Warm-starting image classification (Lyle et al. 2025, Section 5, A.2, B.2, B.5)."""
