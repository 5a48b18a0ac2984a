"""The one-block transformer of Lyle et al. 2025 (Table 1, Appendix A.1).

Token embedding plus learned absolute position embedding (length 5), one multi-head attention
block (4 heads, q/k/v dimension 32), a two-layer ReLU MLP (hidden 512), and a linear decoder; no
biases and no dropout anywhere.

Choices where the paper is ambiguous (documented in ``conf/model/transformer.yaml`` too):
- Table 1's "num layers 2" is read as the two linear layers of the MLP; the text says "a single
  attention block", which is what is built.
- Normalization placement reconciles A.1 ("attention inputs and outputs, and the MLP outputs")
  with Table 1 ("before attention, before MLP, after MLP"): one norm on the attention input, one
  on the residual stream after attention (the MLP input), and one after the MLP, before the
  decoder. ``norm`` is ``rmsnorm`` (the paper's default), ``layernorm`` or ``none``; norms have
  gains but no biases.
- ``d_model = 128`` = 4 heads x 32, as in Nanda et al. (2023).

Only the answer position is decoded, so only its query is computed: with a single block this is
exact and saves 4/5 of the attention queries and of the MLP.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

NORMS = ("rmsnorm", "layernorm", "none")
INITS = ("pytorch", "lecun", "nanda")


def make_norm(kind: str, dim: int) -> nn.Module:
    if kind == "rmsnorm":
        return nn.RMSNorm(dim)
    if kind == "layernorm":
        return nn.LayerNorm(dim, bias=False)
    if kind == "none":
        return nn.Identity()
    raise ValueError(f"unknown norm {kind!r}; choose one of {NORMS}")


# std of a standard normal truncated to [-2, 2]: dividing by it restores the variance
TRUNCATED_NORMAL_STD = 0.87962566103423978


def _truncated_lecun_normal_(weight: Tensor) -> None:
    std = weight.shape[1] ** -0.5 / TRUNCATED_NORMAL_STD
    nn.init.trunc_normal_(weight, std=std, a=-2 * std, b=2 * std)


class GrokTransformer(nn.Module):
    # Inputs of ReLUs among ``hidden_activations``; the others are linear features.
    relu_layers = ("mlp",)
    attention_layer = "attention"

    def __init__(
        self,
        vocab_size: int,
        num_classes: int,
        sequence_length: int = 5,
        d_model: int = 128,
        num_heads: int = 4,
        head_dim: int = 32,
        d_mlp: int = 512,
        norm: str = "rmsnorm",
        init: str = "pytorch",
    ) -> None:
        super().__init__()
        if norm not in NORMS:
            raise ValueError(f"unknown norm {norm!r}; choose one of {NORMS}")
        if init not in INITS:
            raise ValueError(f"unknown init {init!r}; choose one of {INITS}")
        self.num_heads, self.head_dim = num_heads, head_dim
        inner = num_heads * head_dim
        self.token_embedding = nn.Embedding(vocab_size, d_model)
        self.position_embedding = nn.Embedding(sequence_length, d_model)
        self.attention_norm = make_norm(norm, d_model)
        self.query = nn.Linear(d_model, inner, bias=False)
        self.key = nn.Linear(d_model, inner, bias=False)
        self.value = nn.Linear(d_model, inner, bias=False)
        self.attention_out = nn.Linear(inner, d_model, bias=False)
        self.mlp_norm = make_norm(norm, d_model)
        self.mlp_in = nn.Linear(d_model, d_mlp, bias=False)
        self.mlp_out = nn.Linear(d_mlp, d_model, bias=False)
        self.output_norm = make_norm(norm, d_model)
        self.decoder = nn.Linear(d_model, num_classes, bias=False)
        # Embeddings at the scale of a fan-in-initialized linear map of a one-hot input, instead
        # of N(0, 1) per entry, so that without normalization the residual stream starts O(1).
        for embedding in (self.token_embedding, self.position_embedding):
            nn.init.normal_(embedding.weight, std=d_model**-0.5)
        if init == "lecun":
            self._lecun_init()
        elif init == "nanda":
            self._nanda_init(d_model, num_classes)

    def _lecun_init(self) -> None:
        """JAX's default for dense layers (``jax.nn.initializers.lecun_normal``, Flax's): a normal
        truncated at two standard deviations, rescaled so each matrix has variance 1/fan_in
        (Haiku's ``Linear`` draws the same normal without the rescaling, 0.88x the std).
        PyTorch's default is uniform with variance 1/(3 fan_in), so the query and key matrices
        are sqrt(3)x larger here and the attention logits 3x: on LayerNorm's rescaled inputs the
        attention starts sharper, the regime Lyle et al. describe for Fig. 2 RHS."""
        for module in self.modules():
            if isinstance(module, nn.Linear):
                _truncated_lecun_normal_(module.weight)

    def _nanda_init(self, d_model: int, num_classes: int) -> None:
        """Nanda et al. (2023)'s initialization (their code, which Omnigrok Fig. 7 uses): every
        matrix N(0, 1/d_model), the MLP's output included, and the unembedding N(0, 1/d_vocab)
        (here the answer classes). PyTorch's default linear init is uniform with std
        1/sqrt(3 fan_in), so this one has about 1.8x the total weight norm (p = 113): Omnigrok's
        "alpha = 0.8 of the initial norm" means a larger sphere under it."""
        for linear in (self.query, self.key, self.value, self.attention_out, self.mlp_in):
            nn.init.normal_(linear.weight, std=d_model**-0.5)
        nn.init.normal_(self.mlp_out.weight, std=d_model**-0.5)  # not 1/sqrt(d_mlp): as theirs
        nn.init.normal_(self.decoder.weight, std=num_classes**-0.5)

    def _blocks(self, tokens: Tensor) -> dict[str, Tensor]:
        batch, length = tokens.shape
        positions = torch.arange(length, device=tokens.device)
        stream = self.token_embedding(tokens) + self.position_embedding(positions)
        attn_in = self.attention_norm(stream)
        heads = (batch, length, self.num_heads, self.head_dim)
        query = self.query(attn_in[:, -1:]).view(batch, 1, self.num_heads, self.head_dim)
        key = self.key(attn_in).view(heads)
        value = self.value(attn_in).view(heads)
        mixed = F.scaled_dot_product_attention(
            query.transpose(1, 2), key.transpose(1, 2), value.transpose(1, 2)
        )
        attention = self.attention_out(mixed.transpose(1, 2).reshape(batch, -1))
        residual = stream[:, -1] + attention
        mlp_pre = self.mlp_in(self.mlp_norm(residual))
        residual = residual + self.mlp_out(F.relu(mlp_pre))
        return {"attention": attention, "mlp": mlp_pre, "residual": residual}

    def forward(self, tokens: Tensor) -> Tensor:
        """Logits over the ``num_classes`` answers at the final (blank) position."""
        return self.decoder(self.output_norm(self._blocks(tokens)["residual"]))

    def hidden_activations(self, tokens: Tensor) -> dict[str, Tensor]:
        """Per-layer features at the answer position: the attention block's output, the MLP's
        ReLU inputs (``relu_layers``) and the residual stream fed to the decoder."""
        return self._blocks(tokens)
