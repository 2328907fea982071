import pytest
import torch

from pina.equation import Equation, EquationInterface, FixedValue, SystemEquation
from pina.label_tensor import LabelTensor


@pytest.fixture
def pts() -> LabelTensor:
    return LabelTensor(torch.tensor([[1.0, 2.0], [3.0, -1.0], [0.0, 0.5]]), ["x", "y"])


@pytest.fixture
def out(pts: LabelTensor) -> LabelTensor:
    return LabelTensor(torch.tensor([[10.0, 1.0], [20.0, 2.0], [30.0, 3.0]]), ["u", "v"])


def eq_x(input_, output_):  # type: ignore[no-untyped-def]
    return output_.extract("u") - input_.extract("x")  # (n, 1): [9, 17, 30]


def eq_y(input_, output_):  # type: ignore[no-untyped-def]
    return (output_.extract("v") * input_.extract("y")).flatten()  # (n,): [2, -2, 1.5]


EXPECTED = torch.tensor([[9.0, 2.0], [17.0, -2.0], [30.0, 1.5]])


def test_is_an_equation_interface() -> None:
    assert isinstance(SystemEquation([eq_x]), EquationInterface)


def test_reduction_none_keeps_columns(pts: LabelTensor, out: LabelTensor) -> None:
    res = SystemEquation([eq_x, eq_y], reduction="none").residual(pts, out)
    assert res.shape == (3, 2)
    torch.testing.assert_close(res, EXPECTED)


def test_reduction_mean_default(pts: LabelTensor, out: LabelTensor) -> None:
    system = SystemEquation([eq_x, eq_y])
    assert system.reduction == "mean"
    res = system.residual(pts, out)
    assert res.shape == (3,)
    torch.testing.assert_close(res, EXPECTED.mean(dim=-1))


def test_reduction_sum(pts: LabelTensor, out: LabelTensor) -> None:
    res = SystemEquation([eq_x, eq_y], reduction="sum").residual(pts, out)
    assert res.shape == (3,)
    torch.testing.assert_close(res, torch.tensor([11.0, 15.0, 31.5]))


def test_mixed_functions_and_equations(pts: LabelTensor, out: LabelTensor) -> None:
    system = SystemEquation(
        [Equation(eq_x), FixedValue(1.0, components=["u", "v"])], reduction="none"
    )
    res = system.residual(pts, out)
    assert res.shape == (3, 3)
    torch.testing.assert_close(res[:, 0:1], EXPECTED[:, 0:1])
    torch.testing.assert_close(res[:, 1:], out.tensor - 1.0)


def test_label_tensor_residuals_are_plain(pts: LabelTensor, out: LabelTensor) -> None:
    def labelled(input_, output_):  # type: ignore[no-untyped-def]
        return output_.extract("v")

    res = SystemEquation([labelled, labelled], reduction="none").residual(pts, out)
    assert type(res) is torch.Tensor
    torch.testing.assert_close(res, torch.tensor([[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]]))


def test_params_reach_three_argument_equations(pts: LabelTensor, out: LabelTensor) -> None:
    def with_params(input_, output_, params_):  # type: ignore[no-untyped-def]
        return output_.extract("v") - params_["mu"]

    system = SystemEquation([eq_x, with_params], reduction="none")
    assert system.takes_params is True
    res = system.residual(pts, out, {"mu": torch.tensor([1.0])})
    torch.testing.assert_close(res, torch.tensor([[9.0, 0.0], [17.0, 1.0], [30.0, 2.0]]))
    assert SystemEquation([eq_x, eq_y]).takes_params is False


@pytest.mark.parametrize("reduction", ["max", "Mean", ""])
def test_bad_reduction(reduction: str) -> None:
    with pytest.raises(
        NotImplementedError,
        match=rf"reduction={reduction!r} is not implemented; "
        r"choose one of \['mean', 'none', 'sum'\]",
    ):
        SystemEquation([eq_x], reduction=reduction)


@pytest.mark.parametrize("bad", [(eq_x, eq_y), eq_x])
def test_not_a_list(bad: object) -> None:
    with pytest.raises(ValueError, match="list_equation must be a list"):
        SystemEquation(bad)  # type: ignore[arg-type]


def test_non_callable_item(pts: LabelTensor) -> None:
    with pytest.raises(ValueError, match="equation must be a callable"):
        SystemEquation([eq_x, 3.0])  # type: ignore[list-item]
