"""Tests of :class:`pina.model.layers.KANBlock` and :class:`pina.model.KolmogorovArnoldNetwork`."""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest
import torch
from _problems import SimpleODE

from pina.model import KolmogorovArnoldNetwork
from pina.model.layers import KANBlock
from pina.solvers import PINN
from pina.trainer import Trainer


def _cox_de_boor(x: float, knots: list[float], k: int, p: int) -> float:
    """The B-spline ``B_k`` of degree ``p`` at ``x``, by the textbook recursion (scalars)."""
    if p == 0:
        return 1.0 if knots[k] <= x < knots[k + 1] else 0.0
    left = (x - knots[k]) / (knots[k + p] - knots[k]) * _cox_de_boor(x, knots, k, p - 1)
    right = (
        (knots[k + p + 1] - x)
        / (knots[k + p + 1] - knots[k + 1])
        * _cox_de_boor(x, knots, k + 1, p - 1)
    )
    return left + right


@pytest.mark.parametrize("spline_order", [1, 2, 3, 4])
@pytest.mark.parametrize("grid_range", [(-1, 1), (0.0, 2.5)])
def test_basis_is_a_nonnegative_partition_of_unity(
    spline_order: int, grid_range: tuple[float, float]
) -> None:
    block = KANBlock(1, 1, spline_order=spline_order, n_knots=7, grid_range=grid_range).double()
    x = torch.linspace(*grid_range, 1001, dtype=torch.float64)
    basis = block.basis(x)
    assert basis.shape == (1001, 7 + spline_order)
    assert block.n_basis == 7 + spline_order
    assert (basis >= 0).all()
    torch.testing.assert_close(basis.sum(-1), torch.ones_like(x), atol=1e-6, rtol=0)


def test_basis_matches_hand_written_cox_de_boor() -> None:
    p, n, low, high = 3, 5, -1.0, 2.0
    block = KANBlock(1, 1, spline_order=p, n_knots=n, grid_range=(low, high)).double()
    h = (high - low) / n
    knots = [low + (m - p) * h for m in range(n + 2 * p + 1)]
    torch.testing.assert_close(block.knots(torch.float64), torch.tensor(knots, dtype=torch.float64))
    points = [-1.0, -0.73, 0.0, 0.41, 1.2, 1.999, -1.5, 2.3]
    got = block.basis(torch.tensor(points, dtype=torch.float64))
    want = torch.tensor(
        [[_cox_de_boor(x, knots, k, p) for k in range(n + p)] for x in points],
        dtype=torch.float64,
    )
    torch.testing.assert_close(got, want, atol=1e-12, rtol=0)


def test_basis_is_zero_far_outside_the_grid() -> None:
    block = KANBlock(1, 1, n_knots=4).double()
    x = torch.tensor([-3.0, 3.0], dtype=torch.float64)
    assert (block.basis(x) == 0).all()


def test_block_with_one_coefficient_is_that_basis_function() -> None:
    block = KANBlock(2, 3, spline_order=3, n_knots=6).double()
    with torch.no_grad():
        assert block.base_weight is not None
        block.base_weight.zero_()
        block.spline_weight.zero_()
        block.spline_weight[1, 0, 4] = 1.0
    x = torch.rand(50, 2, dtype=torch.float64) * 2 - 1
    out = block(x)
    want = block.basis(x[:, 0])[:, 4]
    torch.testing.assert_close(out[:, 1], want)
    torch.testing.assert_close(out[:, [0, 2]], torch.zeros(50, 2, dtype=torch.float64))


def test_base_term_is_weighted_base_function() -> None:
    block = KANBlock(2, 1, n_knots=3).double()
    with torch.no_grad():
        block.spline_weight.zero_()
        assert block.base_weight is not None
        block.base_weight.copy_(torch.tensor([[2.0, -0.5]]))
    x = torch.randn(10, 2, dtype=torch.float64)
    want = 2.0 * torch.nn.functional.silu(x[:, 0]) - 0.5 * torch.nn.functional.silu(x[:, 1])
    torch.testing.assert_close(block(x)[:, 0], want)


def test_initialisation_and_parameters() -> None:
    torch.manual_seed(0)
    block = KANBlock(40, 30, spline_order=3, n_knots=10)
    names = dict(block.named_parameters())
    assert set(names) == {"spline_weight", "base_weight"}
    assert block.spline_weight.shape == (30, 40, 13)
    assert block.spline_weight.std().item() == pytest.approx(0.1 / math.sqrt(13), rel=0.1)
    bound = math.sqrt(6 / (40 + 30))
    assert block.base_weight is not None
    assert block.base_weight.abs().max().item() <= bound
    assert set(block.state_dict()) == {"spline_weight", "base_weight"}
    without_base = KANBlock(2, 2, base_function=None)
    assert without_base.base_weight is None
    assert set(dict(without_base.named_parameters())) == {"spline_weight"}


def test_gradcheck_first_and_second_derivatives() -> None:
    torch.manual_seed(0)
    block = KANBlock(2, 3, spline_order=3, n_knots=5).double()
    x = (torch.rand(6, 2, dtype=torch.float64) * 1.8 - 0.9).requires_grad_()
    assert torch.autograd.gradcheck(block, (x,))
    assert torch.autograd.gradgradcheck(block, (x,))
    net = KolmogorovArnoldNetwork([2, 4, 1], n_knots=4).double()
    assert torch.autograd.gradcheck(net, (x,))
    assert torch.autograd.gradgradcheck(net, (x,))


def test_third_derivative_of_a_cubic_piece() -> None:
    # Cubic splines on the single interval [0, 1]: the output is a cubic there,
    # so its third derivative (the highest pina's operators take) is constant
    # and the second derivative is linear in x.
    torch.manual_seed(0)
    block = KANBlock(1, 1, spline_order=3, n_knots=1, grid_range=(0, 1), base_function=None)
    block = block.double()
    x = torch.tensor([[0.2], [0.5], [0.8]], dtype=torch.float64, requires_grad=True)
    (first,) = torch.autograd.grad(block(x).sum(), x, create_graph=True)
    (second,) = torch.autograd.grad(first.sum(), x, create_graph=True)
    (third,) = torch.autograd.grad(second.sum(), x)
    torch.testing.assert_close(third, third[:1].expand_as(third))
    assert third.abs().min() > 0
    want = second[:1].detach() + (x.detach() - 0.2) * third
    torch.testing.assert_close(second.detach(), want)


@pytest.mark.parametrize(
    "layers", [[1, 1], [2, 5, 3], [3, 4, 4, 2], (4, 1)], ids=lambda v: str(list(v))
)
def test_shapes(layers: list[int]) -> None:
    net = KolmogorovArnoldNetwork(layers, n_knots=4, spline_order=2)
    assert len(net.blocks) == len(layers) - 1
    assert net(torch.rand(7, layers[0])).shape == (7, layers[-1])
    assert net(torch.rand(2, 3, layers[0])).shape == (2, 3, layers[-1])
    assert KANBlock(layers[0], 6)(torch.rand(5, layers[0])).shape == (5, 6)


def test_label_tensor_input_gives_plain_tensor() -> None:
    from pina import LabelTensor

    x = LabelTensor(torch.rand(4, 2), ["x", "y"])
    out = KolmogorovArnoldNetwork([2, 3])(x)
    assert type(out) is torch.Tensor
    assert out.shape == (4, 3)


def test_pinn_trains_on_simple_ode(make_problem: Callable[..., SimpleODE]) -> None:
    problem = make_problem(seed=0)
    torch.manual_seed(0)
    model = KolmogorovArnoldNetwork([1, 5, 1], n_knots=5, grid_range=(0, 1))
    solver = PINN(problem, model)
    trainer = Trainer(
        solver,
        max_epochs=2,
        accelerator="cpu",
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
    )
    trainer.train()
    loss = trainer.logged_metrics["mean_loss"]
    assert torch.isfinite(torch.as_tensor(loss)).all()


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"input_dimensions": 0}, ValueError, r"input_dimensions=0 must be an int >= 1"),
        ({"output_dimensions": 2.0}, TypeError, r"output_dimensions must be an int"),
        ({"spline_order": 0}, ValueError, r"spline_order=0 must be an int >= 1"),
        ({"n_knots": True}, TypeError, r"n_knots must be an int"),
        ({"grid_range": (1, -1)}, ValueError, r"low < high"),
        ({"grid_range": (0, float("inf"))}, ValueError, r"two finite numbers"),
        ({"grid_range": (0, 1, 2)}, ValueError, r"exactly two entries"),
        ({"grid_range": "ab"}, TypeError, r"grid_range must be a tuple"),
        ({"grid_range": (0, "1")}, TypeError, r"entry '1' is of type str"),
        ({"base_function": lambda: 3}, TypeError, r"returned 3 .* not a torch.nn.Module"),
        ({"base_function": int}, TypeError, r"base_function must be a torch.nn.Module"),
    ],
)
def test_block_errors(kwargs: dict, error: type[Exception], match: str) -> None:
    args = {"input_dimensions": 2, "output_dimensions": 3, **kwargs}
    with pytest.raises(error, match=match):
        KANBlock(**args)


@pytest.mark.parametrize(
    ("layers", "error", "match"),
    [
        (3, TypeError, r"layers must be a list or tuple"),
        ([3], ValueError, r"at least two widths"),
        ([2, 0, 1], ValueError, r"layers\[1\]=0 must be an int >= 1"),
        ([2, 1.5], TypeError, r"layers\[1\] must be an int"),
    ],
)
def test_network_errors(layers: object, error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        KolmogorovArnoldNetwork(layers)  # type: ignore[arg-type]


def test_network_passes_block_arguments_on() -> None:
    with pytest.raises(ValueError, match=r"n_knots=0"):
        KolmogorovArnoldNetwork([2, 1], n_knots=0)
    net = KolmogorovArnoldNetwork([2, 3, 1], spline_order=2, n_knots=4, grid_range=(0, 2))
    for block in net.blocks:
        assert isinstance(block, KANBlock)
        assert (block.spline_order, block.n_knots, block.grid_range) == (2, 4, (0.0, 2.0))
