"""ContinuousConvBlock: window grid, hand-computed sums, transpose, caching, gradients, errors."""

from __future__ import annotations

import copy
import itertools

import pytest
import torch
from torch import nn

from pina.label_tensor import LabelTensor
from pina.model.layers._stride import Stride
from pina.model.layers.convolution_2d import ContinuousConvBlock

UNIT_2D = {"domain": [1, 1], "start": [0, 0], "jumps": [0.5, 0.5], "direction": [1, 1]}
# 1-D, overlapping: windows [0, .5), [.25, .75), [.5, 1), [.75, 1.25)
OVERLAP_1D = {"domain": [1], "start": [0], "jumps": [0.25], "direction": [1]}


@pytest.fixture(autouse=True)
def _seed() -> None:
    torch.manual_seed(0)


class Constant(nn.Module):
    """A filter equal to ``value`` everywhere (one value per point)."""

    def __init__(self, value: float = 1.0) -> None:
        super().__init__()
        self.value = nn.Parameter(torch.tensor(value, dtype=torch.float64))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.value * torch.ones(x.shape[0], 1, dtype=x.dtype)


class FirstCoordinate(nn.Module):
    """The filter k(r) = r_0: the first coordinate relative to the window corner."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x[:, :1]


class SmoothFilter(nn.Module):
    def __init__(self, dim: int = 2) -> None:
        super().__init__()
        self.layers = nn.Sequential(nn.Linear(dim, 6), nn.Tanh(), nn.Linear(6, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x)


def counted_constants():
    """A model factory whose k-th network is the constant k + 1 (k = 0, 1, ...)."""
    counter = itertools.count(1)
    return lambda: Constant(float(next(counter)))


def field_1d() -> torch.Tensor:
    """One sample, one field at x = .1, .3, .55, .8 with values 1, 2, 4, 8: (1, 1, 4, 2)."""
    x = torch.tensor([0.1, 0.3, 0.55, 0.8], dtype=torch.float64)
    f = torch.tensor([1.0, 2.0, 4.0, 8.0], dtype=torch.float64)
    return torch.stack([x, f], dim=-1)[None, None]


def brute_force_forward(conv: ContinuousConvBlock, points: torch.Tensor) -> torch.Tensor:
    """y[b, o, s] = sum_i sum_{p in W_s} k_oi(x_p - s) f_p, with Python loops."""
    pos, h = conv.stride.to(points.dtype), conv.filter_dim.to(points.dtype)
    n_in, n_out = conv.input_numb_field, conv.output_numb_field
    out = torch.zeros(points.shape[0], n_out, pos.shape[0], dtype=points.dtype)
    for b, o, s, i in itertools.product(
        range(points.shape[0]), range(n_out), range(pos.shape[0]), range(n_in)
    ):
        pts = points[b, i]
        inside = ((pts[:, :-1] >= pos[s]) & (pts[:, :-1] < pos[s] + h)).all(-1)
        if inside.any():
            k = conv.net[o * n_in + i](pts[inside, :-1] - pos[s]).reshape(-1)
            out[b, o, s] += (k * pts[inside, -1]).sum()
    return out


def brute_force_transpose(conv: ContinuousConvBlock, c: torch.Tensor, points: torch.Tensor):
    """z[b, o, m] = sum_{s: x_m in W_s} sum_i k_oi(x_m - s) c[b, i, s], with Python loops."""
    pos, h = conv.stride.to(points.dtype), conv.filter_dim.to(points.dtype)
    n_in, n_out = conv.input_numb_field, conv.output_numb_field
    out = torch.zeros(points.shape[0], n_out, points.shape[2], dtype=points.dtype)
    for b, o, s, i in itertools.product(
        range(points.shape[0]), range(n_out), range(pos.shape[0]), range(n_in)
    ):
        pts = points[b, o, :, :-1]
        inside = ((pts >= pos[s]) & (pts < pos[s] + h)).all(-1)
        if inside.any():
            k = conv.net[o * n_in + i](pts[inside] - pos[s]).reshape(-1)
            out[b, o, inside] += k * c[b, i, s]
    return out


# --------------------------------------------------------------------------- stride grid
def test_stride_positions_are_the_meshgrid_of_the_axes() -> None:
    stride = {"domain": [4, 4], "start": [-4, 2], "jumps": [2, 2], "direction": [1, 1]}
    conv = ContinuousConvBlock(1, 1, [2, 2], stride)
    expected = torch.tensor([[-4.0, 2.0], [-4.0, 4.0], [-2.0, 2.0], [-2.0, 4.0]])
    torch.testing.assert_close(conv.stride, expected)
    torch.testing.assert_close(conv.filter_dim, torch.tensor([2.0, 2.0]))


def test_stride_backward_direction_and_single_window_axis() -> None:
    original = {"domain": [1, 1], "start": [0.2, -1], "jumps": [0.3, 0], "direction": [-1, 0]}
    stride = copy.deepcopy(original)
    positions = Stride.from_dict(stride).positions()
    expected = torch.tensor([[0.2, -1.0], [-0.1, -1.0], [-0.4, -1.0], [-0.7, -1.0]])
    torch.testing.assert_close(positions, expected.double())
    assert stride == original  # the user's dict is not modified


def test_stride_count_follows_arange_and_window_centres_are_output_coordinates() -> None:
    stride = {"domain": [1, 1], "start": [0, 0], "jumps": [0.25, 0.3], "direction": [1, 1]}
    conv = ContinuousConvBlock(1, 1, [0.25, 0.3], stride)
    assert conv.stride.shape == (4 * 4, 2)  # x: 0, .25, .5, .75; y: 0, .3, .6, .9
    out = conv(torch.rand(2, 1, 30, 3))
    assert out.shape == (2, 1, 16, 3)
    torch.testing.assert_close(out[1, 0, :, :2], conv.stride + torch.tensor([0.125, 0.15]))


# --------------------------------------------------------------------------- forward maths
def test_constant_filter_sums_the_values_in_each_window_2d() -> None:
    # Points and values; (0.5, 0.5) sits on a corner: windows are [s, s + h), so it
    # belongs to the window at (0.5, 0.5) only.
    pts = torch.tensor(
        [[0.1, 0.1, 1.0], [0.2, 0.4, 2.0], [0.6, 0.1, 4.0], [0.1, 0.7, 8.0], [0.9, 0.9, 16.0]]
        + [[0.5, 0.5, 32.0], [1.5, 0.2, 64.0]],  # the last one is outside every window
        dtype=torch.float64,
    )
    conv = ContinuousConvBlock(1, 1, [0.5, 0.5], UNIT_2D, model=lambda: Constant(3.0))
    out = conv(pts[None, None])
    # windows in order (0, 0), (0, .5), (.5, 0), (.5, .5)
    expected_sums = torch.tensor([1.0 + 2.0, 8.0, 4.0, 16.0 + 32.0], dtype=torch.float64)
    torch.testing.assert_close(out[0, 0, :, -1], 3.0 * expected_sums)
    centres = torch.tensor([[0.25, 0.25], [0.25, 0.75], [0.75, 0.25], [0.75, 0.75]])
    torch.testing.assert_close(out[0, 0, :, :2], centres.double())


def test_constant_filter_with_overlapping_windows_1d() -> None:
    conv = ContinuousConvBlock(1, 1, [0.5], OVERLAP_1D, model=Constant)
    out = conv(field_1d())
    # [0, .5): 1 + 2; [.25, .75): 2 + 4; [.5, 1): 4 + 8; [.75, 1.25): 8
    torch.testing.assert_close(out[0, 0, :, -1], torch.tensor([3.0, 6.0, 12.0, 8.0]).double())
    torch.testing.assert_close(out[0, 0, :, 0], torch.tensor([0.25, 0.5, 0.75, 1.0]).double())


def test_filter_sees_coordinates_relative_to_the_window() -> None:
    conv = ContinuousConvBlock(1, 1, [0.5], OVERLAP_1D, model=FirstCoordinate)
    out = conv(field_1d())
    expected = [
        0.1 * 1 + 0.3 * 2,  # window at 0
        (0.3 - 0.25) * 2 + (0.55 - 0.25) * 4,  # at .25
        (0.55 - 0.5) * 4 + (0.8 - 0.5) * 8,  # at .5
        (0.8 - 0.75) * 8,  # at .75
    ]
    torch.testing.assert_close(out[0, 0, :, -1], torch.tensor(expected, dtype=torch.float64))


def test_filters_mix_input_fields_per_output_field() -> None:
    # Network k = o * N_in + i is the constant k + 1; two input fields on different points.
    conv = ContinuousConvBlock(2, 3, [0.5], OVERLAP_1D, model=counted_constants())
    first = field_1d()[0, 0]
    second = torch.tensor([[0.05, 10.0], [0.6, 20.0]], dtype=torch.float64)
    second = torch.cat([second, torch.tensor([[2.0, 99.0], [3.0, 99.0]]).double()])  # outside
    X = torch.stack([first, second])[None]  # (1, 2, 4, 2)
    out = conv(X)[0, :, :, -1]
    sums_first = torch.tensor([3.0, 6.0, 12.0, 8.0], dtype=torch.float64)
    sums_second = torch.tensor([10.0, 20.0, 20.0, 0.0], dtype=torch.float64)
    for o in range(3):
        expected = (2 * o + 1) * sums_first + (2 * o + 2) * sums_second
        torch.testing.assert_close(out[o], expected)


def test_forward_matches_loops_over_batch_fields_and_windows() -> None:
    stride = {"domain": [1, 1], "start": [0, 0], "jumps": [0.25, 0.4], "direction": [1, 1]}
    conv = ContinuousConvBlock(2, 3, [0.4, 0.5], stride).double()
    X = torch.rand(3, 2, 40, 3, dtype=torch.float64)
    out = conv(X)
    assert out.shape == (3, 3, conv.stride.shape[0], 3)
    torch.testing.assert_close(out[..., -1], brute_force_forward(conv, X))


def test_empty_windows_give_zero_and_inputs_may_be_label_tensors() -> None:
    conv = ContinuousConvBlock(1, 2, [0.5, 0.5], UNIT_2D)
    far = torch.full((2, 1, 5, 3), 7.0)  # every point outside every window
    out = conv(far)
    assert torch.equal(out[..., -1], torch.zeros(2, 2, 4))
    labelled = LabelTensor(torch.rand(2, 1, 5, 3), ["x", "y", "u"])
    result = conv(labelled)
    assert type(result) is torch.Tensor
    torch.testing.assert_close(result, conv(labelled.tensor))


# --------------------------------------------------------------------------- transpose
def test_transpose_shape_coordinates_and_hand_values() -> None:
    conv = ContinuousConvBlock(1, 1, [0.5], OVERLAP_1D, model=lambda: Constant(2.0))
    c = torch.tensor([[[1.0, 10.0, 100.0, 1000.0]]], dtype=torch.float64)
    X = torch.tensor([[[[0.1, 5.0], [0.3, 5.0], [0.55, 5.0], [0.8, 5.0], [3.0, 5.0]]]]).double()
    out = conv.transpose(c, X)
    assert out.shape == X.shape
    torch.testing.assert_close(out[..., :-1], X[..., :-1])
    # .1 in window 0; .3 in 0 and 1; .55 in 1 and 2; .8 in 2 and 3; 3.0 in none
    expected = 2.0 * torch.tensor([1.0, 11.0, 110.0, 1100.0, 0.0], dtype=torch.float64)
    torch.testing.assert_close(out[0, 0, :, -1], expected)


def test_transpose_maps_input_field_values_to_output_field_points() -> None:
    stride = {"domain": [1, 1], "start": [0, 0], "jumps": [0.25, 0.25], "direction": [1, 1]}
    conv = ContinuousConvBlock(2, 3, [0.5, 0.5], stride).double()
    c = torch.rand(2, 2, conv.stride.shape[0], dtype=torch.float64)
    X = torch.rand(2, 3, 25, 3, dtype=torch.float64)
    out = conv.transpose(c, X)
    assert out.shape == (2, 3, 25, 3)
    torch.testing.assert_close(out[..., -1], brute_force_transpose(conv, c, X))
    torch.testing.assert_close(conv.transpose_overlap(c, X), out)


def test_transpose_is_the_adjoint_of_forward_for_one_field() -> None:
    # <forward(f), c> = <f, transpose(c)> on the same points, for any filter.
    stride = {"domain": [1, 1], "start": [0, 0], "jumps": [0.2, 0.3], "direction": [1, 1]}
    conv = ContinuousConvBlock(1, 1, [0.4, 0.45], stride).double()
    X = torch.rand(2, 1, 50, 3, dtype=torch.float64)
    c = torch.rand(2, 1, conv.stride.shape[0], dtype=torch.float64)
    lhs = (conv(X)[..., -1] * c).sum(dim=(1, 2))
    rhs = (X[..., -1] * conv.transpose(c, X)[..., -1]).sum(dim=(1, 2))
    torch.testing.assert_close(lhs, rhs)


def test_no_overlap_transpose_equals_overlap_transpose() -> None:
    torch.manual_seed(1)
    plain = ContinuousConvBlock(1, 2, [0.5, 0.5], UNIT_2D).double()
    flagged = ContinuousConvBlock(1, 2, [0.5, 0.5], UNIT_2D, no_overlap=True).double()
    flagged.load_state_dict(plain.state_dict())
    c = torch.rand(3, 1, 4, dtype=torch.float64)
    X = torch.rand(3, 2, 20, 3, dtype=torch.float64)
    torch.testing.assert_close(flagged.transpose(c, X), plain.transpose(c, X))
    torch.testing.assert_close(flagged.transpose_no_overlap(c, X), plain.transpose(c, X))


# --------------------------------------------------------------------------- optimize
def test_optimize_reuses_the_assignment_in_training_only() -> None:
    conv = ContinuousConvBlock(1, 1, [0.5], OVERLAP_1D, model=Constant, optimize=True)
    X = field_1d()
    torch.testing.assert_close(conv(X)[0, 0, :, -1], torch.tensor([3.0, 6, 12, 8]).double())
    moved = X.clone()
    moved[..., 0] = 0.1  # every point now in the first window only
    # training: the cached assignment (fixed points assumed) is reused; values are new
    doubled = X.clone()
    doubled[..., -1] *= 2
    torch.testing.assert_close(conv(doubled)[0, 0, :, -1], torch.tensor([6.0, 12, 24, 16]).double())
    torch.testing.assert_close(conv(moved)[0, 0, :, -1], torch.tensor([3.0, 6, 12, 8]).double())
    # eval: always recomputed
    conv.eval()
    torch.testing.assert_close(conv(moved)[0, 0, :, -1], torch.tensor([15.0, 0, 0, 0]).double())
    # a new shape is recomputed in training too; forward and transpose have separate caches
    conv.train()
    two = torch.cat([moved, X])
    torch.testing.assert_close(conv(two)[:, 0, 0, -1], torch.tensor([15.0, 3.0]).double())
    c = torch.ones(1, 1, 4, dtype=torch.float64)
    torch.testing.assert_close(
        conv.transpose(c, X)[0, 0, :, -1], torch.tensor([1.0, 2, 2, 2]).double()
    )


# --------------------------------------------------------------------------- gradients
def test_gradcheck_through_values_coordinates_and_filter_parameters() -> None:
    stride = {"domain": [1, 1], "start": [0, 0], "jumps": [0.5, 0.5], "direction": [1, 1]}
    conv = ContinuousConvBlock(2, 1, [0.5, 0.5], stride, model=SmoothFilter).double()
    # keep points at least 0.05 away from window edges, so membership is locally constant
    X = (0.05 + 0.4 * torch.rand(1, 2, 6, 3, dtype=torch.float64)) + 0.5 * torch.randint(
        0, 2, (1, 2, 6, 3)
    ).double()
    X.requires_grad_()
    c = torch.rand(1, 2, 4, dtype=torch.float64, requires_grad=True)
    Y = X.detach()[:, :1].clone().requires_grad_()
    assert torch.autograd.gradcheck(lambda x: conv(x)[..., -1], (X,))
    assert torch.autograd.gradcheck(lambda c_, y: conv.transpose(c_, y)[..., -1], (c, Y))
    conv(X)[..., -1].sum().backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in conv.parameters())


def test_state_dict_holds_only_the_filter_networks() -> None:
    conv = ContinuousConvBlock(2, 2, [0.5, 0.5], UNIT_2D)
    assert len(conv.net) == 4
    assert all(key.startswith("_net.") for key in conv.state_dict())


# --------------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"input_numb_field": 1.0}, TypeError, "input_numb_field must be an int"),
        ({"output_numb_field": 0}, ValueError, "output_numb_field=0 must be an int >= 1"),
        ({"filter_dim": 0.5}, TypeError, "filter_dim must be a list or tuple"),
        ({"filter_dim": [0.5, -1]}, ValueError, "must hold positive finite sizes"),
        ({"filter_dim": [0.5]}, ValueError, "filter_dim=.* has 1 entries but the stride has 2"),
        ({"stride": [1, 1]}, TypeError, "stride must be a dict"),
        ({"stride": {"domain": [1, 1]}}, ValueError, "missing \\['start', 'jumps', 'direction'\\]"),
        ({"optimize": 1}, TypeError, "optimize must be a bool"),
        ({"no_overlap": "yes"}, TypeError, "no_overlap must be a bool"),
        ({"model": nn.Linear(2, 1)}, TypeError, "model must be a class .* not an instance"),
        ({"model": lambda: 3}, TypeError, "model\\(\\) must return a torch.nn.Module"),
        (
            {"stride": OVERLAP_1D | {"domain": [1, 1]}, "filter_dim": [0.5]},
            ValueError,
            "same non-zero length",
        ),
    ],
)
def test_constructor_errors(kwargs, error, match) -> None:
    arguments = {
        "input_numb_field": 1,
        "output_numb_field": 1,
        "filter_dim": [0.5, 0.5],
        "stride": UNIT_2D,
    } | kwargs
    with pytest.raises(error, match=match):
        ContinuousConvBlock(**arguments)


@pytest.mark.parametrize(
    "change, error, match",
    [
        ({"jumps": "ab"}, TypeError, "stride\\['jumps'\\] must be a list of numbers"),
        ({"start": [0, None]}, TypeError, "must hold only real numbers"),
        ({"extra": [1, 1]}, ValueError, "unknown \\['extra'\\]"),
        ({"domain": [1, 0]}, ValueError, "stride\\['domain'\\]=\\[1.0, 0.0\\] must be positive"),
        ({"direction": [1, 2]}, ValueError, "must hold -1, 0 or 1"),
        ({"jumps": [0.5, -0.5]}, ValueError, "must be non-negative"),
        ({"jumps": [0.5, 0]}, ValueError, "must be zero on the same axes"),
        ({"start": [0, float("nan")]}, ValueError, "must be finite"),
    ],
)
def test_stride_errors(change, error, match) -> None:
    with pytest.raises(error, match=match):
        ContinuousConvBlock(1, 1, [0.5, 0.5], UNIT_2D | change)


def test_no_overlap_with_overlapping_windows_is_refused() -> None:
    with pytest.raises(ValueError, match="no_overlap=True but neighbouring windows overlap"):
        ContinuousConvBlock(1, 1, [0.5], OVERLAP_1D, no_overlap=True)


def test_call_errors() -> None:
    conv = ContinuousConvBlock(2, 3, [0.5, 0.5], UNIT_2D)
    with pytest.raises(TypeError, match="X must be a torch.Tensor of shape"):
        conv([[0.0]])
    with pytest.raises(
        ValueError, match=r"\(B, N_in, N, d \+ 1\) = \(B, 2, N, 3\).*\(4, 1, 5, 3\)"
    ):
        conv(torch.rand(4, 1, 5, 3))
    with pytest.raises(ValueError, match=r"X must have shape .*got \(4, 2, 5, 4\)"):
        conv(torch.rand(4, 2, 5, 4))
    with pytest.raises(ValueError, match=r"\(B, N_out, N, d \+ 1\) = \(B, 3, N, 3\)"):
        conv.transpose(torch.rand(4, 2, 4), torch.rand(4, 2, 5, 3))
    with pytest.raises(ValueError, match=r"integrals must have shape \(B, N_in, S\) = \(4, 2, 4\)"):
        conv.transpose(torch.rand(4, 3, 4), torch.rand(4, 3, 5, 3))
    with pytest.raises(TypeError, match="integrals must be a torch.Tensor"):
        conv.transpose([1.0], torch.rand(4, 3, 5, 3))


def test_filter_returning_several_values_per_point_is_refused() -> None:
    conv = ContinuousConvBlock(1, 1, [0.5, 0.5], UNIT_2D, model=lambda: nn.Linear(2, 3))
    with pytest.raises(ValueError, match=r"one value per point, shape \(n, 1\); got \(\d+, 3\)"):
        conv(torch.rand(1, 1, 10, 3))
