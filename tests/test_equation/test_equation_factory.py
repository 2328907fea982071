import pytest
import torch

from pina.equation import Equation, FixedFlux, FixedGradient, FixedValue, Laplace
from pina.label_tensor import LabelTensor


@pytest.fixture
def pts() -> LabelTensor:
    gen = torch.Generator().manual_seed(0)
    data = torch.rand(6, 2, generator=gen, dtype=torch.float64)
    return LabelTensor(data, ["x", "y"]).requires_grad_()


def xy(pts: LabelTensor) -> tuple[torch.Tensor, torch.Tensor]:
    return pts.extract("x").tensor, pts.extract("y").tensor


@pytest.fixture
def out(pts: LabelTensor) -> LabelTensor:
    # (u, v) = (x^2 y, x + y^3)
    x, y = xy(pts)
    return LabelTensor(torch.cat([x**2 * y, x + y**3], dim=-1), ["u", "v"])


@pytest.mark.parametrize("cls", [FixedValue, FixedGradient, FixedFlux])
def test_factories_are_equations(cls: type) -> None:
    eq = cls(0.0)
    assert isinstance(eq, Equation)
    assert eq.takes_params is False


def test_fixed_value_all_components(pts: LabelTensor, out: LabelTensor) -> None:
    x, y = xy(pts)
    res = FixedValue(1.0).residual(pts, out)
    assert type(res) is torch.Tensor
    torch.testing.assert_close(res, torch.cat([x**2 * y - 1, x + y**3 - 1], dim=-1))


@pytest.mark.parametrize("components", ["v", ["v"]])
def test_fixed_value_one_component(
    pts: LabelTensor, out: LabelTensor, components: str | list[str]
) -> None:
    x, y = xy(pts)
    eq = FixedValue(0.5, components=components)
    torch.testing.assert_close(eq.residual(pts, out), x + y**3 - 0.5)
    assert eq.value == 0.5


def test_fixed_value_tensor_value(pts: LabelTensor, out: LabelTensor) -> None:
    x, y = xy(pts)
    value = torch.tensor([1.0, -2.0], dtype=torch.float64)
    res = FixedValue(value, components=["v", "u"]).residual(pts, out)
    torch.testing.assert_close(res, torch.cat([x + y**3 - 1, x**2 * y + 2], dim=-1))


def test_fixed_value_zero_when_satisfied(pts: LabelTensor) -> None:
    const = LabelTensor(torch.full((6, 1), 3.0, dtype=torch.float64), "u")
    torch.testing.assert_close(
        FixedValue(3.0).residual(pts, const), torch.zeros(6, 1, dtype=torch.float64)
    )


def test_fixed_gradient(pts: LabelTensor, out: LabelTensor) -> None:
    x, y = xy(pts)
    res = FixedGradient(1.0, components="u").residual(pts, out)
    torch.testing.assert_close(res, torch.cat([2 * x * y - 1, x**2 - 1], dim=-1))
    res = FixedGradient(0.0, components="v", d="y").residual(pts, out)
    torch.testing.assert_close(res, 3 * y**2)


def test_fixed_gradient_all_components(pts: LabelTensor, out: LabelTensor) -> None:
    x, y = xy(pts)
    res = FixedGradient(0.0).residual(pts, out)
    expected = torch.cat([2 * x * y, x**2, torch.ones_like(x), 3 * y**2], dim=-1)
    torch.testing.assert_close(res, expected)


def test_fixed_flux(pts: LabelTensor, out: LabelTensor) -> None:
    x, y = xy(pts)
    # div (u, v) = 2 x y + 3 y^2
    res = FixedFlux(2.0).residual(pts, out)
    torch.testing.assert_close(res, 2 * x * y + 3 * y**2 - 2)
    res = FixedFlux(0.0, components=["v", "u"], d=["x", "y"]).residual(pts, out)
    torch.testing.assert_close(res, 1 + x**2)


def test_laplace(pts: LabelTensor, out: LabelTensor) -> None:
    x, y = xy(pts)
    # Delta u = 2 y, Delta v = 6 y
    torch.testing.assert_close(Laplace().residual(pts, out), torch.cat([2 * y, 6 * y], dim=-1))
    torch.testing.assert_close(Laplace(components="v", d="y").residual(pts, out), 6 * y)
    torch.testing.assert_close(Laplace(components=["u"], d=["x"]).residual(pts, out), 2 * y)


def test_laplace_harmonic_field_is_zero(pts: LabelTensor) -> None:
    x, y = xy(pts)
    u = LabelTensor(x**2 - y**2 + torch.exp(x) * torch.sin(y), "u")
    torch.testing.assert_close(Laplace().residual(pts, u), torch.zeros(6, 1, dtype=torch.float64))


def test_unknown_component_error(pts: LabelTensor, out: LabelTensor) -> None:
    with pytest.raises(ValueError, match=r"\['w'\] not found; available labels are \['u', 'v'\]"):
        FixedValue(0.0, components="w").residual(pts, out)
