"""PeriodicBoundaryEmbedding: layout, exact periodicity, dict periods and errors."""

from __future__ import annotations

import math

import pytest
import torch

from pina.label_tensor import LabelTensor
from pina.model import FeedForward
from pina.model.layers import PeriodicBoundaryEmbedding


@pytest.fixture(autouse=True)
def _seed() -> None:
    torch.manual_seed(0)


def embedding_of(angle: torch.Tensor) -> torch.Tensor:
    """The expected layout: ones, then cosines, then sines of the angles."""
    return torch.cat([torch.ones_like(angle), angle.cos(), angle.sin()], dim=-1)


def test_layout_is_ones_then_cosines_then_sines() -> None:
    layer = PeriodicBoundaryEmbedding(input_dimension=2, periods=4.0)
    x = torch.tensor([[1.0, 0.5], [0.0, 2.0]], dtype=torch.float64)
    omega = 2 * math.pi / 4.0
    expected = embedding_of(omega * x)
    out = layer(x)
    assert out.shape == (2, 6)
    assert out.dtype == torch.float64
    torch.testing.assert_close(out, expected)
    assert layer.period == {0: 4.0, 1: 4.0}
    assert layer.output_dimension == 6


@pytest.mark.parametrize("dtype, atol", [(torch.float32, 1e-5), (torch.float64, 1e-12)])
@pytest.mark.parametrize("period", [1.0, 2.0, 2 * math.pi, 0.3])
def test_network_on_the_embedding_is_periodic(period: float, dtype: torch.dtype, atol: float):
    model = torch.nn.Sequential(
        PeriodicBoundaryEmbedding(input_dimension=1, periods=period),
        FeedForward(input_dimensions=3, output_dimensions=2, layers=[16, 16]),
    ).to(dtype)
    x = torch.linspace(0, period, 101, dtype=dtype).reshape(-1, 1)
    u = model(x)
    for shift in (-2, -1, 1, 3):
        torch.testing.assert_close(model(x + shift * period), u, atol=atol, rtol=0)
    # ... and not trivially: the output does vary over one period.
    assert float(u.detach().std(dim=0).min()) > 1e-3


def test_derivative_is_periodic_too() -> None:
    model = torch.nn.Sequential(
        PeriodicBoundaryEmbedding(1, periods=2.0), FeedForward(3, 1, layers=[8])
    ).double()
    x = torch.rand(20, 1, dtype=torch.float64, requires_grad=True)
    shifted = (x + 2.0).detach().requires_grad_()
    (dx,) = torch.autograd.grad(model(x).sum(), x)
    (dx_shifted,) = torch.autograd.grad(model(shifted).sum(), shifted)
    torch.testing.assert_close(dx, dx_shifted, atol=1e-12, rtol=0)


@pytest.mark.parametrize("batch_shape", [(), (7,), (3, 5)])
def test_shapes_with_leading_dimensions(batch_shape: tuple[int, ...]) -> None:
    x = torch.rand(*batch_shape, 2)
    assert PeriodicBoundaryEmbedding(2, periods=1.0)(x).shape == (*batch_shape, 6)
    projected = PeriodicBoundaryEmbedding(2, periods=1.0, output_dimension=5)
    assert projected(x).shape == (*batch_shape, 5)
    assert projected.output_dimension == 5
    assert isinstance(projected._layer, torch.nn.Linear)
    assert projected._layer.in_features == 6


def test_state_dict_holds_only_the_linear_layer() -> None:
    assert list(PeriodicBoundaryEmbedding(1, periods=2.0).state_dict()) == []
    with_linear = PeriodicBoundaryEmbedding(1, periods=2.0, output_dimension=4)
    assert sorted(with_linear.state_dict()) == ["_layer.bias", "_layer.weight"]


def test_dict_periods_by_index_embed_only_those_columns_with_their_periods() -> None:
    layer = PeriodicBoundaryEmbedding(input_dimension=3, periods={2: 1.0, 0: 4.0})
    x = torch.rand(10, 3, dtype=torch.float64)
    out = layer(x)
    assert out.shape == (10, 6)
    columns = x[:, [2, 0]]
    angle = columns * torch.tensor([2 * math.pi, 2 * math.pi / 4.0], dtype=torch.float64)
    torch.testing.assert_close(out, embedding_of(angle))
    # Periodic in column 0 with period 4 and in column 2 with period 1; column 1 is ignored.
    shifted = x + torch.tensor([4.0, 123.0, -3.0], dtype=torch.float64)
    torch.testing.assert_close(layer(shifted), out, atol=1e-12, rtol=0)
    # With a Linear layer, its width follows the number of periodic columns (not 3 * input).
    assert PeriodicBoundaryEmbedding(3, {1: 2.0}, output_dimension=2)(x.float()).shape == (10, 2)


def test_dict_periods_by_label_read_columns_of_a_label_tensor() -> None:
    layer = PeriodicBoundaryEmbedding(input_dimension=2, periods={"x": 2.0})
    pts = LabelTensor(torch.rand(8, 2, dtype=torch.float64), ["t", "x"])
    out = layer(pts)
    assert not isinstance(out, LabelTensor)
    assert out.shape == (8, 3)
    angle = math.pi * pts.extract(["x"]).tensor
    torch.testing.assert_close(out, embedding_of(angle))
    moved = LabelTensor(pts.tensor + torch.tensor([0.7, 2.0], dtype=torch.float64), ["t", "x"])
    torch.testing.assert_close(layer(moved), out, atol=1e-12, rtol=0)


def test_number_periods_work_on_label_tensors_by_position() -> None:
    layer = PeriodicBoundaryEmbedding(1, periods=2.0)
    x = torch.rand(4, 1)
    torch.testing.assert_close(layer(LabelTensor(x, ["x"])), layer(x))


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"input_dimension": 1.5, "periods": 1.0}, TypeError, r"input_dimension must be an int"),
        ({"input_dimension": 0, "periods": 1.0}, ValueError, r"input_dimension=0 must be"),
        ({"input_dimension": 1, "periods": "2"}, TypeError, r"periods must be a number"),
        ({"input_dimension": 1, "periods": True}, TypeError, r"periods must be a number"),
        ({"input_dimension": 1, "periods": 0.0}, ValueError, r"periods=0.0 is not a period"),
        ({"input_dimension": 1, "periods": math.inf}, ValueError, r"nonzero finite number"),
        ({"input_dimension": 1, "periods": math.nan}, ValueError, r"nonzero finite number"),
        ({"input_dimension": 1, "periods": {}}, ValueError, r"names no periodic column"),
        ({"input_dimension": 2, "periods": {0.0: 1.0}}, TypeError, r"column indices \(int\)"),
        ({"input_dimension": 2, "periods": {True: 1.0}}, TypeError, r"got True of type bool"),
        ({"input_dimension": 1, "periods": {"x": "a"}}, TypeError, r"periods\['x'\] must be"),
        ({"input_dimension": 1, "periods": {"x": 0}}, ValueError, r"periods\['x'\]=0 is not"),
        (
            {"input_dimension": 1, "periods": 1.0, "output_dimension": 2.0},
            TypeError,
            r"output_dimension must be an int",
        ),
        (
            {"input_dimension": 1, "periods": 1.0, "output_dimension": 0},
            ValueError,
            r"output_dimension=0",
        ),
    ],
)
def test_invalid_arguments_are_refused(kwargs: dict, error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        PeriodicBoundaryEmbedding(**kwargs)


def test_missing_periodic_columns_are_refused() -> None:
    layer = PeriodicBoundaryEmbedding(input_dimension=2, periods=1.0)
    with pytest.raises(ValueError, match=r"column index 1, but the input of shape \(5, 1\) has 1"):
        layer(torch.rand(5, 1))
    layer = PeriodicBoundaryEmbedding(input_dimension=1, periods={-3: 1.0})
    with pytest.raises(ValueError, match=r"column index -3, but .* has 2 columns"):
        layer(torch.rand(5, 2))


def test_label_periods_need_a_label_tensor() -> None:
    layer = PeriodicBoundaryEmbedding(input_dimension=1, periods={"x": 1.0})
    with pytest.raises(TypeError, match=r"must be a LabelTensor .* got Tensor"):
        layer(torch.rand(5, 1))
    with pytest.raises(ValueError, match=r"'x'"):
        layer(LabelTensor(torch.rand(5, 1), ["y"]))


# ------------------------------------------------------------------ PINA 0.1 periods
# The calls below are the ones PINA 0.1.1 accepts (its own tests construct
# ``PeriodicBoundaryEmbedding(1, {0: p, 1: p, 2: p})``); the expected numbers were
# checked against pina-mathlab 0.1.1 on the same inputs.
def test_dict_keys_are_not_limited_by_input_dimension() -> None:
    x = torch.rand(6, 3, dtype=torch.float64)
    by_index = PeriodicBoundaryEmbedding(input_dimension=1, periods={0: 1, 1: 2, 2: 3})
    assert by_index.period == {0: 1.0, 1: 2.0, 2: 3.0}
    omega = 2 * math.pi / torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64)
    torch.testing.assert_close(by_index(x), embedding_of(x * omega))
    by_label = PeriodicBoundaryEmbedding(input_dimension=1, periods={"x": 1, "y": 2, "z": 3})
    torch.testing.assert_close(by_label(LabelTensor(x, ["x", "y", "z"])), by_index(x))


def test_a_number_period_embeds_the_first_input_dimension_columns() -> None:
    # Wider inputs are accepted, as in 0.1: the other columns are not embedded.
    x = torch.rand(6, 3, dtype=torch.float64)
    layer = PeriodicBoundaryEmbedding(input_dimension=2, periods=0.5)
    torch.testing.assert_close(layer(x), embedding_of(x[:, :2] * 4 * math.pi))


def test_negative_keys_count_from_the_end() -> None:
    x = torch.rand(6, 3, dtype=torch.float64)
    layer = PeriodicBoundaryEmbedding(input_dimension=1, periods={-1: 2.0})
    torch.testing.assert_close(layer(x), embedding_of(x[:, 2:] * math.pi))


def test_negative_periods_give_the_features_of_0_1() -> None:
    x = torch.rand(6, 1, dtype=torch.float64)
    out = PeriodicBoundaryEmbedding(1, periods=-2.0)(x)
    torch.testing.assert_close(out, embedding_of(-math.pi * x))
    # ... periodic with period |P| = 2.
    torch.testing.assert_close(PeriodicBoundaryEmbedding(1, -2.0)(x + 2.0), out)


def test_index_and_label_keys_may_be_mixed_on_a_label_tensor() -> None:
    pts = LabelTensor(torch.rand(6, 3, dtype=torch.float64), ["x", "y", "t"])
    layer = PeriodicBoundaryEmbedding(input_dimension=2, periods={0: 1.0, "y": 2.0})
    omega = torch.tensor([2 * math.pi, math.pi], dtype=torch.float64)
    torch.testing.assert_close(layer(pts), embedding_of(pts.tensor[:, :2] * omega))
    with pytest.raises(TypeError, match=r"given by label \(\['y'\]\)"):
        layer(pts.tensor)
