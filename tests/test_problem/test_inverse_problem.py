"""InverseProblem: unknown parameters, their initial values and the checks of their domain."""

from __future__ import annotations

import pytest
import torch
from pytorch_lightning import seed_everything
from torch import nn

from pina import Condition
from pina.equation import FixedValue
from pina.geometry import CartesianDomain
from pina.problem import InverseProblem, SpatialProblem

RANGES = {"mu": [2.0, 3.0], "nu": [-1.5, -0.5], "k": [1e-3, 2e-3]}


class Inverse(SpatialProblem, InverseProblem):
    output_variables = ["u"]
    spatial_domain = CartesianDomain({"x": [0, 1]})
    unknown_parameter_domain = CartesianDomain(RANGES)
    conditions = {"x0": Condition(location=CartesianDomain({"x": 0.0}), equation=FixedValue(1.0))}


def test_unknown_variables_are_not_inputs() -> None:
    problem = Inverse()
    assert problem.unknown_variables == ["mu", "nu", "k"]
    assert problem.input_variables == ["x"]
    assert isinstance(problem.domain, CartesianDomain)
    assert problem.domain.variables == ["x"]


def test_unknown_parameters_are_trainable_parameters_of_shape_1() -> None:
    params = Inverse().unknown_parameters
    assert list(params) == ["mu", "nu", "k"]
    for param in params.values():
        assert isinstance(param, nn.Parameter)
        assert param.shape == (1,)
        assert param.requires_grad
        assert param.dtype == torch.get_default_dtype()


def test_unknown_parameters_start_inside_their_range_for_many_seeds() -> None:
    # 0.1.1 drew a + b * U: outside [a, b] whenever a != 0 (here [2, 3] gave values in [2, 5]).
    values: dict[str, list[torch.Tensor]] = {name: [] for name in RANGES}
    for seed in range(500):
        seed_everything(seed, verbose=False)
        for name, param in Inverse().unknown_parameters.items():
            values[name].append(param.detach())
    for name, (low, high) in RANGES.items():
        drawn = torch.cat(values[name])
        assert bool(((drawn >= low) & (drawn <= high)).all()), name
        # U[0, 1] after rescaling: mean 1/2, standard error sqrt(1 / 12 / 500)
        unit = (drawn - low) / (high - low)
        assert abs(float(unit.mean()) - 0.5) < 4 * (1 / 12 / 500) ** 0.5
        assert float(unit.min()) < 0.02 and float(unit.max()) > 0.98


def test_unknown_parameters_follow_the_global_seed_and_differ_per_instance() -> None:
    seed_everything(7, verbose=False)
    first, second = Inverse(), Inverse()
    seed_everything(7, verbose=False)
    again = Inverse()
    assert torch.equal(first.unknown_parameters["mu"], again.unknown_parameters["mu"])
    assert first.unknown_parameters["mu"] is not again.unknown_parameters["mu"]
    assert not torch.equal(first.unknown_parameters["mu"], second.unknown_parameters["mu"])


def test_inverse_problem_is_exported() -> None:
    import pina.problem

    assert "InverseProblem" in pina.problem.__all__
    assert pina.problem.InverseProblem is InverseProblem


# ---------------------------------------------------------------------------- bad domains
def test_fixed_value_instead_of_a_range_fails_at_instantiation() -> None:
    class Fixed(SpatialProblem, InverseProblem):
        output_variables = ["u"]
        spatial_domain = CartesianDomain({"x": [0, 1]})
        unknown_parameter_domain = CartesianDomain({"mu": 1.0, "nu": [0, 1]})
        conditions: dict = {}

    with pytest.raises(
        ValueError,
        match=r"Fixed.unknown_parameter_domain fixes 'mu' to 1.0, but an unknown parameter "
        r"needs a range to be searched in, e.g. \{'mu': \[a, b\]\}",
    ):
        Fixed()


def test_domain_of_wrong_type_fails_at_instantiation() -> None:
    class Dict(SpatialProblem, InverseProblem):
        output_variables = ["u"]
        spatial_domain = CartesianDomain({"x": [0, 1]})
        unknown_parameter_domain = {"mu": [0, 1]}  # type: ignore[assignment]
        conditions: dict = {}

    with pytest.raises(
        TypeError,
        match=r"Dict.unknown_parameter_domain must be a CartesianDomain of ranges, e.g. "
        r"CartesianDomain\(\{'mu': \[0, 1\]\}\); got \{'mu': \[0, 1\]\} of type dict",
    ):
        Dict()


def test_missing_domain_fails_at_instantiation() -> None:
    class Missing(SpatialProblem, InverseProblem):
        output_variables = ["u"]
        spatial_domain = CartesianDomain({"x": [0, 1]})
        conditions: dict = {}

    with pytest.raises(
        TypeError, match=r"Missing.unknown_parameter_domain must be a CartesianDomain.*got None"
    ):
        Missing()


def test_empty_domain_fails_at_instantiation() -> None:
    class Empty(InverseProblem):
        output_variables = ["u"]
        unknown_parameter_domain = CartesianDomain({})
        conditions: dict = {}

    with pytest.raises(ValueError, match="Empty.unknown_parameter_domain has no variables"):
        Empty()


@pytest.mark.parametrize("name", ["a.b", "keys", "training"])
def test_names_that_cannot_be_torch_parameters_fail(name: str) -> None:
    class Named(InverseProblem):
        output_variables = ["u"]
        unknown_parameter_domain = CartesianDomain({name: [0, 1]})
        conditions: dict = {}

    with pytest.raises(ValueError, match=rf"variable name\(s\) \['{name}'\], which cannot"):
        Named()


def test_an_intermediate_class_may_leave_the_domain_to_subclasses() -> None:
    class Base(SpatialProblem, InverseProblem):
        spatial_domain = CartesianDomain({"x": [0, 1]})

    class Concrete(Base):
        output_variables = ["u"]
        unknown_parameter_domain = CartesianDomain({"mu": [0, 1]})
        conditions: dict = {}

    assert Concrete().unknown_variables == ["mu"]
