import functools

import pytest
import torch

from pina.equation import Equation, EquationInterface
from pina.label_tensor import LabelTensor
from pina.operators import grad


@pytest.fixture
def pts() -> LabelTensor:
    return LabelTensor(torch.tensor([[0.0, 1.0], [2.0, -1.0]]), ["x", "y"]).requires_grad_()


@pytest.fixture
def out(pts: LabelTensor) -> LabelTensor:
    return LabelTensor(pts.extract("x").tensor * 3 + pts.extract("y").tensor, "u")


def two(input_, output_):  # type: ignore[no-untyped-def]
    return output_.extract("u") - input_.extract("x")


def three(input_, output_, params_):  # type: ignore[no-untyped-def]
    return output_.extract("u") - params_["mu"] * input_.extract("x")


def test_is_an_equation_interface() -> None:
    assert isinstance(Equation(two), EquationInterface)


def test_two_argument_function(pts: LabelTensor, out: LabelTensor) -> None:
    eq = Equation(two)
    assert eq.takes_params is False
    assert eq.function is two
    # u - x = 2x + y
    torch.testing.assert_close(eq.residual(pts, out), torch.tensor([[1.0], [3.0]]))
    # params_ is not passed to a two-argument function.
    torch.testing.assert_close(eq.residual(pts, out, {"mu": 5.0}), torch.tensor([[1.0], [3.0]]))


def test_three_argument_function_receives_params(pts: LabelTensor, out: LabelTensor) -> None:
    eq = Equation(three)
    assert eq.takes_params is True
    # u - 2x = x + y
    residual = eq.residual(pts, out, {"mu": torch.tensor([2.0])})
    torch.testing.assert_close(residual, torch.tensor([[1.0], [1.0]]))


def test_var_positional_receives_params(pts: LabelTensor, out: LabelTensor) -> None:
    seen: list[int] = []

    def f(*args):  # type: ignore[no-untyped-def]
        seen.append(len(args))
        return args[1].tensor

    eq = Equation(f)
    assert eq.takes_params is True
    eq.residual(pts, out, {"mu": 1.0})
    assert seen == [3]


def test_keyword_only_extra_argument_does_not_count(pts: LabelTensor, out: LabelTensor) -> None:
    def f(input_, output_, *, scale=2.0):  # type: ignore[no-untyped-def]
        return scale * output_.tensor

    eq = Equation(f)
    assert eq.takes_params is False
    torch.testing.assert_close(eq.residual(pts, out), torch.tensor([[2.0], [10.0]]))


def test_partial_and_callable_object_arity(pts: LabelTensor, out: LabelTensor) -> None:
    # params_ bound by keyword: the partial takes two arguments.
    bound = Equation(functools.partial(three, params_={"mu": 2.0}))
    assert bound.takes_params is False
    torch.testing.assert_close(bound.residual(pts, out, {"mu": 9.0}), torch.tensor([[1.0], [1.0]]))

    class Residual:
        def __call__(self, input_, output_):  # type: ignore[no-untyped-def]
            return output_.tensor

    assert Equation(Residual()).takes_params is False

    class WithParams:
        def residual(self, input_, output_, params_):  # type: ignore[no-untyped-def]
            return output_.tensor * params_["k"]

    eq = Equation(WithParams().residual)  # bound method: self is not counted
    assert eq.takes_params is True
    torch.testing.assert_close(eq.residual(pts, out, {"k": 2.0}), torch.tensor([[2.0], [10.0]]))


@pytest.mark.parametrize("bad", [3.0, "u - x", None])
def test_not_callable(bad: object) -> None:
    with pytest.raises(ValueError, match="equation must be a callable"):
        Equation(bad)  # type: ignore[arg-type]


def test_user_type_error_propagates_unchanged(pts: LabelTensor, out: LabelTensor) -> None:
    calls: list[int] = []

    def broken(input_, output_):  # type: ignore[no-untyped-def]
        calls.append(1)
        raise TypeError("my own mistake")

    eq = Equation(broken)
    with pytest.raises(TypeError, match="^my own mistake$"):
        eq.residual(pts, out)
    assert calls == [1]  # called once: no retry with other arguments


def test_user_type_error_in_three_argument_equation(pts: LabelTensor, out: LabelTensor) -> None:
    calls: list[int] = []

    def broken(input_, output_, params_):  # type: ignore[no-untyped-def]
        calls.append(1)
        raise TypeError("params_ is not what I expected")

    with pytest.raises(TypeError, match="^params_ is not what I expected$"):
        Equation(broken).residual(pts, out, {})
    assert calls == [1]


def test_equation_with_derivatives(pts: LabelTensor, out: LabelTensor) -> None:
    def ode(input_, output_):  # type: ignore[no-untyped-def]
        return grad(output_, input_, d="x") - 3.0

    torch.testing.assert_close(Equation(ode).residual(pts, out), torch.zeros(2, 1))
