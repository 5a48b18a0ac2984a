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


def _weight_norm(model):
    return torch.sqrt(sum((p**2).sum() for p in model.parameters())).item()


def test_nanda_init_has_their_per_matrix_scales_and_1_8_times_the_norm():
    torch.manual_seed(0)
    nanda = GrokTransformer(vocab_size=116, num_classes=113, norm="none", init="nanda")
    # std 1/sqrt(128) for every matrix, MLP output included; 1/sqrt(113) for the unembedding
    assert nanda.mlp_out.weight.std().item() == pytest.approx(128**-0.5, rel=0.02)
    assert nanda.query.weight.std().item() == pytest.approx(128**-0.5, rel=0.02)
    assert nanda.decoder.weight.std().item() == pytest.approx(113**-0.5, rel=0.03)
    # squared norm by hand: embeddings 116 + 5, q/k/v/out 4 x 128, MLP in and out 2 x 512,
    # unembedding 128 x 113 / 113 = 128: 1785
    assert _weight_norm(nanda) == pytest.approx(1785**0.5, rel=0.02)
    torch.manual_seed(0)
    default = GrokTransformer(vocab_size=116, num_classes=113, norm="none")
    # PyTorch's uniform init, variance 1 / (3 fan_in): 121 + (4 x 128 + 512 + 128 + 113) / 3
    assert _weight_norm(default) == pytest.approx((121 + 1265 / 3) ** 0.5, rel=0.02)


def test_unknown_init_is_refused():
    with pytest.raises(ValueError, match="unknown init 'xavier'"):
        GrokTransformer(vocab_size=20, num_classes=17, init="xavier")


def test_lecun_init_is_jax_default_variance_one_over_fan_in_truncated_at_two_sigma():
    torch.manual_seed(0)
    model = GrokTransformer(vocab_size=120, num_classes=117, norm="layernorm", init="lecun")
    for weight in (model.query.weight, model.mlp_in.weight, model.mlp_out.weight):
        fan_in = weight.shape[1]
        assert weight.std().item() == pytest.approx(fan_in**-0.5, rel=0.03)
        # the normal is cut at two of its standard deviations: 1/sqrt(fan_in) / 0.8796
        assert weight.abs().max().item() <= 2 * fan_in**-0.5 / 0.87962566 + 1e-6
    assert model.decoder.weight.std().item() == pytest.approx(128**-0.5, rel=0.03)
    # the query is sqrt(3)x PyTorch's default (uniform, variance 1 / (3 fan_in))
    torch.manual_seed(0)
    default = GrokTransformer(vocab_size=120, num_classes=117, norm="layernorm")
    ratio = model.query.weight.std() / default.query.weight.std()
    assert ratio.item() == pytest.approx(3**0.5, rel=0.05)
