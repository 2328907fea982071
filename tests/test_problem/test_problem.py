import pytest
import torch

from pina.condition import Condition
from pina.equation import FixedValue, Laplace
from pina.geometry import CartesianDomain, Location
from pina.label_tensor import LabelTensor
from pina.model import FeedForward
from pina.problem import AbstractProblem, ParametricProblem, SpatialProblem, TimeDependentProblem
from pina.solvers import PINN


@pytest.fixture(autouse=True)
def _seed() -> None:
    torch.manual_seed(0)


DATA_IN = LabelTensor(torch.tensor([[0.5, 0.5, 0.1], [0.2, 0.8, 0.3]]), ["x", "y", "t"])
DATA_OUT = LabelTensor(torch.tensor([[1.0], [2.0]]), "u")


class Heat(TimeDependentProblem, SpatialProblem):
    output_variables = ["u"]
    spatial_domain = CartesianDomain({"x": [0, 1], "y": [0, 1]})
    temporal_domain = CartesianDomain({"t": [0, 2]})
    conditions = {
        "left": Condition(
            location=CartesianDomain({"x": 0.0, "y": [0, 1], "t": [0, 2]}), equation=FixedValue(0.0)
        ),
        "D": Condition(
            location=CartesianDomain({"x": [0, 1], "y": [0, 1], "t": [0, 2]}), equation=Laplace()
        ),
        "data": Condition(input_points=DATA_IN, output_points=DATA_OUT),
    }


class Line(TimeDependentProblem, SpatialProblem):
    output_variables = ["u"]
    spatial_domain = CartesianDomain({"x": [0, 1]})
    temporal_domain = CartesianDomain({"t": [0, 1]})
    conditions = {
        "D": Condition(location=CartesianDomain({"x": [0, 1], "t": [0, 1]}), equation=Laplace()),
    }


# ------------------------------------------------------------------------------ variables
def test_input_variables_spatial_temporal_order() -> None:
    assert Heat().input_variables == ["x", "y", "t"]
    assert Heat().spatial_variables == ["x", "y"]
    assert Heat().temporal_variable == ["t"]


def test_input_variables_order_whatever_the_bases_order() -> None:
    class A(ParametricProblem, TimeDependentProblem, SpatialProblem):
        output_variables = ["u"]
        spatial_domain = CartesianDomain({"x": [0, 1]})
        temporal_domain = CartesianDomain({"t": [0, 1]})
        parameter_domain = CartesianDomain({"mu": [1, 2], "nu": 0.5})
        conditions: dict = {}

    class B(SpatialProblem, ParametricProblem, TimeDependentProblem):
        output_variables = ["u"]
        spatial_domain = CartesianDomain({"x": [0, 1]})
        temporal_domain = CartesianDomain({"t": [0, 1]})
        parameter_domain = CartesianDomain({"mu": [1, 2], "nu": 0.5})
        conditions: dict = {}

    assert A().input_variables == ["x", "t", "mu", "nu"]
    assert B().input_variables == ["x", "t", "mu", "nu"]
    assert A().parameters == ["mu", "nu"]


def test_input_variables_custom_variables_last() -> None:
    class C(SpatialProblem):
        output_variables = ["u"]
        spatial_domain = CartesianDomain({"x": [0, 1]})
        custom_variables = ["k"]
        conditions: dict = {}

    assert C().input_variables == ["x", "k"]


def test_input_variables_class_attribute_override() -> None:
    class Supervised(AbstractProblem):
        input_variables = ["a", "b"]
        output_variables = ["u", "v"]
        conditions = {
            "data": Condition(
                input_points=LabelTensor(torch.rand(3, 2), ["a", "b"]),
                output_points=LabelTensor(torch.rand(3, 2), ["u", "v"]),
            )
        }

    problem = Supervised()
    assert problem.input_variables == ["a", "b"]
    assert problem.have_sampled_points


def test_domain_union_keeps_variable_order() -> None:
    class P(ParametricProblem, TimeDependentProblem, SpatialProblem):
        output_variables = ["u"]
        spatial_domain = CartesianDomain({"x": 0.0, "y": [0, 1]})
        temporal_domain = CartesianDomain({"t": [0, 2]})
        parameter_domain = CartesianDomain({"mu": [1, 3]})
        conditions: dict = {}

    problem = P()
    domain = problem.domain
    assert isinstance(domain, CartesianDomain)
    assert domain.variables == ["x", "y", "t", "mu"] == problem.input_variables
    assert domain.range_ == {"y": [0.0, 1.0], "t": [0.0, 2.0], "mu": [1.0, 3.0]}
    assert domain.fixed_ == {"x": 0.0}
    pts = domain.sample(5, "grid")
    assert pts.labels == ["x", "y", "t", "mu"]
    assert pts.shape == (125, 4)
    # A new domain each time: the class attributes are untouched.
    domain.update(CartesianDomain({"z": [0, 1]}))
    assert P.spatial_domain.variables == ["x", "y"]
    assert problem.domain.variables == ["x", "y", "t", "mu"]


class Disk(Location):
    def __init__(self) -> None:
        self.variables = ["x", "y"]

    def sample(self, n, mode="random", variables="all", generator=None):  # type: ignore[no-untyped-def]
        r = torch.rand(n, 1, generator=generator).sqrt()
        theta = 2 * torch.pi * torch.rand(n, 1, generator=generator)
        return LabelTensor(torch.cat([r * torch.cos(theta), r * torch.sin(theta)], -1), ["x", "y"])

    def is_inside(self, points, check_border=False):  # type: ignore[no-untyped-def]
        r2 = points.extract(["x", "y"]).tensor.pow(2).sum(-1)
        return r2 <= 1 if check_border else r2 < 1


def test_domain_single_non_cartesian_is_returned() -> None:
    disk = Disk()

    class P(SpatialProblem):
        output_variables = ["u"]
        spatial_domain = disk
        conditions = {"D": Condition(location=disk, equation=Laplace())}

    problem = P()
    assert problem.domain is disk
    assert problem.input_variables == ["x", "y"]
    problem.discretise_domain(50)
    assert disk.is_inside(problem.input_pts["D"], check_border=True).all()


def test_domain_mixed_kinds_error() -> None:
    class P(TimeDependentProblem, SpatialProblem):
        output_variables = ["u"]
        spatial_domain = Disk()
        temporal_domain = CartesianDomain({"t": [0, 1]})
        conditions: dict = {}

    with pytest.raises(TypeError, match="P.spatial_domain must be a CartesianDomain.*got Disk"):
        _ = P().domain


# ------------------------------------------------------------------------------ definition
def test_a_class_without_conditions_may_be_defined_and_completed_by_a_subclass() -> None:
    class Base(SpatialProblem):  # 0.1 code: a base class that subclasses complete
        output_variables = ["u"]
        spatial_domain = CartesianDomain({"x": [0, 1]})

    class Complete(Base):
        conditions = {"D": Condition(location=CartesianDomain({"x": [0, 1]}), equation=Laplace())}

    problem = Complete()
    assert problem.output_variables == ["u"]
    assert problem.input_variables == ["x"]
    assert list(problem.conditions) == ["D"]
    assert problem.not_sampled_points == ["D"]
    with pytest.raises(
        TypeError,
        match=r"^Base defines output_variables but no conditions: "
        r"Base.conditions must be a dict of name -> Condition; got None\.$",
    ):
        Base()


def test_missing_output_variables_fails_at_instantiation() -> None:
    class P(SpatialProblem):
        spatial_domain = CartesianDomain({"x": [0, 1]})
        conditions: dict = {}

    with pytest.raises(
        TypeError,
        match=r"^P defines conditions but no output_variables: "
        r"P.output_variables must be a list of str, e.g. \['u'\]; got None\.$",
    ):
        P()


def test_conditions_of_wrong_type_fail_at_instantiation() -> None:
    class P(SpatialProblem):
        output_variables = ["u"]
        spatial_domain = CartesianDomain({"x": [0, 1]})
        conditions = {"D": "not a condition"}  # type: ignore[dict-item]

    with pytest.raises(
        TypeError,
        match=r"^P.conditions must be a dict of name -> Condition; got \{'D': 'not a condition'\}",
    ):
        P()


def test_output_variables_of_wrong_type_fail_at_instantiation() -> None:
    class P(SpatialProblem):
        output_variables = "u"  # type: ignore[assignment]
        spatial_domain = CartesianDomain({"x": [0, 1]})
        conditions: dict = {}

    with pytest.raises(
        TypeError, match=r"^P.output_variables must be a list of str, e.g. \['u'\]; got 'u'\.$"
    ):
        P()


def test_attributes_may_come_from_a_base_class() -> None:
    class Base(SpatialProblem):  # neither attribute: an intermediate class
        spatial_domain = CartesianDomain({"x": [0, 1]})

    class WithOutputs(Base):
        output_variables = ["u", "v"]
        conditions: dict = {}

    class OtherConditions(WithOutputs):  # output_variables inherited
        conditions = {"D": Condition(location=CartesianDomain({"x": [0, 1]}), equation=Laplace())}

    class OtherOutputs(OtherConditions):  # conditions inherited, outputs checked when used
        output_variables = ["u", 2]  # type: ignore[list-item]

    assert OtherConditions().output_variables == ["u", "v"]
    assert list(OtherConditions().conditions) == ["D"]
    with pytest.raises(
        TypeError, match=r"^OtherOutputs.output_variables must be a list of str.*got \['u', 2\]"
    ):
        OtherOutputs()


def test_a_class_defining_neither_fails_at_instantiation() -> None:
    class Intermediate(SpatialProblem):
        spatial_domain = CartesianDomain({"x": [0, 1]})

    with pytest.raises(
        TypeError,
        match=r"^Intermediate defines neither output_variables nor conditions, so it can only be "
        r"a base class of problems that define them: "
        r"Intermediate.output_variables must be a list of str, e.g. \['u'\]; got None\.$",
    ):
        Intermediate()


def test_a_problem_class_without_conditions_cannot_build_a_solver() -> None:
    class Base(SpatialProblem):
        output_variables = ["u"]
        spatial_domain = CartesianDomain({"x": [0, 1]})

    # A solver needs a problem instance, and the instance is refused with the clear message.
    with pytest.raises(TypeError, match=r"^Base defines output_variables but no conditions"):
        PINN(Base(), FeedForward(1, 1))


# -------------------------------------------------------------------------------- sampling
def test_given_points_are_there_from_the_start() -> None:
    problem = Heat()
    assert problem.input_pts["data"] is DATA_IN
    assert not problem.have_sampled_points
    assert problem.not_sampled_points == ["left", "D"]


@pytest.mark.parametrize(
    ("mode", "n_left", "n_d"),
    [("random", 5, 5), ("lh", 5, 5), ("latin", 5, 5), ("grid", 25, 125), ("chebyshev", 25, 125)],
)
def test_discretise_counts_per_mode(mode: str, n_left: int, n_d: int) -> None:
    problem = Heat()
    problem.discretise_domain(5, mode)
    assert problem.input_pts["left"].shape == (n_left, 3)
    assert problem.input_pts["D"].shape == (n_d, 3)
    for name in ("left", "D"):
        pts = problem.input_pts[name]
        assert pts.labels == ["x", "y", "t"]
        location = problem.conditions[name].location
        assert location is not None
        assert location.is_inside(pts, check_border=True).all()
    assert problem.have_sampled_points
    assert problem.not_sampled_points == []


@pytest.mark.parametrize("locations", ["D", ["D"]])
def test_discretise_some_locations(locations: str | list[str]) -> None:
    problem = Heat()
    problem.discretise_domain(4, locations=locations)
    assert problem.input_pts["D"].shape == (4, 3)
    assert "left" not in problem.input_pts
    assert problem.not_sampled_points == ["left"]
    assert not problem.have_sampled_points
    problem.discretise_domain(3, locations=["left"])
    assert problem.input_pts["left"].shape == (3, 3)
    assert problem.input_pts["D"].shape == (4, 3)
    assert problem.have_sampled_points


def test_discretise_all_skips_given_points() -> None:
    problem = Heat()
    problem.discretise_domain(4)
    assert problem.input_pts["data"] is DATA_IN


@pytest.mark.parametrize("first", ["x", ["x"]])
def test_sampling_x_then_t_is_cartesian_product(first: str | list[str]) -> None:
    problem = Line()
    problem.discretise_domain(3, "grid", variables=first)
    pts = problem.input_pts["D"]
    assert pts.labels == ["x"]
    assert problem.not_sampled_points == ["D"]
    assert not problem.have_sampled_points

    problem.discretise_domain(2, "grid", variables=["t"])
    pts = problem.input_pts["D"]
    assert problem.have_sampled_points
    assert pts.labels == ["t", "x"]  # the new variable's column first
    # t varies fastest (rows of the new sample), x slowest.
    expected = [[t, x] for x in (0.0, 0.5, 1.0) for t in (0.0, 1.0)]
    torch.testing.assert_close(pts.tensor, torch.tensor(expected))


def test_sampling_again_once_complete_replaces() -> None:
    problem = Line()
    problem.discretise_domain(3, "grid", variables="x")
    problem.discretise_domain(2, "grid", variables="t")
    assert problem.input_pts["D"].shape == (6, 2)
    problem.discretise_domain(7, "random")
    pts = problem.input_pts["D"]
    assert pts.shape == (7, 2)
    assert pts.labels == ["x", "t"]
    assert problem.have_sampled_points


def test_sampled_points_are_independent_between_instances() -> None:
    first, second = Line(), Line()
    first.discretise_domain(3)
    assert "D" not in second.input_pts
    assert second.not_sampled_points == ["D"]


def test_discretise_unknown_mode() -> None:
    with pytest.raises(
        ValueError,
        match=r"mode='grdi' is not supported; "
        r"choose one of \['chebyshev', 'grid', 'latin', 'lh', 'random'\]",
    ):
        Heat().discretise_domain(5, mode="grdi")


def test_discretise_unknown_variable() -> None:
    with pytest.raises(
        ValueError, match=r"variables='z': \['z'\] unknown; choose from \['x', 'y', 't'\]"
    ):
        Heat().discretise_domain(5, variables="z")


def test_discretise_unknown_location() -> None:
    with pytest.raises(
        ValueError,
        match=r"locations=\['D', 'Q'\]: \['Q'\] unknown; choose from \['left', 'D', 'data'\]",
    ):
        Heat().discretise_domain(5, locations=["D", "Q"])


def test_discretise_location_without_domain() -> None:
    with pytest.raises(
        ValueError,
        match="condition 'data' has no location to sample; its points are given by input_points",
    ):
        Heat().discretise_domain(5, locations="data")


@pytest.mark.parametrize(
    ("n", "error"), [(0, ValueError), (-3, ValueError), (2.0, TypeError), (True, TypeError)]
)
def test_discretise_bad_n(n: object, error: type) -> None:
    with pytest.raises(error, match="n must be a positive int"):
        Heat().discretise_domain(n)  # type: ignore[arg-type]


# ------------------------------------------------------------------------------ add_points
def test_add_points_reorders_permuted_columns() -> None:
    problem = Line()
    problem.discretise_domain(2, "grid")
    old = problem.input_pts["D"]
    assert old.labels == ["x", "t"]
    new = LabelTensor(torch.tensor([[0.9, 0.1], [0.8, 0.2]]), ["t", "x"])
    problem.add_points({"D": new})
    pts = problem.input_pts["D"]
    assert pts.labels == ["x", "t"]
    assert pts.shape == (6, 2)
    torch.testing.assert_close(pts.tensor[:4], old.tensor)
    torch.testing.assert_close(pts.tensor[4:], torch.tensor([[0.1, 0.9], [0.2, 0.8]]))


def test_add_points_to_given_points_keeps_condition_points() -> None:
    given = LabelTensor(torch.tensor([[0.5, 0.5, 0.1]]), ["x", "y", "t"])

    class Given(Heat):
        conditions = {**Heat.conditions, "given": Condition(input_points=given, equation=Laplace())}

    problem = Given()
    extra = LabelTensor(torch.tensor([[0.3, 0.1, 0.2]]), ["t", "x", "y"])
    problem.add_points({"given": extra})
    torch.testing.assert_close(problem.input_pts["given"].tensor[-1], torch.tensor([0.1, 0.2, 0.3]))
    assert given.shape == (1, 3)  # the condition's own tensor is unchanged


def test_add_points_to_a_data_condition_fails_and_changes_nothing() -> None:
    problem = Heat()
    problem.discretise_domain(3, locations=["D"])
    before = problem.input_pts["D"]
    extra = LabelTensor(torch.tensor([[0.3, 0.1, 0.2]]), ["t", "x", "y"])
    with pytest.raises(
        ValueError,
        match=r"condition 'data' is a data condition \(input_points \+ output_points\): "
        "add_points cannot give new inputs their outputs",
    ):
        problem.add_points({"D": extra, "data": extra})
    assert problem.input_pts["D"] is before
    assert problem.input_pts["data"] is DATA_IN


def test_add_points_errors() -> None:
    problem = Line()
    pts = LabelTensor(torch.rand(2, 2), ["x", "t"])
    with pytest.raises(ValueError, match=r"new_points has the condition 'E'; choose from \['D'\]"):
        problem.add_points({"E": pts})
    with pytest.raises(
        ValueError, match="condition 'D' has no points yet; call discretise_domain first"
    ):
        problem.add_points({"D": pts})
    problem.discretise_domain(3)
    with pytest.raises(
        ValueError, match=r"must be a LabelTensor with labels \['x', 't'\]; got labels \['x', 'y'\]"
    ):
        problem.add_points({"D": LabelTensor(torch.rand(2, 2), ["x", "y"])})
