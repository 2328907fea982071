"""AVNOBlock and AveragingNeuralOperator: the averaging term by hand, composition, errors."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from pina.label_tensor import LabelTensor
from pina.model.avno import AveragingNeuralOperator
from pina.model.feed_forward import FeedForward
from pina.model.kernel_neural_operator import KernelNeuralOperator
from pina.model.layers.avno_layer import AVNOBlock


@pytest.fixture(autouse=True)
def _seed() -> None:
    torch.manual_seed(0)


def test_block_averaging_term_is_the_mean_over_points() -> None:
    block = AVNOBlock(hidden_size=3, func=nn.Identity)
    with torch.no_grad():
        block._nn.weight.zero_()
        block._nn.bias.zero_()
    v = torch.randn(2, 8, 3)
    torch.testing.assert_close(block(v), v.mean(dim=1, keepdim=True).expand(-1, 8, -1))


def test_block_known_weights_closed_form() -> None:
    block = AVNOBlock(hidden_size=1, func=nn.Tanh)
    with torch.no_grad():
        block._nn.weight.fill_(2.0)
        block._nn.bias.fill_(-1.0)
    v = torch.tensor([[1.0], [2.0], [6.0]])  # mean 3
    expected = torch.tensor(
        [[math.tanh(2 - 1 + 3)], [math.tanh(4 - 1 + 3)], [math.tanh(12 - 1 + 3)]]
    )
    torch.testing.assert_close(block(v), expected)


def test_block_matches_formula_and_batches_are_independent() -> None:
    block = AVNOBlock(hidden_size=4)
    v = torch.randn(3, 5, 4)
    expected = nn.functional.gelu(v @ block._nn.weight.T + block._nn.bias + v.mean(1, keepdim=True))
    out = block(v)
    torch.testing.assert_close(out, expected)
    changed = v.clone()
    changed[0, 0] += 1.0
    new = block(changed)
    assert (new[0, 1:] - out[0, 1:]).abs().max() > 1e-4  # non-local within a field
    torch.testing.assert_close(new[1:], out[1:])  # other fields unaffected


def test_block_defaults_layout_and_gradients() -> None:
    block = AVNOBlock()
    assert block._nn.in_features == 100 and isinstance(block._func, nn.GELU)
    assert list(block.state_dict()) == ["_nn.weight", "_nn.bias"]
    block(torch.randn(2, 6, 100)).square().sum().backward()
    for name, param in block.named_parameters():
        assert param.grad is not None and param.grad.abs().sum() > 0, name


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"hidden_size": 0}, ValueError, r"hidden_size=0 must be an int >= 1"),
        ({"hidden_size": 2.0}, TypeError, r"hidden_size must be an int"),
        ({"func": torch.tanh}, TypeError, r"func must be a torch.nn.Module instance .* or a"),
    ],
)
def test_block_constructor_errors(kwargs: dict, error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        AVNOBlock(**kwargs)


@pytest.mark.parametrize("shape", [(4,), (2, 5, 3)])
def test_block_shape_errors(shape: tuple) -> None:
    with pytest.raises(ValueError, match=r"x must have shape \(\*, n_points, hidden_size=4\)"):
        AVNOBlock(4)(torch.randn(*shape))


# ----------------------------------------------------------------------------- operator
def make_operator(**kwargs: object) -> AveragingNeuralOperator:
    args: dict = {
        "lifting_net": FeedForward(3, 6),
        "projecting_net": FeedForward(8, 2),
        "field_indices": ["u"],
        "coordinates_indices": ["x", "y"],
        "n_layers": 3,
        **kwargs,
    }
    return AveragingNeuralOperator(**args)


def test_operator_is_lifting_then_averaging_layers_then_projection() -> None:
    model = make_operator()
    assert isinstance(model, KernelNeuralOperator)
    data = torch.randn(2, 9, 3)  # columns x, y, u
    coords, field = data[..., :2], data[..., 2:]
    h = model.lifting_operator(torch.cat([field, coords], dim=-1))
    for block in model.integral_kernels:
        h = nn.functional.gelu(h @ block._nn.weight.T + block._nn.bias + h.mean(1, keepdim=True))
    expected = model.projection_operator(torch.cat([h, coords], dim=-1))
    out = model(LabelTensor(data, ["x", "y", "u"]))
    assert type(out) is torch.Tensor and out.shape == (2, 9, 2)
    torch.testing.assert_close(out, expected)
    shuffled = LabelTensor(data[..., [1, 2, 0]], ["y", "u", "x"])
    torch.testing.assert_close(model(shuffled), expected)
    torch.testing.assert_close(model(LabelTensor(data[0], ["x", "y", "u"])), expected[0])


def test_operator_structure_state_and_gradients() -> None:
    act = nn.Softplus(beta=3.0)
    model = make_operator(n_layers=2, func=act)
    blocks = list(model.integral_kernels)
    assert len(blocks) == 2 and all(isinstance(b, AVNOBlock) for b in blocks)
    assert all(b._nn.in_features == 6 for b in blocks)
    assert blocks[0]._func is not blocks[1]._func and blocks[0]._func is not act
    assert isinstance(blocks[0]._func, nn.Softplus) and blocks[0]._func.beta == 3.0
    assert model.field_indices == ["u"] and model.coordinates_indices == ["x", "y"]
    assert {
        "_lifting_operator.model.0.weight",
        "_integral_kernels.1._nn.bias",
        "_projection_operator.model.4.weight",
    } <= set(model.state_dict())
    model(LabelTensor(torch.randn(2, 5, 3), ["x", "y", "u"])).square().sum().backward()
    for name, param in model.named_parameters():
        assert param.grad is not None and param.grad.abs().sum() > 0, name


def test_operator_with_sequential_nets_and_one_label_strings() -> None:
    lifting = nn.Sequential(nn.Linear(2, 4), nn.Tanh())
    projecting = nn.Sequential(nn.Linear(5, 1))
    model = make_operator(
        lifting_net=lifting, projecting_net=projecting, field_indices="u", coordinates_indices="x"
    )
    assert model.coordinates_indices == ["x"]
    assert model(LabelTensor(torch.randn(3, 7, 2), ["x", "u"])).shape == (3, 7, 1)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (
            {"lifting_net": FeedForward(2, 6)},
            ValueError,
            r"lifting_net takes inputs of width 2 but .* = 1 \+ 2 = 3",
        ),
        (
            {"projecting_net": nn.Linear(6, 1)},
            ValueError,
            r"projecting_net takes inputs of width 6 but .* 6 \(the output width of lifting_net\)",
        ),
        ({"coordinates_indices": ["x", "u"]}, ValueError, r"labels \['u'\] are in both"),
        ({"field_indices": ["u", "u"]}, ValueError, r"field_indices=\['u', 'u'\] has repeated"),
        ({"n_layers": 0}, ValueError, r"n_layers=0 must be an int >= 1"),
        ({"func": torch.relu}, TypeError, r"func must be a torch.nn.Module subclass"),
        ({"projecting_net": None}, TypeError, r"projecting_net must be a torch.nn.Module"),
    ],
)
def test_operator_constructor_errors(kwargs: dict, error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        make_operator(**kwargs)


def test_operator_input_errors() -> None:
    model = make_operator()
    with pytest.raises(TypeError, match=r"labelled with the fields \['u'\] and the coordinates"):
        model(torch.randn(2, 4, 3))
    with pytest.raises(ValueError, match=r"no column\(s\) \['u'\]"):
        model(LabelTensor(torch.randn(2, 4, 3), ["x", "y", "v"]))
