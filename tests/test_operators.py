from collections.abc import Callable

import pytest
import torch

from pina.label_tensor import LabelTensor
from pina.operators import advection, div, grad, laplacian


@pytest.fixture
def pts() -> LabelTensor:
    gen = torch.Generator().manual_seed(0)
    data = torch.rand(7, 2, generator=gen, dtype=torch.float64) * 2 - 1
    return LabelTensor(data, ["x", "y"]).requires_grad_()


def cols(pts: LabelTensor) -> tuple[torch.Tensor, torch.Tensor]:
    return pts.extract("x").tensor, pts.extract("y").tensor


def scalar_field(pts: LabelTensor) -> LabelTensor:
    """u = x^2 y + sin(y)."""
    x, y = cols(pts)
    return LabelTensor(x**2 * y + torch.sin(y), "u")


def vector_field(pts: LabelTensor) -> LabelTensor:
    """(a, b) = (x y, x + y^2)."""
    x, y = cols(pts)
    return LabelTensor(torch.cat([x * y, x + y**2], dim=-1), ["a", "b"])


def close(actual: torch.Tensor, expected: torch.Tensor) -> None:
    assert isinstance(actual, LabelTensor)
    torch.testing.assert_close(actual.tensor, expected)


# ----------------------------------------------------------------------------------- grad
def test_grad_scalar(pts: LabelTensor) -> None:
    x, y = cols(pts)
    g = grad(scalar_field(pts), pts)
    assert g.labels == ["dudx", "dudy"]
    assert g.shape == (7, 2)
    close(g, torch.cat([2 * x * y, x**2 + torch.cos(y)], dim=-1))


def test_grad_vector_component_major(pts: LabelTensor) -> None:
    x, y = cols(pts)
    g = grad(vector_field(pts), pts)
    assert g.labels == ["dadx", "dady", "dbdx", "dbdy"]
    close(g, torch.cat([y, x, torch.ones_like(x), 2 * y], dim=-1))


@pytest.mark.parametrize(
    ("components", "d", "labels"),
    [
        ("b", "y", ["dbdy"]),
        (["b"], ["y"], ["dbdy"]),
        (["b", "a"], "x", ["dbdx", "dadx"]),
        ("a", ["y", "x"], ["dady", "dadx"]),
    ],
)
def test_grad_components_and_d_str_or_list(
    pts: LabelTensor, components: str | list[str], d: str | list[str], labels: list[str]
) -> None:
    x, y = cols(pts)
    closed = {"dadx": y, "dady": x, "dbdx": torch.ones_like(x), "dbdy": 2 * y}
    g = grad(vector_field(pts), pts, components=components, d=d)
    assert g.labels == labels
    close(g, torch.cat([closed[name] for name in labels], dim=-1))


def test_second_derivative_labels_and_values(pts: LabelTensor) -> None:
    x, y = cols(pts)
    g = grad(scalar_field(pts), pts)
    gxx = grad(g, pts, components="dudx", d="x")
    assert gxx.labels == ["ddudxdx"]
    close(gxx, 2 * y)
    gxy = grad(g, pts, components=["dudx"], d=["y"])
    assert gxy.labels == ["ddudxdy"]
    close(gxy, 2 * x)
    full = grad(g, pts)
    assert full.labels == ["ddudxdx", "ddudxdy", "ddudydx", "ddudydy"]
    close(full, torch.cat([2 * y, 2 * x, 2 * x, -torch.sin(y)], dim=-1))


def test_grad_subset_of_three_variables() -> None:
    data = torch.tensor([[1.0, 2.0, 3.0], [-0.5, 0.25, 2.0]], dtype=torch.float64)
    pts = LabelTensor(data, ["x", "y", "t"]).requires_grad_()
    x, y, t = (pts.extract(n).tensor for n in ("x", "y", "t"))
    w = LabelTensor(x * y * t, "w")
    g = grad(w, pts, d=["t", "x"])
    assert g.labels == ["dwdt", "dwdx"]
    close(g, torch.cat([x * y, y * t], dim=-1))


def test_grad_of_field_built_from_extracted_columns() -> None:
    # The field is computed from an extracted view; the derivative is still
    # taken with respect to the full input tensor.
    pts = LabelTensor(torch.tensor([[0.5, 2.0]], dtype=torch.float64), ["t", "x"])
    pts.requires_grad_()
    u = LabelTensor(torch.exp(pts["t"].tensor) * pts["x"].tensor ** 3, "u")
    g = grad(u, pts, d="x")
    torch.testing.assert_close(
        g.tensor, torch.tensor([[torch.e**0.5 * 3 * 4.0]], dtype=torch.float64)
    )


def test_grad_of_constant_is_zero(pts: LabelTensor) -> None:
    const = LabelTensor(torch.ones(7, 1, dtype=torch.float64), "c")
    g = grad(const, pts)
    assert g.labels == ["dcdx", "dcdy"]
    close(g, torch.zeros(7, 2, dtype=torch.float64))


def test_derivatives_backpropagate_to_parameters(pts: LabelTensor) -> None:
    w = torch.tensor(1.5, dtype=torch.float64, requires_grad=True)
    x, _ = cols(pts)
    u = LabelTensor(w * x**2, "u")
    dudx = grad(u, pts, d="x")  # 2 w x
    dudx.tensor.sum().backward()
    assert w.grad is not None
    torch.testing.assert_close(w.grad, (2 * x).sum().detach())


# ------------------------------------------------------------------------------------ div
def test_div_vector(pts: LabelTensor) -> None:
    _, y = cols(pts)
    d = div(vector_field(pts), pts)
    assert d.labels == ["dadx+dbdy"]
    assert d.shape == (7, 1)
    close(d, 3 * y)


def test_div_with_explicit_pairing(pts: LabelTensor) -> None:
    x, y = cols(pts)
    d = div(vector_field(pts), pts, components=["a", "b"], d=["y", "x"])
    assert d.labels == ["dady+dbdx"]
    close(d, x + 1)


# ------------------------------------------------------------------------------ laplacian
def test_laplacian_scalar(pts: LabelTensor) -> None:
    _, y = cols(pts)
    lap = laplacian(scalar_field(pts), pts)
    assert lap.labels == ["ddu"]
    assert lap.shape == (7, 1)
    close(lap, 2 * y - torch.sin(y))


@pytest.mark.parametrize("method", ["std", "divgrad"])
def test_laplacian_full_per_component(pts: LabelTensor, method: str) -> None:
    # (a, b) = (x^2 + 3 y^2, x y^2): full Laplacians are 8 and 2x (pairing
    # components with variables, as PINA 0.1.1 did, would give 2 and 2x).
    x, y = cols(pts)
    field = LabelTensor(torch.cat([x**2 + 3 * y**2, x * y**2], dim=-1), ["a", "b"])
    lap = laplacian(field, pts, components=["a", "b"], method=method)
    assert lap.labels == ["dda", "ddb"]
    close(lap, torch.cat([torch.full_like(x, 8.0), 2 * x], dim=-1))


def test_laplacian_components_and_d_as_str(pts: LabelTensor) -> None:
    x, y = cols(pts)
    field = LabelTensor(torch.cat([x**2 + 3 * y**2, x * y**2], dim=-1), ["a", "b"])
    lap = laplacian(field, pts, components="b", d="y")
    assert lap.labels == ["ddb"]
    close(lap, 2 * x)


def test_laplacian_of_linear_field_is_zero(pts: LabelTensor) -> None:
    # The first derivatives are constants, off the graph: the second are 0.
    x, y = cols(pts)
    u = LabelTensor(2 * x - y + 1, "u")
    close(laplacian(u, pts), torch.zeros(7, 1, dtype=torch.float64))
    close(grad(grad(u, pts), pts), torch.zeros(7, 4, dtype=torch.float64))


# ------------------------------------------------------------------------------ advection
def test_advection_vector(pts: LabelTensor) -> None:
    x, y = cols(pts)
    a, b = x * y, x + y**2
    adv = advection(vector_field(pts), pts, velocity_field=["a", "b"])
    assert adv.labels == ["adva", "advb"]
    close(adv, torch.cat([a * y + b * x, a * 1 + b * 2 * y], dim=-1))


def test_advection_of_scalar_by_other_columns(pts: LabelTensor) -> None:
    # u advected by the constant velocity (p, q) = (2, -1): 2 du/dx - du/dy.
    x, y = cols(pts)
    u = x**2 * y + torch.sin(y)
    out = LabelTensor(
        torch.cat([u, torch.full_like(x, 2.0), -torch.ones_like(x)], -1), ["u", "p", "q"]
    )
    adv = advection(out, pts, velocity_field=["p", "q"], components="u")
    assert adv.labels == ["advu"]
    close(adv, 2 * (2 * x * y) - (x**2 + torch.cos(y)))


# ------------------------------------------------------------------------------- gradcheck
def _fn(op: Callable[[LabelTensor, LabelTensor], LabelTensor]) -> Callable[..., torch.Tensor]:
    def f(data: torch.Tensor) -> torch.Tensor:
        pts = LabelTensor(data, ["x", "y"])
        x, y = cols(pts)
        field = torch.cat([torch.sin(x) * y**2, torch.exp(0.5 * x) + x * y], dim=-1)
        return op(LabelTensor(field, ["a", "b"]), pts).tensor

    return f


@pytest.mark.parametrize(
    "op",
    [
        lambda u, p: grad(u, p),
        lambda u, p: grad(u, p, components="b", d="y"),
        lambda u, p: div(u, p),
        lambda u, p: laplacian(u, p),
        lambda u, p: advection(u, p, velocity_field=["a", "b"]),
    ],
    ids=["grad", "grad_b_y", "div", "laplacian", "advection"],
)
def test_gradcheck(op: Callable[[LabelTensor, LabelTensor], LabelTensor]) -> None:
    gen = torch.Generator().manual_seed(1)
    data = torch.rand(4, 2, generator=gen, dtype=torch.float64).requires_grad_()
    assert torch.autograd.gradcheck(_fn(op), (data,))


# --------------------------------------------------------------------------------- errors
def test_unknown_component(pts: LabelTensor) -> None:
    with pytest.raises(
        ValueError, match=r"components=\['w'\]: \['w'\] not found; available labels are \['u'\]"
    ):
        grad(scalar_field(pts), pts, components="w")


def test_unknown_variable(pts: LabelTensor) -> None:
    with pytest.raises(
        ValueError, match=r"d=\['x', 'z'\]: \['z'\] not found; available labels are \['x', 'y'\]"
    ):
        laplacian(scalar_field(pts), pts, d=["x", "z"])


def test_empty_components(pts: LabelTensor) -> None:
    with pytest.raises(ValueError, match="components must name at least one label"):
        grad(scalar_field(pts), pts, components=[])


@pytest.mark.parametrize("op", [grad, div, laplacian])
def test_output_not_label_tensor(pts: LabelTensor, op: Callable[..., LabelTensor]) -> None:
    with pytest.raises(TypeError, match="output_ must be a LabelTensor; got Tensor"):
        op(vector_field(pts).tensor, pts)


def test_input_not_label_tensor(pts: LabelTensor) -> None:
    with pytest.raises(TypeError, match="input_ must be a LabelTensor; got Tensor"):
        grad(scalar_field(pts), pts.tensor)  # type: ignore[arg-type]


@pytest.mark.parametrize("op", [grad, div, laplacian])
def test_input_without_requires_grad(op: Callable[..., LabelTensor]) -> None:
    pts = LabelTensor(torch.rand(3, 2), ["x", "y"])
    with pytest.raises(ValueError, match=r"input_ does not require gradients.*requires_grad_\(\)"):
        op(vector_field(pts), pts)


def test_div_mismatched_lengths(pts: LabelTensor) -> None:
    with pytest.raises(
        ValueError, match=r"div needs as many components as variables.*\['a', 'b'\].*\['x'\]"
    ):
        div(vector_field(pts), pts, d="x")


def test_div_single_component(pts: LabelTensor) -> None:
    with pytest.raises(ValueError, match="at least two"):
        div(vector_field(pts), pts, components="a", d="x")


def test_laplacian_unknown_method(pts: LabelTensor) -> None:
    with pytest.raises(
        ValueError, match=r"method='fast' is not supported; choose one of \['divgrad', 'std'\]"
    ):
        laplacian(scalar_field(pts), pts, method="fast")


def test_advection_velocity_width(pts: LabelTensor) -> None:
    with pytest.raises(
        ValueError, match=r"velocity_field=\['a'\] must give one velocity per variable"
    ):
        advection(vector_field(pts), pts, velocity_field="a")
