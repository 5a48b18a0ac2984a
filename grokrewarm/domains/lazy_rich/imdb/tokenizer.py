"""Review text to token ids: words, the vocabulary, front-padded id rows."""

from __future__ import annotations

import re
from collections import Counter

import torch
from torch import Tensor

TOKENIZER_VERSION = 1  # bump when tokenize() changes, so old caches are not reused
PAD = 0
BREAK_PATTERN = re.compile(r"<br\s*/?>", flags=re.IGNORECASE)
WORD_PATTERN = re.compile(r"[a-z0-9]+(?:'[a-z0-9]+)*")


def tokenize(text: str) -> list[str]:
    """Lowercase words of a review: ``<br />`` becomes a space, then ``WORD_PATTERN``'s matches
    (punctuation and markup are dropped, inner apostrophes kept)."""
    return WORD_PATTERN.findall(BREAK_PATTERN.sub(" ", text.lower()))


def build_vocabulary(token_lists: list[list[str]], vocab_size: int) -> list[str]:
    """The ``vocab_size`` most frequent words, most frequent first, ties alphabetical."""
    counts = Counter(word for tokens in token_lists for word in tokens)
    return sorted(counts, key=lambda word: (-counts[word], word))[:vocab_size]


def encode(tokens: list[str], index: dict[str, int], max_length: int) -> Tensor:
    """The first ``max_length`` in-vocabulary token ids, padded with ``PAD`` in front."""
    ids = [index[word] for word in tokens if word in index][:max_length]
    out = torch.full((max_length,), PAD, dtype=torch.long)
    if ids:
        out[max_length - len(ids) :] = torch.tensor(ids, dtype=torch.long)
    return out
