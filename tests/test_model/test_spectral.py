"""Spectral convolutions and Fourier blocks, checked against closed-form Fourier maths.

On the periodic grid x_j = j / N, the real input sin(2 pi k x) has the single
mode k; a spectral convolution multiplying mode k by w = r e^{i phi} returns
r sin(2 pi k x + phi), and any mode it does not keep comes out as zero.
"""

import itertools
import math

import pytest
import torch
from torch import nn

from pina.model.layers.fourier import FourierBlock1D, FourierBlock2D, FourierBlock3D
from pina.model.layers.spectral import (
    SpectralConvBlock1D,
    SpectralConvBlock2D,
    SpectralConvBlock3D,
)

SPECTRAL = {1: SpectralConvBlock1D, 2: SpectralConvBlock2D, 3: SpectralConvBlock3D}
FOURIER = {1: FourierBlock1D, 2: FourierBlock2D, 3: FourierBlock3D}


@pytest.fixture(autouse=True)
def _seed() -> None:
    torch.manual_seed(0)


def periodic_grid(n: int) -> torch.Tensor:
    return torch.arange(n, dtype=torch.float64) / n


def random_complex(*shape: int) -> torch.Tensor:
    return torch.randn(*shape, dtype=torch.complex128)


def set_weights(block: nn.Module, values: list[torch.Tensor]) -> None:
    with torch.no_grad():
        for weight, value in zip(block.weights, values):
            weight.copy_(value)


def separable_sine(grid_sizes: tuple[int, ...], ks: tuple[int, ...]) -> torch.Tensor:
    """prod_d sin(2 pi k_d x_d) on the periodic grid, shape (1, 1, *grid_sizes)."""
    axes = torch.meshgrid(*(periodic_grid(n) for n in grid_sizes), indexing="ij")
    u = torch.ones(grid_sizes, dtype=torch.float64)
    for x, k in zip(axes, ks):
        u = u * torch.sin(2 * math.pi * k * x)
    return u[None, None]


def multiplier(
    freq: tuple[int, ...], modes: tuple[int, ...], weights: list[torch.Tensor]
) -> complex:
    """The weight a spectral block applies to the frequency ``freq`` (last entry >= 0), or 0.

    Along a leading dimension, frequencies 0..m-1 are in the "+" corner at index f and
    -m..-1 in the "-" corner at index f + m; along the last, 0..m-1 at index f. Corners
    are ordered as itertools.product((+1, -1), ...) over the leading dimensions.
    """
    corner, index = [], []
    for f, m in zip(freq[:-1], modes[:-1]):
        if not -m <= f < m:
            return 0j
        corner.append(1 if f >= 0 else -1)
        index.append(f if f >= 0 else f + m)
    if freq[-1] >= modes[-1]:
        return 0j
    corners = list(itertools.product((1, -1), repeat=len(modes) - 1))
    return complex(weights[corners.index(tuple(corner))][(0, 0, *index, freq[-1])])


def expected_separable(
    grid_sizes: tuple[int, ...],
    ks: tuple[int, ...],
    modes: tuple[int, ...],
    weights: list[torch.Tensor],
) -> torch.Tensor:
    """The spectral convolution of prod_d sin(2 pi k_d x_d) (k_d > 0), written out by hand.

    sin t = (e^{it} - e^{-it}) / (2i), so the input is the sum over signs s in {+1, -1}^D of
    prod(s) / (2i)^D e^{2 pi i sum_d s_d k_d x_d}. The term of frequency f = (s_d k_d) is
    multiplied by the weight of f when f_last > 0, and by the conjugate of the weight of -f
    when f_last < 0 (the output is real).
    """
    axes = torch.meshgrid(*(periodic_grid(n) for n in grid_sizes), indexing="ij")
    out = torch.zeros(grid_sizes, dtype=torch.complex128)
    for signs in itertools.product((1, -1), repeat=len(ks)):
        freq = tuple(s * k for s, k in zip(signs, ks))
        if signs[-1] == 1:
            factor = multiplier(freq, modes, weights)
        else:
            factor = multiplier(tuple(-f for f in freq), modes, weights).conjugate()
        phase = sum(2 * math.pi * f * x for f, x in zip(freq, axes))
        out = out + math.prod(signs) / (2j) ** len(ks) * factor * torch.exp(1j * phase)
    assert out.imag.abs().max() < 1e-12
    return out.real[None, None]


# ----------------------------------------------------------------------------- 1-D maths
@pytest.mark.parametrize("k", [1, 3, 4])
def test_1d_single_mode_is_scaled_and_phase_shifted(k: int) -> None:
    n, m = 32, 5
    block = SpectralConvBlock1D(1, 1, m).double()
    weights = random_complex(1, 1, m)  # every kept mode set; only mode k may matter
    r, phi = 1.7, 0.6
    weights[0, 0, k] = r * complex(math.cos(phi), math.sin(phi))
    set_weights(block, [weights])
    x = periodic_grid(n)
    out = block(torch.sin(2 * math.pi * k * x)[None, None])
    assert out.shape == (1, 1, n)
    torch.testing.assert_close(out[0, 0], r * torch.sin(2 * math.pi * k * x + phi))


def test_1d_mixes_channels_with_the_complex_matrix_of_the_mode() -> None:
    n, m, k = 24, 4, 2
    block = SpectralConvBlock1D(2, 3, m).double()
    weights = random_complex(2, 3, m)
    set_weights(block, [weights])
    x = periodic_grid(n)
    shifts = torch.tensor([0.3, -1.1], dtype=torch.float64)
    u = torch.sin(2 * math.pi * k * x + shifts[:, None])[None]  # (1, 2, n)
    out = block(u)
    w = weights[:, :, k]
    expected = sum(
        w[i].abs()[:, None] * torch.sin(2 * math.pi * k * x + shifts[i] + w[i].angle()[:, None])
        for i in range(2)
    )
    torch.testing.assert_close(out[0], expected)


def test_1d_zero_mode_scales_the_mean_by_the_real_part() -> None:
    block = SpectralConvBlock1D(1, 1, 3).double()
    weights = random_complex(1, 1, 3)
    set_weights(block, [weights])
    out = block(torch.full((1, 1, 16), 2.5, dtype=torch.float64))
    torch.testing.assert_close(out, torch.full_like(out, 2.5 * weights[0, 0, 0].real.item()))


@pytest.mark.parametrize("k", [5, 7, 8])
def test_1d_modes_at_or_above_n_modes_are_filtered_out(k: int) -> None:
    block = SpectralConvBlock1D(2, 2, 5).double()
    set_weights(block, [random_complex(2, 2, 5)])
    u = torch.sin(2 * math.pi * k * periodic_grid(16)).expand(3, 2, 16)
    torch.testing.assert_close(block(u), torch.zeros(3, 2, 16, dtype=torch.float64))


def test_1d_commutes_with_circular_shifts() -> None:
    block = SpectralConvBlock1D(2, 3, 6)
    u = torch.randn(4, 2, 20)
    torch.testing.assert_close(block(torch.roll(u, 7, dims=-1)), torch.roll(block(u), 7, dims=-1))


# ----------------------------------------------------------------------------- 2-D, 3-D maths
@pytest.mark.parametrize(
    ("grid_sizes", "modes", "ks"),
    [
        ((16, 12), (4, 5), (2, 3)),
        ((16, 12), (4, 5), (3, 1)),
        ((16, 12), (4, 5), (4, 1)),  # kx = m_x: only the -m_x half is kept
        ((8, 10, 6), (3, 4, 2), (2, 3, 1)),
        ((8, 10, 6), (3, 4, 3), (1, 1, 2)),
        ((8, 10, 6), (3, 4, 2), (1, 4, 1)),  # ky = m_y: only the -m_y half is kept
    ],
)
def test_separable_mode_is_multiplied_by_its_corner_weights(grid_sizes, modes, ks) -> None:
    block = SPECTRAL[len(grid_sizes)](1, 1, list(modes)).double()
    weights = [random_complex(1, 1, *modes) for _ in block.weights]
    set_weights(block, weights)
    out = block(separable_sine(grid_sizes, ks))
    assert out.shape == (1, 1, *grid_sizes)
    expected = expected_separable(grid_sizes, ks, modes, weights)
    assert expected.abs().max() > 0.1
    torch.testing.assert_close(out, expected)


def test_2d_equal_corner_weights_shift_the_phase_along_the_last_dimension() -> None:
    # w on both corners: sin(2 pi kx x) sin(2 pi ky y) -> r sin(2 pi kx x) sin(2 pi ky y + phi).
    block = SpectralConvBlock2D(1, 1, [3, 4]).double()
    r, phi = 0.8, -1.2
    w = r * complex(math.cos(phi), math.sin(phi))
    set_weights(block, [torch.full((1, 1, 3, 4), w, dtype=torch.complex128)] * 2)
    x, y = torch.meshgrid(periodic_grid(10), periodic_grid(14), indexing="ij")
    out = block(separable_sine((10, 14), (2, 3)))
    expected = r * torch.sin(2 * math.pi * 2 * x) * torch.sin(2 * math.pi * 3 * y + phi)
    torch.testing.assert_close(out[0, 0], expected)


@pytest.mark.parametrize(
    ("grid_sizes", "modes", "ks"),
    [
        ((16, 12), (4, 5), (5, 1)),  # |kx| > m_x
        ((16, 12), (4, 5), (1, 5)),  # ky >= m_y
        ((8, 10, 6), (3, 4, 2), (4, 1, 1)),
        ((8, 10, 6), (3, 4, 2), (1, 5, 1)),
        ((8, 10, 6), (3, 4, 2), (1, 1, 2)),
    ],
)
def test_separable_modes_outside_n_modes_are_filtered_out(grid_sizes, modes, ks) -> None:
    block = SPECTRAL[len(grid_sizes)](1, 2, list(modes)).double()
    set_weights(block, [random_complex(1, 2, *modes) for _ in block.weights])
    out = block(separable_sine(grid_sizes, ks))
    torch.testing.assert_close(out, torch.zeros(1, 2, *grid_sizes, dtype=torch.float64))


@pytest.mark.parametrize("dims", [2, 3])
def test_commutes_with_circular_shifts_along_every_axis(dims: int) -> None:
    block = SPECTRAL[dims](2, 2, 3)
    u = torch.randn(2, 2, *[8, 7, 6][:dims])
    for axis in range(2, dims + 2):
        torch.testing.assert_close(
            block(torch.roll(u, 3, dims=axis)), torch.roll(block(u), 3, dims=axis)
        )


# ----------------------------------------------------------------------------- autograd, dtype
@pytest.mark.parametrize(
    ("dims", "shape", "modes"),
    [(1, (2, 2, 8), 3), (2, (1, 2, 6, 5), [2, 3]), (3, (1, 1, 4, 4, 4), 2)],
)
def test_gradcheck_float64(dims: int, shape: tuple[int, ...], modes) -> None:
    block = SPECTRAL[dims](shape[1], 2, modes).double()
    names = [name for name, _ in block.named_parameters()]
    params = tuple(p.detach().clone().requires_grad_() for p in block.parameters())
    x = torch.randn(*shape, dtype=torch.float64, requires_grad=True)

    def f(x, *weights):
        return torch.func.functional_call(block, dict(zip(names, weights)), (x,))

    assert torch.autograd.gradcheck(f, (x, *params))


def test_parameters_are_real_with_a_trailing_real_imaginary_dimension() -> None:
    block = SpectralConvBlock3D(2, 5, [3, 4, 2])
    shapes = {name: tuple(p.shape) for name, p in block.named_parameters()}
    assert shapes == {f"_weights{i}": (2, 5, 3, 4, 2, 2) for i in range(1, 5)}
    assert all(p.dtype == torch.float32 for p in block.parameters())
    assert [w.shape for w in block.weights] == [(2, 5, 3, 4, 2)] * 4
    assert all(w.dtype == torch.complex64 for w in block.weights)
    assert SpectralConvBlock1D(2, 5, 4).n_modes == (4,)
    assert (block.input_numb_fields, block.output_numb_fields) == (2, 5)


def test_casting_to_float64_keeps_the_imaginary_parts() -> None:
    block = SpectralConvBlock1D(1, 1, 4)
    before = block.weights[0].clone()
    block.to(torch.float64)
    assert block.weights[0].dtype == torch.complex128
    torch.testing.assert_close(block.weights[0], before.to(torch.complex128))
    assert block(torch.randn(2, 1, 10, dtype=torch.float64)).dtype == torch.float64


@pytest.mark.parametrize("dims", [1, 2, 3])
def test_loads_pina_0_1_complex_checkpoints(dims: int) -> None:
    block = SPECTRAL[dims](2, 3, 2)
    legacy = {name: torch.view_as_complex(p.detach()) for name, p in block.named_parameters()}
    legacy = {name: random_complex(*w.shape).to(torch.complex64) for name, w in legacy.items()}
    block.load_state_dict(legacy)
    for weight, name in zip(block.weights, legacy):
        torch.testing.assert_close(weight, legacy[name])


# ----------------------------------------------------------------------------- errors
def test_n_modes_too_large_for_the_grid() -> None:
    SpectralConvBlock1D(1, 1, 9)(torch.randn(1, 1, 16))  # N // 2 + 1 fits
    with pytest.raises(ValueError, match=r"n_modes=\(10,\) does not fit the grid \(16,\)"):
        SpectralConvBlock1D(1, 1, 10)(torch.randn(1, 1, 16))
    SpectralConvBlock2D(1, 1, [8, 9])(torch.randn(1, 1, 16, 16))
    with pytest.raises(
        ValueError, match=r"spatial dimension 0 \(16 points\) at most 8 modes fit .* got 9"
    ):
        SpectralConvBlock2D(1, 1, [9, 9])(torch.randn(1, 1, 16, 16))
    with pytest.raises(ValueError, match=r"spatial dimension 2 \(6 points\) at most 4 modes"):
        SpectralConvBlock3D(1, 1, [2, 2, 5])(torch.randn(1, 1, 8, 8, 6))


def test_wrong_input_shape() -> None:
    with pytest.raises(ValueError, match=r"expects an input of shape \(batch, input_numb_fields=2"):
        SpectralConvBlock2D(2, 1, 2)(torch.randn(1, 3, 8, 8))
    with pytest.raises(ValueError, match=r"\(batch, input_numb_fields=2, N0, N1\); got \(8, 8\)"):
        SpectralConvBlock2D(2, 1, 2)(torch.randn(8, 8))


def test_constructor_errors() -> None:
    with pytest.raises(ValueError, match=r"n_modes=\[2, 3\] has 2 entries but the block has 3"):
        SpectralConvBlock3D(1, 1, [2, 3])
    with pytest.raises(ValueError, match=r"n_modes\[1\]=0 must be an int >= 1"):
        SpectralConvBlock2D(1, 1, [2, 0])
    with pytest.raises(TypeError, match="n_modes must be an int or a list/tuple of 1 int"):
        SpectralConvBlock1D(1, 1, 2.5)
    with pytest.raises(ValueError, match="input_numb_fields=0 must be an int >= 1"):
        SpectralConvBlock1D(0, 1, 2)
    with pytest.raises(TypeError, match="output_numb_fields must be an int"):
        SpectralConvBlock1D(1, "2", 2)


# ----------------------------------------------------------------------------- Fourier blocks
def test_fourier_block_1d_is_activation_of_spectral_plus_linear_skip() -> None:
    n, m, k = 20, 4, 3
    block = FourierBlock1D(2, 1, m).double()
    weights = torch.zeros(2, 1, m, dtype=torch.complex128)
    r, phi = 1.5, 0.4
    weights[0, 0, k] = r * complex(math.cos(phi), math.sin(phi))
    set_weights(block._spectral_conv, [weights])
    with torch.no_grad():
        block._linear.weight.copy_(torch.tensor([[[0.7], [-0.3]]]))
        block._linear.bias.fill_(0.2)
    x = periodic_grid(n)
    u = torch.stack([torch.sin(2 * math.pi * k * x), torch.ones(n, dtype=torch.float64)])[None]
    expected = torch.tanh(
        r * torch.sin(2 * math.pi * k * x + phi) + 0.7 * torch.sin(2 * math.pi * k * x) - 0.3 + 0.2
    )
    torch.testing.assert_close(block(u)[0, 0], expected)


@pytest.mark.parametrize("dims", [1, 2, 3])
def test_fourier_block_matches_spectral_conv_plus_pointwise_linear(dims: int) -> None:
    block = FOURIER[dims](3, 2, 2, activation=nn.Softplus).double()
    weight = torch.randn(2, 3, dtype=torch.float64)
    bias = torch.tensor([0.5, -1.0], dtype=torch.float64)
    with torch.no_grad():
        block._linear.weight.copy_(weight.reshape(2, 3, *[1] * dims))
        block._linear.bias.copy_(bias)
    u = torch.randn(2, 3, *[6, 5, 4][:dims], dtype=torch.float64)
    skip = torch.einsum("oi,bi...->bo...", weight, u) + bias.reshape(2, *[1] * dims)
    expected = nn.functional.softplus(block._spectral_conv(u) + skip)
    out = block(u)
    assert out.shape == (2, 2, *u.shape[2:])
    torch.testing.assert_close(out, expected)


@pytest.mark.parametrize("dims", [1, 2, 3])
def test_fourier_block_gradients_reach_every_parameter(dims: int) -> None:
    block = FOURIER[dims](2, 3, 2)
    block(torch.randn(2, 2, *[6, 6, 6][:dims])).sum().backward()
    for name, p in block.named_parameters():
        assert p.grad is not None and p.grad.abs().sum() > 0, name


def test_fourier_block_layout_and_activations() -> None:
    block = FourierBlock2D(3, 4, [2, 3])
    assert list(block.state_dict()) == [
        "_spectral_conv._weights1",
        "_spectral_conv._weights2",
        "_linear.weight",
        "_linear.bias",
    ]
    assert block._linear.weight.shape == (4, 3, 1, 1)
    assert isinstance(block._activation, nn.Tanh)
    assert (block.input_numb_fields, block.output_numb_fields, block.n_modes) == (3, 4, (2, 3))
    assert isinstance(FourierBlock1D(1, 1, 2, activation=None)._activation, nn.Identity)
    gelu = nn.GELU()
    assert FourierBlock3D(1, 1, 2, activation=gelu)._activation is gelu
    with pytest.raises(TypeError, match="activation must be a torch.nn.Module subclass"):
        FourierBlock1D(1, 1, 2, activation="tanh")
    with pytest.raises(TypeError, match="activation must be a torch.nn.Module subclass"):
        FourierBlock1D(1, 1, 2, activation=int)
