"""ResidualBlock and EnhancedLinear: formulas, spectral norm, dropout, layout and errors."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from pina.label_tensor import LabelTensor
from pina.model.layers.residual import EnhancedLinear, ResidualBlock


@pytest.fixture(autouse=True)
def _seed() -> None:
    torch.manual_seed(0)


def set_linear(layer: nn.Linear, weight: list[list[float]], bias: list[float]) -> None:
    with torch.no_grad():
        layer.weight.copy_(torch.tensor(weight))
        layer.bias.copy_(torch.tensor(bias))


# ----------------------------------------------------------------------------- ResidualBlock
def test_residual_block_known_weights_closed_form() -> None:
    block = ResidualBlock(input_dim=2, output_dim=1, hidden_dim=2)
    set_linear(block._l1, [[1.0, -1.0], [2.0, 0.0]], [0.0, -1.0])
    set_linear(block._l2, [[3.0, -1.0]], [0.5])
    set_linear(block._l3, [[1.0, 1.0]], [-2.0])
    x = torch.tensor([[1.0, 3.0], [2.0, 1.0]])
    # row 0: relu([-2, 1]) = [0, 1] -> 3*0 - 1 + 0.5 = -0.5; shortcut 1 + 3 - 2 = 2
    # row 1: relu([1, 3]) = [1, 3] -> 3 - 3 + 0.5 = 0.5; shortcut 2 + 1 - 2 = 1
    torch.testing.assert_close(block(x), torch.tensor([[1.5], [1.5]]))


@pytest.mark.parametrize("activation", [None, nn.Tanh, nn.Tanh()])
def test_residual_block_matches_formula_with_batch_dims(activation: object) -> None:
    block = ResidualBlock(3, 2, 5, activation=activation)
    sigma = torch.relu if activation is None else torch.tanh
    x = torch.randn(4, 6, 3)
    l1, l2, l3 = block._l1, block._l2, block._l3
    expected = sigma(x @ l1.weight.T + l1.bias) @ l2.weight.T + l2.bias + x @ l3.weight.T + l3.bias
    out = block(x)
    assert out.shape == (4, 6, 2)
    torch.testing.assert_close(out, expected)
    assert type(block(LabelTensor(x[0], ["a", "b", "c"]))) is torch.Tensor


def test_residual_block_default_activation_is_a_fresh_relu_per_block() -> None:
    first, second = ResidualBlock(2, 2, 2), ResidualBlock(2, 2, 2)
    assert isinstance(first._activation, nn.ReLU)
    assert first._activation is not second._activation


def test_residual_block_layout_and_gradients_reach_every_parameter() -> None:
    block = ResidualBlock(3, 2, 4)
    assert [(k, tuple(v.shape)) for k, v in block.state_dict().items()] == [
        ("_l1.weight", (4, 3)),
        ("_l1.bias", (4,)),
        ("_l2.weight", (2, 4)),
        ("_l2.bias", (2,)),
        ("_l3.weight", (2, 3)),
        ("_l3.bias", (2,)),
    ]
    block(torch.randn(5, 3)).square().sum().backward()
    for name, param in block.named_parameters():
        assert param.grad is not None and param.grad.abs().sum() > 0, name


def test_residual_block_spectral_norm_normalises_every_weight() -> None:
    block = ResidualBlock(4, 3, 6, spectral_norm=True)
    keys = set(block.state_dict())
    for layer in ("_l1", "_l2", "_l3"):
        assert {f"{layer}.weight_orig", f"{layer}.weight_u", f"{layer}.weight_v"} <= keys
    x = torch.randn(8, 4)
    for _ in range(30):  # one power iteration per training-mode forward
        block(x)
    for layer in (block._l1, block._l2, block._l3):
        sigma = torch.linalg.matrix_norm(layer.weight.detach(), ord=2)
        torch.testing.assert_close(sigma, torch.tensor(1.0), atol=1e-4, rtol=0)
    block(x).sum().backward()
    assert block._l1.weight_orig.grad is not None


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"input_dim": "3"}, TypeError, r"input_dim must be an int; got '3'"),
        ({"output_dim": 0}, ValueError, r"output_dim=0 must be an int >= 1"),
        ({"hidden_dim": 2.5}, TypeError, r"hidden_dim must be an int"),
        ({"spectral_norm": 1}, TypeError, r"spectral_norm must be True or False; got 1"),
        ({"activation": torch.relu}, TypeError, r"activation must be a torch.nn.Module"),
    ],
)
def test_residual_block_errors(kwargs: dict, error: type[Exception], match: str) -> None:
    args = {"input_dim": 3, "output_dim": 2, "hidden_dim": 4, **kwargs}
    with pytest.raises(error, match=match):
        ResidualBlock(**args)


# ----------------------------------------------------------------------------- EnhancedLinear
def test_enhanced_linear_applies_layer_then_activation() -> None:
    linear = nn.Linear(2, 2)
    set_linear(linear, [[1.0, 2.0], [0.0, -1.0]], [0.5, 0.0])
    layer = EnhancedLinear(linear, nn.Tanh())
    x = torch.tensor([[1.0, -1.0]])
    torch.testing.assert_close(layer(x), torch.tensor([[math.tanh(-0.5), math.tanh(1.0)]]))
    assert [type(m) for m in layer._model] == [nn.Linear, nn.Tanh]
    assert layer._model[0] is linear


def test_enhanced_linear_without_extras_is_the_layer() -> None:
    linear = nn.Linear(3, 2)
    layer = EnhancedLinear(linear)
    x = torch.randn(4, 3)
    torch.testing.assert_close(layer(x), linear(x))
    assert list(layer.state_dict()) == ["_model.0.weight", "_model.0.bias"]


def test_enhanced_linear_activation_class_is_instantiated() -> None:
    layer = EnhancedLinear(nn.Linear(3, 2), nn.ReLU)
    assert isinstance(layer._model[1], nn.ReLU)


def test_enhanced_linear_dropout_after_activation() -> None:
    linear = nn.Linear(10, 400)
    layer = EnhancedLinear(linear, nn.Softplus(), dropout=0.5)
    assert [type(m) for m in layer._model] == [nn.Linear, nn.Softplus, nn.Dropout]
    x = torch.randn(3, 10)
    dense = nn.functional.softplus(linear(x))
    layer.eval()
    torch.testing.assert_close(layer(x), dense)
    layer.train()
    out = layer(x)
    dropped = out == 0
    # Kept entries are scaled by 1 / (1 - p) = 2; about half are dropped.
    torch.testing.assert_close(out[~dropped], 2 * dense[~dropped])
    assert 0.4 < dropped.float().mean().item() < 0.6


def test_enhanced_linear_has_the_layout_of_the_feed_forward_dense_wrapper() -> None:
    from pina.model.feed_forward import _Dense

    layer = EnhancedLinear(nn.Linear(3, 2), nn.Tanh())
    dense = _Dense(nn.Linear(3, 2), nn.Tanh())
    dense.load_state_dict(layer.state_dict())
    x = torch.randn(4, 3)
    torch.testing.assert_close(dense(x), layer(x))


@pytest.mark.parametrize(
    "args, error, match",
    [
        ((torch.zeros(2),), TypeError, r"layer must be a torch.nn.Module"),
        ((nn.Linear(2, 2), torch.tanh), TypeError, r"activation must be a torch.nn.Module"),
        ((nn.Linear(2, 2), None, "0.5"), TypeError, r"dropout must be None or a probability"),
        (
            (nn.Linear(2, 2), None, 1.0),
            ValueError,
            r"dropout=1.0 must be a probability in \[0, 1\)",
        ),
        ((nn.Linear(2, 2), None, -0.1), ValueError, r"dropout=-0.1"),
    ],
)
def test_enhanced_linear_errors(args: tuple, error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        EnhancedLinear(*args)
