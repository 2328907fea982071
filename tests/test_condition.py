import pytest
import torch

from pina.condition import Condition
from pina.equation import Equation, FixedValue
from pina.geometry import CartesianDomain
from pina.label_tensor import LabelTensor


def residual(input_, output_):  # type: ignore[no-untyped-def]
    return output_.tensor


@pytest.fixture
def location() -> CartesianDomain:
    return CartesianDomain({"x": [0, 1], "y": 0.0})


@pytest.fixture
def points() -> LabelTensor:
    return LabelTensor(torch.rand(4, 2), ["x", "y"])


@pytest.fixture
def values() -> LabelTensor:
    return LabelTensor(torch.rand(4, 1), "u")


def test_location_equation(location: CartesianDomain) -> None:
    eq = FixedValue(0.0)
    cond = Condition(location=location, equation=eq)
    assert cond.location is location
    assert cond.equation is eq
    assert cond.input_points is None
    assert cond.output_points is None
    assert cond.data_weight == 1.0


def test_input_points_equation(points: LabelTensor) -> None:
    eq = Equation(residual)
    cond = Condition(input_points=points, equation=eq)
    assert cond.input_points is points
    assert cond.equation is eq
    assert cond.location is None
    assert cond.output_points is None


def test_input_output_points(points: LabelTensor, values: LabelTensor) -> None:
    cond = Condition(input_points=points, output_points=values)
    assert cond.input_points is points
    assert cond.output_points is values
    assert cond.location is None
    assert cond.equation is None


@pytest.mark.parametrize("weight", [2, 0.25])
def test_data_weight(points: LabelTensor, values: LabelTensor, weight: float) -> None:
    cond = Condition(input_points=points, output_points=values, data_weight=weight)
    assert cond.data_weight == float(weight)
    assert isinstance(cond.data_weight, float)


def test_data_weight_with_location(location: CartesianDomain) -> None:
    assert (
        Condition(location=location, equation=FixedValue(0.0), data_weight=10.0).data_weight == 10.0
    )


@pytest.mark.parametrize("weight", ["1", None, True, [1.0]])
def test_data_weight_wrong_type(points: LabelTensor, values: LabelTensor, weight: object) -> None:
    with pytest.raises(TypeError, match=r"data_weight must be a number; got"):
        Condition(input_points=points, output_points=values, data_weight=weight)


def test_positional_arguments(location: CartesianDomain) -> None:
    with pytest.raises(ValueError, match=r"keyword arguments only; got 2 positional"):
        Condition(location, FixedValue(0.0))


@pytest.mark.parametrize(
    "keywords",
    [
        {},
        {"location": "L"},
        {"location": "L", "output_points": "O"},
        {"location": "L", "equation": "E", "input_points": "I"},
        {"input_points": "I", "output_points": "O", "equation": "E"},
        {"location": "L", "equation": "E", "data": "D"},
    ],
)
def test_unknown_keyword_set_lists_valid_sets(keywords: dict[str, str]) -> None:
    valid = (
        r"use exactly one of \[\['equation', 'location'\], \['equation', 'input_points'\], "
        r"\['input_points', 'output_points'\]\] \(plus an optional data_weight\)"
    )
    with pytest.raises(ValueError, match=valid):
        Condition(**keywords)


def test_unknown_keyword_set_names_received(location: CartesianDomain) -> None:
    with pytest.raises(ValueError, match=r"got the keywords \['equation', 'locaton'\]"):
        Condition(locaton=location, equation=FixedValue(0.0))


def test_wrong_location_type(points: LabelTensor) -> None:
    with pytest.raises(TypeError, match="location must be a Location; got dict"):
        Condition(location={"x": [0, 1]}, equation=FixedValue(0.0))


def test_wrong_equation_type(location: CartesianDomain) -> None:
    # A bare function is not an equation: wrap it in Equation.
    with pytest.raises(TypeError, match="equation must be a EquationInterface; got function"):
        Condition(location=location, equation=residual)


def test_wrong_input_points_type(values: LabelTensor) -> None:
    with pytest.raises(TypeError, match="input_points must be a LabelTensor; got Tensor"):
        Condition(input_points=torch.rand(4, 2), output_points=values)


def test_wrong_output_points_type(points: LabelTensor) -> None:
    with pytest.raises(TypeError, match="output_points must be a LabelTensor; got Tensor"):
        Condition(input_points=points, output_points=torch.rand(4, 1))


def test_row_mismatch(points: LabelTensor) -> None:
    with pytest.raises(ValueError, match="input_points has 4 rows but output_points has 3"):
        Condition(input_points=points, output_points=LabelTensor(torch.rand(3, 1), "u"))


def test_repr(points: LabelTensor, values: LabelTensor) -> None:
    cond = Condition(input_points=points, output_points=values, data_weight=2)
    assert repr(cond) == "Condition(input_points, output_points, data_weight=2.0)"
