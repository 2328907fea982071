"""KernelNeuralOperator, FourierIntegralKernel and FNO: composition, layout, widths, errors."""

import sys

import pytest
import torch
from torch import nn
from torch.nn import functional as F

from pina.label_tensor import LabelTensor
from pina.model.feed_forward import FeedForward
from pina.model.fno import FNO, FourierIntegralKernel
from pina.model.kernel_neural_operator import KernelNeuralOperator
from pina.model.layers.fourier import FourierBlock1D, FourierBlock2D, FourierBlock3D

GRIDS = {1: (12,), 2: (10, 9), 3: (6, 5, 7)}


@pytest.fixture(autouse=True)
def _seed() -> None:
    torch.manual_seed(0)


class Opaque(nn.Module):
    """A pointwise linear net that does not expose its widths."""

    def __init__(self, n_in: int, n_out: int) -> None:
        super().__init__()
        self.inner = nn.Linear(n_in, n_out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.inner(x)


def by_hand(fno: FNO, x: torch.Tensor, padding: tuple[int, ...]) -> torch.Tensor:
    """The FNO written out: lift, channels first, pad at the end, blocks, crop, project."""
    grid = x.shape[1:-1]
    h = fno.lifting_operator(x).movedim(-1, 1)
    pad = [amount for p in reversed(padding) for amount in (0, p)]
    h = F.pad(h, pad)
    for block in fno.integral_kernels._layers:
        h = block(h)
    h = h[(slice(None), slice(None), *(slice(0, n) for n in grid))]
    return fno.projection_operator(h.movedim(1, -1))


# ----------------------------------------------------------------------------- FNO maths
@pytest.mark.parametrize("dims", [1, 2, 3])
def test_fno_is_channels_last_and_matches_the_composition_by_hand(dims: int) -> None:
    fno = FNO(
        FeedForward(3, 8), FeedForward(8, 2), n_modes=2, dimensions=dims, inner_size=8, padding=3
    )
    x = torch.randn(2, *GRIDS[dims], 3)
    out = fno(x)
    assert out.shape == (2, *GRIDS[dims], 2)
    assert type(out) is torch.Tensor
    torch.testing.assert_close(out, by_hand(fno, x, (3,) * dims))


def test_fno_padding_per_dimension_pads_the_matching_dimension() -> None:
    fno = FNO(nn.Linear(2, 6), nn.Linear(6, 1), [3, 2], dimensions=2, inner_size=6, padding=[4, 0])
    x = torch.randn(3, 10, 7, 2)
    torch.testing.assert_close(fno(x), by_hand(fno, x, (4, 0)))


@pytest.mark.parametrize("dims", [1, 2, 3])
def test_fno_without_padding_commutes_with_circular_shifts(dims: int) -> None:
    # Pointwise lifting/projection and spectral convolutions all commute with shifts of the grid.
    fno = FNO(nn.Linear(2, 4), nn.Linear(4, 3), 2, dimensions=dims, inner_size=4, padding=0)
    x = torch.randn(2, *GRIDS[dims], 2)
    for axis in range(1, dims + 1):
        torch.testing.assert_close(fno(torch.roll(x, 2, axis)), torch.roll(fno(x), 2, axis))


def test_fno_acts_on_each_sample_independently() -> None:
    fno = FNO(nn.Linear(2, 4), nn.Linear(4, 1), 3, dimensions=2, inner_size=4)
    x = torch.randn(4, 8, 8, 2)
    torch.testing.assert_close(fno(x)[1:3], fno(x[1:3]))


def test_fno_label_tensor_input_gives_the_plain_tensor_result() -> None:
    fno = FNO(FeedForward(3, 8), nn.Linear(8, 1), 3, dimensions=2, inner_size=8)
    x = torch.randn(2, 9, 9, 3)
    out = fno(LabelTensor(x, ["a", "x", "y"]))
    assert type(out) is torch.Tensor
    torch.testing.assert_close(out, fno(x))


@pytest.mark.parametrize("dims", [1, 2, 3])
def test_fno_gradients_reach_every_parameter(dims: int) -> None:
    fno = FNO(FeedForward(2, 6), FeedForward(6, 1), 2, dimensions=dims, inner_size=6, padding=2)
    fno(torch.randn(2, *GRIDS[dims], 2)).sum().backward()
    named = dict(fno.named_parameters())
    assert any("_spectral_conv" in name for name in named)
    for name, p in named.items():
        assert p.grad is not None and p.grad.abs().sum() > 0, name


def test_fno_gradcheck_float64() -> None:
    fno = FNO(nn.Linear(2, 3), nn.Linear(3, 1), 2, dimensions=1, inner_size=3, padding=2).double()
    x = torch.randn(1, 8, 2, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(fno, (x,))


@pytest.mark.parametrize("padding_type", ["constant", "reflect", "replicate", "circular"])
def test_fno_padding_types(padding_type: str) -> None:
    fno = FNO(
        nn.Linear(1, 4),
        nn.Linear(4, 1),
        3,
        dimensions=2,
        inner_size=4,
        padding=2,
        padding_type=padding_type,
    )
    x = torch.randn(2, 8, 8, 1)
    h = F.pad(fno.lifting_operator(x).movedim(-1, 1), [0, 2, 0, 2], mode=padding_type)
    h = fno.integral_kernels._layers(h)[:, :, :8, :8]
    torch.testing.assert_close(fno(x), fno.projection_operator(h.movedim(1, -1)))


# ----------------------------------------------------------------------------- structure
def test_fno_structure_follows_pina_0_1() -> None:
    fno = FNO(nn.Linear(3, 10), nn.Linear(12, 1), 4, dimensions=2, layers=[16, 12], func=nn.ReLU)
    kernels = fno.integral_kernels
    assert isinstance(kernels, FourierIntegralKernel)
    blocks = list(kernels._layers)
    assert [type(b) for b in blocks] == [FourierBlock2D, FourierBlock2D]
    assert [(b.input_numb_fields, b.output_numb_fields) for b in blocks] == [(10, 16), (16, 12)]
    # one func after every block but the last, as PINA 0.1
    assert [type(b._activation) for b in blocks] == [nn.ReLU, nn.Identity]
    assert list(fno.state_dict()) == [
        "_lifting_operator.weight",
        "_lifting_operator.bias",
        "_integral_kernels._layers.0._spectral_conv._weights1",
        "_integral_kernels._layers.0._spectral_conv._weights2",
        "_integral_kernels._layers.0._linear.weight",
        "_integral_kernels._layers.0._linear.bias",
        "_integral_kernels._layers.1._spectral_conv._weights1",
        "_integral_kernels._layers.1._spectral_conv._weights2",
        "_integral_kernels._layers.1._linear.weight",
        "_integral_kernels._layers.1._linear.bias",
        "_projection_operator.weight",
        "_projection_operator.bias",
    ]


def test_fno_lifting_width_is_read_from_the_net() -> None:
    lifting = nn.Sequential(nn.Linear(3, 7), nn.Tanh())
    fno = FNO(lifting, nn.Linear(20, 1), 2, dimensions=1)
    assert fno.integral_kernels.input_numb_fields == 7
    assert fno(torch.randn(2, 10, 3)).shape == (2, 10, 1)
    assert (
        FNO(FeedForward(3, 5), nn.Linear(20, 1), 2, dimensions=1).integral_kernels.input_numb_fields
        == 5
    )


def test_fno_per_block_modes_and_activations() -> None:
    fno = FNO(
        nn.Linear(1, 4),
        nn.Linear(4, 1),
        [[3, 2], 2, (1, 4)],
        dimensions=2,
        inner_size=4,
        n_layers=3,
        func=[nn.ReLU, nn.GELU(), None],
    )
    blocks = list(fno.integral_kernels._layers)
    assert [b.n_modes for b in blocks] == [(3, 2), (2, 2), (1, 4)]
    assert [type(b._activation) for b in blocks] == [nn.ReLU, nn.GELU, nn.Identity]
    one_instance = nn.SiLU()
    shared = FNO(
        nn.Linear(1, 4),
        nn.Linear(4, 1),
        2,
        dimensions=1,
        inner_size=4,
        n_layers=3,
        func=one_instance,
    )
    activations = [b._activation for b in shared.integral_kernels._layers]
    assert activations[0] is not activations[1] and isinstance(activations[1], nn.SiLU)
    assert fno(torch.randn(1, 8, 8, 1)).shape == (1, 8, 8, 1)


def test_fno_loads_pina_0_1_checkpoints_with_complex_weights() -> None:
    def make() -> FNO:
        return FNO(nn.Linear(2, 4), nn.Linear(4, 1), 3, dimensions=2, inner_size=4)

    source, target = make(), make()
    legacy = {
        name: torch.view_as_complex(value) if "_weights" in name else value
        for name, value in source.state_dict().items()
    }
    target.load_state_dict(legacy)
    x = torch.randn(2, 8, 8, 2)
    torch.testing.assert_close(target(x), source(x))


def test_fourier_integral_kernel_alone() -> None:
    kernel = FourierIntegralKernel(3, 5, 2, dimensions=3, layers=[4, 5], padding=1)
    assert [type(b) for b in kernel._layers] == [FourierBlock3D, FourierBlock3D]
    out = kernel(torch.randn(2, 4, 5, 6, 3))
    assert out.shape == (2, 4, 5, 6, 5)
    assert (kernel.input_numb_fields, kernel.output_numb_fields, kernel.dimensions) == (3, 5, 3)
    assert isinstance(FourierIntegralKernel(1, 20, 2, dimensions=1)._layers[0], FourierBlock1D)


# ----------------------------------------------------------------------------- KernelNeuralOperator
def test_kernel_neural_operator_composes_lifting_kernels_projection() -> None:
    lifting, kernels, projection = nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2)
    operator = KernelNeuralOperator(lifting, kernels, projection)
    x = torch.randn(5, 7, 3)
    torch.testing.assert_close(operator(x), projection(torch.tanh(lifting(x))))
    assert operator.lifting_operator is lifting
    assert operator.integral_kernels is kernels
    assert operator.projection_operator is projection


def test_kernel_neural_operator_setters_replace_the_modules() -> None:
    operator = KernelNeuralOperator(nn.Linear(3, 4), nn.Identity(), nn.Linear(4, 2))
    new = nn.Linear(3, 4)
    operator.lifting_operator = new
    assert operator.lifting_operator is new
    assert list(dict(operator.named_children())) == [
        "_lifting_operator",
        "_integral_kernels",
        "_projection_operator",
    ]
    torch.testing.assert_close(operator.state_dict()["_lifting_operator.weight"], new.weight)
    with pytest.raises(TypeError, match="projection_operator must be a torch.nn.Module"):
        operator.projection_operator = "linear"


def test_kernel_neural_operator_checks_exposed_widths() -> None:
    kernels = FourierIntegralKernel(4, 6, 2, dimensions=1, inner_size=6)
    KernelNeuralOperator(nn.Linear(3, 4), kernels, nn.Linear(6, 1))
    with pytest.raises(
        ValueError,
        match="lifting_operator outputs 5 channels but integral_kernels expects "
        "input_numb_fields=4",
    ):
        KernelNeuralOperator(nn.Linear(3, 5), kernels, nn.Linear(6, 1))
    with pytest.raises(
        ValueError,
        match="projection_operator takes inputs of width 4 but integral_kernels "
        "outputs output_numb_fields=6",
    ):
        KernelNeuralOperator(FeedForward(3, 4), kernels, nn.Sequential(nn.Linear(4, 1)))
    operator = KernelNeuralOperator(nn.Linear(3, 4), kernels, nn.Linear(6, 1))
    old = operator.projection_operator
    with pytest.raises(ValueError, match="projection_operator takes inputs of width 7"):
        operator.projection_operator = nn.Linear(7, 1)
    assert operator.projection_operator is old
    with pytest.raises(TypeError, match="lifting_operator must be a torch.nn.Module"):
        KernelNeuralOperator(lambda x: x, kernels, nn.Linear(6, 1))


# ----------------------------------------------------------------------------- errors
def test_fno_lifting_width_mismatch_found_at_the_first_forward() -> None:
    fno = FNO(Opaque(3, 5), nn.Linear(8, 1), 2, dimensions=2, inner_size=8)
    with pytest.raises(
        ValueError,
        match=r"lifting_net outputs 5 channels but the first Fourier block takes 8: FNO could not "
        r"read lifting_net's output width .* took inner_size=8",
    ):
        fno(torch.randn(1, 8, 8, 3))
    fno = FNO(Opaque(3, 5), nn.Linear(8, 1), 2, dimensions=1, layers=[6, 8])
    with pytest.raises(ValueError, match=r"first Fourier block takes 6: .* took layers\[0\]=6"):
        fno(torch.randn(1, 8, 3))
    assert FNO(Opaque(3, 8), nn.Linear(8, 1), 2, dimensions=1, inner_size=8)(
        torch.randn(1, 8, 3)
    ).shape == (1, 8, 1)


def test_fno_projecting_width_mismatch_found_at_construction() -> None:
    with pytest.raises(
        ValueError,
        match=r"projecting_net takes inputs of width 7 but the last Fourier block outputs "
        r"inner_size=8 channels",
    ):
        FNO(nn.Linear(3, 8), FeedForward(7, 1), 2, dimensions=2, inner_size=8)
    with pytest.raises(
        ValueError, match=r"width 8 but the last Fourier block outputs layers\[-1\]=6"
    ):
        FNO(nn.Linear(3, 8), nn.Sequential(nn.Linear(8, 1)), 2, dimensions=2, layers=[8, 6])


@pytest.mark.skipif(sys.version_info < (3, 11), reason="exception notes need Python 3.11")
def test_fno_projecting_error_at_run_time_carries_a_note() -> None:
    fno = FNO(nn.Linear(3, 8), Opaque(7, 1), 2, dimensions=1, inner_size=8)
    with pytest.raises(RuntimeError) as info:
        fno(torch.randn(1, 8, 3))
    assert any("projecting_net must take inputs of width 8" in n for n in info.value.__notes__)


def test_fno_n_modes_larger_than_the_padded_grid() -> None:
    fno = FNO(nn.Linear(3, 4), nn.Linear(4, 1), 12, dimensions=2, inner_size=4)
    with pytest.raises(
        ValueError,
        match=r"n_modes=\(12, 12\) of Fourier block 0 does not fit the grid \(10, 10\) padded to "
        r"\(18, 18\) \(padding=\(8, 8\)\): along spatial dimension 0 \(18 points\) at most 9",
    ):
        fno(torch.randn(1, 10, 10, 3))
    fno(torch.randn(1, 16, 16, 3))  # 24 points: 12 fit


def test_fno_wrong_dimensions_and_input_rank() -> None:
    with pytest.raises(
        ValueError, match=r"dimensions=4 is not supported; choose one of \[1, 2, 3\]"
    ):
        FNO(nn.Linear(3, 4), nn.Linear(4, 1), 2, dimensions=4, inner_size=4)
    with pytest.raises(TypeError, match="dimensions must be an int"):
        FNO(nn.Linear(3, 4), nn.Linear(4, 1), 2, dimensions="2", inner_size=4)
    fno = FNO(nn.Linear(3, 4), nn.Linear(4, 1), 2, dimensions=2, inner_size=4)
    with pytest.raises(
        ValueError,
        match=r"FNO with dimensions=2 expects x of shape \(batch, Nx, Ny, channels\), channels "
        r"last; got \(1, 64, 3\)",
    ):
        fno(torch.randn(1, 64, 3))


def test_fno_argument_errors() -> None:
    lift, proj = nn.Linear(3, 4), nn.Linear(4, 1)
    with pytest.raises(TypeError, match="lifting_net must be a torch.nn.Module"):
        FNO("mlp", proj, 2)
    with pytest.raises(TypeError, match="projecting_net must be a torch.nn.Module"):
        FNO(lift, None, 2)
    with pytest.raises(ValueError, match=r"padding_type='zeros' is not supported; choose one of"):
        FNO(lift, proj, 2, dimensions=1, inner_size=4, padding_type="zeros")
    with pytest.raises(ValueError, match=r"padding=\[1, 2\] has 2 entries but dimensions=3"):
        FNO(lift, proj, 2, inner_size=4, padding=[1, 2])
    with pytest.raises(ValueError, match="padding=-1 must be an int >= 0"):
        FNO(lift, proj, 2, dimensions=1, inner_size=4, padding=-1)
    with pytest.raises(ValueError, match=r"layers=\[\] gives no Fourier block"):
        FNO(lift, proj, 2, dimensions=1, layers=[])
    with pytest.raises(ValueError, match="n_layers=0 must be an int >= 1"):
        FNO(lift, proj, 2, dimensions=1, inner_size=4, n_layers=0)
    with pytest.raises(ValueError, match="func has 3 entries but there are 2 Fourier blocks"):
        FNO(lift, proj, 2, dimensions=1, inner_size=4, func=[nn.ReLU] * 3)
    with pytest.raises(ValueError, match=r"n_modes=\[\[2\], \[2\], \[2\]\] gives modes for 3"):
        FNO(lift, proj, [[2], [2], [2]], dimensions=1, inner_size=4)
    with pytest.raises(ValueError, match=r"n_modes=\[2, 2\] has 2 entries but the block has 3"):
        FNO(lift, proj, [2, 2], dimensions=3, inner_size=4)
    with pytest.raises(ValueError, match=r"n_modes\[1\]\[0\]=0 must be an int >= 1"):
        FNO(lift, proj, [[2, 2], [0, 2]], dimensions=2, inner_size=4)


def test_fourier_integral_kernel_errors() -> None:
    with pytest.raises(
        ValueError,
        match=r"output_numb_fields=3 but the last Fourier block outputs inner_size=20 channels",
    ):
        FourierIntegralKernel(2, 3, 4, dimensions=1)
    kernel = FourierIntegralKernel(2, 20, 2, dimensions=2)
    with pytest.raises(
        ValueError,
        match=r"dimensions=2 expects an input of shape \(batch, Nx, Ny, input_numb_fields=2\), "
        r"channels last; got \(1, 8, 8, 3\)",
    ):
        kernel(torch.randn(1, 8, 8, 3))
