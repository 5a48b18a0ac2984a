import math

import pytest
import torch
import torch.nn.functional as F

from grokrewarm.domains.grokking.transformer import GrokTransformer


def _model(norm="layernorm"):
    torch.manual_seed(0)
    return GrokTransformer(vocab_size=20, num_classes=17, norm=norm)


def _full_attention_reference(model, tokens):
    """All positions' queries with a causal mask, then the answer position: what a standard
    decoder block computes. The model only computes the last query; both must agree."""
    b, n = tokens.shape
    h, d = model.num_heads, model.head_dim
    stream = model.token_embedding(tokens) + model.position_embedding(torch.arange(n))
    x = model.attention_norm(stream)
    q = model.query(x).view(b, n, h, d).transpose(1, 2)
    k = model.key(x).view(b, n, h, d).transpose(1, 2)
    v = model.value(x).view(b, n, h, d).transpose(1, 2)
    scores = q @ k.transpose(-1, -2) / math.sqrt(d)
    scores = scores.masked_fill(torch.ones(n, n, dtype=torch.bool).triu(1), float("-inf"))
    mixed = (scores.softmax(-1) @ v).transpose(1, 2).reshape(b, n, h * d)
    residual = stream + model.attention_out(mixed)
    residual = residual + model.mlp_out(F.relu(model.mlp_in(model.mlp_norm(residual))))
    return model.decoder(model.output_norm(residual))[:, -1]


@pytest.mark.parametrize("norm", ["rmsnorm", "layernorm", "none"])
def test_last_query_only_is_exact(norm):
    model = _model(norm)
    tokens = torch.randint(0, 20, (9, 5))
    assert torch.allclose(model(tokens), _full_attention_reference(model, tokens), atol=1e-5)


def test_shapes_no_biases_and_hidden_activations():
    model = _model()
    assert not [n for n, _ in model.named_parameters() if n.endswith("bias")]
    acts = model.hidden_activations(torch.randint(0, 20, (4, 5)))
    assert {k: tuple(v.shape) for k, v in acts.items()} == {
        "attention": (4, 128),
        "mlp": (4, 512),
        "residual": (4, 128),
    }
    assert model.relu_layers == ("mlp",)
    assert model(torch.randint(0, 20, (4, 5))).shape == (4, 17)


def test_norm_choice_and_validation():
    assert isinstance(_model("rmsnorm").mlp_norm, torch.nn.RMSNorm)
    assert _model("layernorm").mlp_norm.bias is None
    assert not list(_model("none").mlp_norm.parameters())
    with pytest.raises(ValueError, match="unknown norm"):
        GrokTransformer(10, 7, norm="batchnorm")
