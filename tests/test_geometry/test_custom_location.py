"""A user's own Location works where pina's geometries do: conditions, set operations."""

import math

import pytest
import torch

from pina.condition import Condition
from pina.equation import FixedValue, Laplace
from pina.geometry import CartesianDomain, Difference, Location, Union
from pina.label_tensor import LabelTensor
from pina.problem import SpatialProblem


class Disk(Location):
    """A closed disk, sampled exactly (sqrt radius, uniform angle); remembers its calls."""

    def __init__(self, center=(0.0, 0.0), radius=1.0):
        self.variables = ["x", "y"]
        self.center = torch.tensor(center)
        self.radius = radius
        self.calls = []

    def sample(self, n, mode="random", variables="all", generator=None):
        self.calls.append((n, mode, variables))
        if mode != "random":
            raise ValueError(f"mode={mode!r} is not supported; choose one of ['random'].")
        r = self.radius * torch.rand(n, 1, generator=generator).sqrt()
        angle = 2 * math.pi * torch.rand(n, 1, generator=generator)
        points = self.center + torch.cat([r * angle.cos(), r * angle.sin()], dim=1)
        return LabelTensor(points, ["x", "y"])

    def is_inside(self, points, check_border=False):
        r2 = (points.extract(["x", "y"]).tensor - self.center).pow(2).sum(-1)
        return r2 <= self.radius**2 if check_border else r2 < self.radius**2


def make_problem(disk_location):
    class DiskProblem(SpatialProblem):
        output_variables = ["u"]
        spatial_domain = CartesianDomain({"x": [-1, 1], "y": [-1, 1]})
        conditions = {
            "D": Condition(location=disk_location, equation=Laplace()),
            "corner": Condition(
                location=CartesianDomain({"x": 1.0, "y": 1.0}), equation=FixedValue(0.0)
            ),
        }

    return DiskProblem()


def test_custom_location_in_a_condition_is_discretised():
    disk = Disk()
    problem = make_problem(disk)
    torch.manual_seed(0)
    problem.discretise_domain(50, "random", locations=["D"])
    assert disk.calls == [(50, "random", ["x", "y"])]
    points = problem.input_pts["D"]
    assert isinstance(points, LabelTensor)
    assert points.labels == ["x", "y"]
    assert points.shape == (50, 2)
    assert disk.is_inside(points, check_border=True).all()
    assert problem.not_sampled_points == ["corner"]
    problem.discretise_domain(3, "random", locations="all")
    assert problem.have_sampled_points
    assert problem.input_pts["corner"].tolist() == [[1.0, 1.0]] * 3


def test_custom_location_refuses_a_mode_it_does_not_support():
    problem = make_problem(Disk())
    with pytest.raises(
        ValueError, match=r"mode='grid' is not supported; choose one of \['random'\]"
    ):
        problem.discretise_domain(5, "grid", locations=["D"])


def test_custom_location_inside_a_set_operation_of_a_condition(fraction_close):
    # A disk with a hole cut by a square; the hole's centre is removed.
    holed = Difference([Disk(radius=2.0), CartesianDomain({"x": [-0.5, 0.5], "y": [-0.5, 0.5]})])
    problem = make_problem(Union([holed, Disk(center=(5.0, 0.0), radius=1.0)]))
    torch.manual_seed(1)
    problem.discretise_domain(8000, "random", locations=["D"])
    points = problem.input_pts["D"]
    assert points.shape == (8000, 2)
    x, y = points.tensor.unbind(-1)
    assert not ((x.abs() < 0.5) & (y.abs() < 0.5)).any()
    # Areas: 4 pi - 1 (holed disk) and pi (far disk): weighted by volume.
    fraction_close(x > 3, math.pi / (5 * math.pi - 1))


def test_custom_location_with_a_generator_in_an_operation():
    union = Union([Disk(), Disk(center=(1.0, 0.0))])
    first = union.sample(200, generator=torch.Generator().manual_seed(0))
    second = union.sample(200, generator=torch.Generator().manual_seed(0))
    assert torch.equal(first.tensor, second.tensor)
    assert union.is_inside(first, check_border=True).all()
