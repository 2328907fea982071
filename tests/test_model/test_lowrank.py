"""LowRankBlock and LowRankNeuralOperator: the kernel integral by hand, non-locality, errors."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from pina.label_tensor import LabelTensor
from pina.model.feed_forward import FeedForward
from pina.model.kernel_neural_operator import KernelNeuralOperator
from pina.model.layers.lowrank_layer import LowRankBlock
from pina.model.lno import LowRankNeuralOperator


@pytest.fixture(autouse=True)
def _seed() -> None:
    torch.manual_seed(0)


def hand_block(block: LowRankBlock, v: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """The layer written out with loops, for one field ``v`` (N, e) at points ``y`` (N, d)."""
    n_points, e = v.shape
    r = block.rank
    out_basis = block._basis(y)  # (N, 2 r e): entry d * 2r + c
    psi = [[out_basis[:, d * 2 * r + k] for d in range(e)] for k in range(r)]
    phi = [[out_basis[:, d * 2 * r + r + k] for d in range(e)] for k in range(r)]
    affine = v @ block._nn.weight.T + block._nn.bias
    expansion = torch.zeros_like(v)
    for k in range(r):
        c_k = sum((psi[k][d] * v[:, d]).sum() for d in range(e)) / n_points
        for d in range(e):
            expansion[:, d] += c_k * phi[k][d]
    return torch.tanh(affine + expansion)


def test_block_matches_the_kernel_integral_written_out() -> None:
    block = LowRankBlock(input_dimensions=2, embedding_dimenion=3, rank=2, inner_size=5)
    v, y = torch.randn(2, 7, 3, dtype=torch.float64), torch.rand(2, 7, 2, dtype=torch.float64)
    block.double()
    out = block(v, y)
    assert out.shape == (2, 7, 3)
    for b in range(2):
        torch.testing.assert_close(out[b], hand_block(block, v[b], y[b]))


def test_block_with_constant_basis_is_mean_times_constants() -> None:
    # psi = 2, phi = 3 at every point (basis network zeroed but for its last bias),
    # W = 0, b = 0 and no activation: K(v)(y_n) = 3 * 2 * mean_j v(y_j).
    block = LowRankBlock(1, 1, rank=1, func=nn.Identity)
    with torch.no_grad():
        for p in block.parameters():
            p.zero_()
        block._basis.layers[-1].bias.copy_(torch.tensor([2.0, 3.0]))
    v, y = torch.randn(3, 10, 1), torch.rand(3, 10, 1)
    expected = 6.0 * v.mean(dim=1, keepdim=True).expand(-1, 10, -1)
    torch.testing.assert_close(block(v, y), expected)


def test_block_is_non_local_and_batches_are_independent() -> None:
    block = LowRankBlock(2, 4, rank=3)
    v, y = torch.randn(2, 9, 4), torch.rand(2, 9, 2)
    out = block(v, y)
    changed = v.clone()
    changed[0, 0] += 1.0  # one point of the first field
    new = block(changed, y)
    assert (new[0, 1:] - out[0, 1:]).abs().max() > 1e-4  # other points see it
    torch.testing.assert_close(new[1], out[1])  # the other field does not


def test_block_shares_one_grid_across_a_batch() -> None:
    block = LowRankBlock(2, 3, rank=2)
    v, y = torch.randn(4, 6, 3), torch.rand(6, 2)
    torch.testing.assert_close(block(v, y), block(v, y.expand(4, 6, 2)))


def test_block_layout_and_gradients_reach_every_parameter() -> None:
    block = LowRankBlock(2, 3, rank=4, inner_size=8, n_layers=1)
    assert block.rank == 4
    assert block._basis.output_dimension == 2 * 4 * 3 and block._basis.input_dimension == 2
    assert {"_nn.weight", "_nn.bias", "_basis.model.0.weight"} <= set(block.state_dict())
    block(torch.randn(2, 5, 3), torch.rand(2, 5, 2)).square().sum().backward()
    for name, param in block.named_parameters():
        assert param.grad is not None and param.grad.abs().sum() > 0, name


def test_block_activation_instance_is_copied() -> None:
    act = nn.Softplus(beta=2.0)
    block = LowRankBlock(1, 2, rank=1, func=act)
    assert isinstance(block._func, nn.Softplus) and block._func is not act


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"rank": 0}, ValueError, r"rank=0 must be an int >= 1"),
        ({"rank": "2"}, TypeError, r"rank must be an int"),
        ({"embedding_dimenion": "3"}, TypeError, r"embedding_dimenion must be an int"),
        ({"input_dimensions": 0}, ValueError, r"input_dimensions=0"),
        ({"func": [nn.Tanh, nn.Tanh]}, TypeError, r"func must be a single activation"),
        ({"func": torch.tanh}, TypeError, r"func"),
    ],
)
def test_block_constructor_errors(kwargs: dict, error: type[Exception], match: str) -> None:
    args = {"input_dimensions": 2, "embedding_dimenion": 3, "rank": 2, **kwargs}
    with pytest.raises(error, match=match):
        LowRankBlock(**args)


@pytest.mark.parametrize(
    "v_shape, y_shape",
    [((5, 4), (5, 2)), ((5, 3), (5, 1)), ((5, 3), (6, 2)), ((3,), (3,))],
)
def test_block_shape_errors(v_shape: tuple, y_shape: tuple) -> None:
    block = LowRankBlock(2, 3, rank=2)
    with pytest.raises(ValueError, match=r"x must have shape \(\*, n_points, embedding_dimenion=3"):
        block(torch.randn(*v_shape), torch.rand(*y_shape))


# ----------------------------------------------------------------------------- operator
def make_operator(**kwargs: object) -> LowRankNeuralOperator:
    args: dict = {
        "lifting_net": FeedForward(3, 6),
        "projecting_net": FeedForward(8, 1),
        "field_indices": ["u"],
        "coordinates_indices": ["x", "y"],
        "n_kernel_layers": 2,
        "rank": 3,
        **kwargs,
    }
    return LowRankNeuralOperator(**args)


def test_operator_is_lifting_then_blocks_then_projection() -> None:
    model = make_operator()
    assert isinstance(model, KernelNeuralOperator)
    data = torch.randn(2, 11, 3)  # columns x, y, u
    x = LabelTensor(data, ["x", "y", "u"])
    coords, field = data[..., :2], data[..., 2:]
    h = model.lifting_operator(torch.cat([field, coords], dim=-1))
    for block in model.integral_kernels:
        h = block(h, coords)
    expected = model.projection_operator(torch.cat([h, coords], dim=-1))
    out = model(x)
    assert type(out) is torch.Tensor and out.shape == (2, 11, 1)
    torch.testing.assert_close(out, expected)
    shuffled = LabelTensor(data[..., [2, 0, 1]], ["u", "x", "y"])
    torch.testing.assert_close(model(shuffled), expected)


def test_operator_structure_and_gradients() -> None:
    model = make_operator(inner_size=7, n_layers=1)
    blocks = list(model.integral_kernels)
    assert len(blocks) == 2 and all(isinstance(b, LowRankBlock) for b in blocks)
    assert all(b.rank == 3 and b._nn.in_features == 6 for b in blocks)
    assert model.field_indices == ["u"] and model.coordinates_indices == ["x", "y"]
    assert {"_lifting_operator.model.0.weight", "_integral_kernels.1._basis.model.2.bias"} <= set(
        model.state_dict()
    )
    model(LabelTensor(torch.randn(2, 5, 3), ["x", "y", "u"])).square().sum().backward()
    for name, param in model.named_parameters():
        assert param.grad is not None and param.grad.abs().sum() > 0, name


def test_operator_is_non_local() -> None:
    model = make_operator()
    data = torch.randn(1, 8, 3)
    changed = data.clone()
    changed[0, 0, 2] += 1.0  # the field at one point
    out = model(LabelTensor(data, ["x", "y", "u"]))
    new = model(LabelTensor(changed, ["x", "y", "u"]))
    assert (new[0, 1:] - out[0, 1:]).abs().max() > 1e-5


def test_operator_embedding_width_of_an_opaque_lifting_net_is_probed() -> None:
    class Lift(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.inner = nn.Linear(3, 5)
            self.drop = nn.Dropout(0.5)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return torch.tanh(self.drop(self.inner(x)))

    lift = Lift()
    model = make_operator(lifting_net=lift, projecting_net=FeedForward(7, 2))
    assert lift.training and lift.drop.training  # the probe restored the modes
    assert all(block._nn.in_features == 5 for block in model.integral_kernels)
    assert model(LabelTensor(torch.randn(2, 4, 3), ["x", "y", "u"])).shape == (2, 4, 2)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (
            {"lifting_net": FeedForward(4, 6)},
            ValueError,
            r"lifting_net takes inputs of width 4 but .* = 1 \+ 2 = 3",
        ),
        (
            {"projecting_net": FeedForward(6, 1)},
            ValueError,
            r"projecting_net takes inputs of width 6 but .* = 6 \+ 2 = 8",
        ),
        ({"field_indices": ["x"]}, ValueError, r"labels \['x'\] are in both field_indices"),
        ({"field_indices": []}, ValueError, r"field_indices is empty"),
        ({"coordinates_indices": [0, 1]}, TypeError, r"coordinates_indices must be a label"),
        ({"n_kernel_layers": 0}, ValueError, r"n_kernel_layers=0 must be an int >= 1"),
        ({"rank": 0}, ValueError, r"rank=0"),
        ({"lifting_net": "net"}, TypeError, r"lifting_net must be a torch.nn.Module"),
    ],
)
def test_operator_constructor_errors(kwargs: dict, error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        make_operator(**kwargs)


def test_operator_input_errors() -> None:
    model = make_operator()
    with pytest.raises(TypeError, match=r"the input must be a LabelTensor"):
        model(torch.randn(2, 4, 3))
    with pytest.raises(
        ValueError, match=r"no column\(s\) \['y'\] .* its labels are \['x', 'u', 'z'\]"
    ):
        model(LabelTensor(torch.randn(2, 4, 3), ["x", "u", "z"]))
