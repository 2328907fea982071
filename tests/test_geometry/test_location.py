import pytest
import torch

import pina.geometry
from pina.geometry import CartesianDomain, Location
from pina.label_tensor import LabelTensor


class Disk(Location):
    """A user geometry: the closed unit disk, sampled by vectorised rejection."""

    @property
    def variables(self):
        return ["x", "y"]

    def sample(self, n, mode="random", variables="all", generator=None):
        pts = torch.empty(0, 2)
        while len(pts) < n:
            cand = 2 * torch.rand(2 * n, 2, generator=generator) - 1
            pts = torch.cat([pts, cand[cand.pow(2).sum(1) <= 1]])
        return LabelTensor(pts[:n], ["x", "y"])

    def is_inside(self, points, check_border=False):
        r2 = points.extract(["x", "y"]).tensor.pow(2).sum(-1)
        return r2 <= 1 if check_border else r2 < 1


class OldStyleSegment(Location):
    """Written for PINA 0.1: no `generator` argument, no `variables`."""

    def sample(self, n, mode="random", variables="all"):
        return LabelTensor(torch.linspace(0, 1, n), ["s"])

    def is_inside(self, point, check_border=False):
        s = point.extract("s").tensor.squeeze(-1)
        return (s >= 0) & (s <= 1) if check_border else (s > 0) & (s < 1)


def test_geometry_all_is_exact():
    assert sorted(pina.geometry.__all__) == [
        "CartesianDomain",
        "Difference",
        "EllipsoidDomain",
        "Exclusion",
        "Intersection",
        "Location",
        "OperationInterface",
        "SimplexDomain",
        "Union",
    ]
    for name in pina.geometry.__all__:
        assert getattr(pina.geometry, name) is not None


def test_location_is_abstract():
    with pytest.raises(TypeError, match=r"abstract"):
        Location()


def test_subclass_missing_is_inside_is_abstract():
    class OnlySample(Location):
        def sample(self, n, mode="random", variables="all", generator=None):
            return LabelTensor(torch.zeros(n, 1), ["x"])

    with pytest.raises(TypeError, match=r"abstract.*is_inside"):
        OnlySample()


def test_user_subclass_samples_inside_and_answers_per_row():
    disk = Disk()
    assert isinstance(disk, Location)
    pts = disk.sample(500, generator=torch.Generator().manual_seed(0))
    assert pts.shape == (500, 2)
    assert pts.labels == ["x", "y"]
    inside = disk.is_inside(pts, check_border=True)
    assert inside.shape == (500,)
    assert inside.dtype == torch.bool
    assert inside.all()
    probe = LabelTensor(torch.tensor([[0.0, 0.0], [1.0, 0.0], [2.0, 0.0]]), ["x", "y"])
    assert disk.is_inside(probe).tolist() == [True, False, False]
    assert disk.is_inside(probe, check_border=True).tolist() == [True, True, False]


def test_old_style_subclass_still_works():
    segment = OldStyleSegment()
    pts = segment.sample(5)
    assert segment.is_inside(pts, check_border=True).all()
    assert segment.is_inside(pts).tolist() == [False, True, True, True, False]


def test_variables_missing_reads_as_missing_attribute():
    segment = OldStyleSegment()
    assert not hasattr(segment, "variables")
    with pytest.raises(AttributeError, match=r"OldStyleSegment does not define `variables`"):
        _ = segment.variables
    assert Disk().variables == ["x", "y"]


def test_variables_assigned_by_a_subclass_keep_their_order():
    class Named(OldStyleSegment):
        def __init__(self, names):
            self.variables = names

    assert Named(["t", "s", "a"]).variables == ["t", "s", "a"]
    assert Named("s").variables == ["s"]
    named = Named(["s"])
    named.variables.append("oops")  # a copy: the location is unchanged
    assert named.variables == ["s"]
    with pytest.raises(TypeError, match=r"variables must be a str or a list of str; got 3"):
        Named(3)
    with pytest.raises(ValueError, match=r"variables=\['s', 's'\] must not repeat a name"):
        Named(["s", "s"])


def test_cartesian_variables_cannot_be_assigned():
    domain = CartesianDomain({"x": [0, 1]})
    with pytest.raises(AttributeError, match=r"cannot be assigned; use update"):
        domain.variables = ["y"]
    assert domain.variables == ["x"]


def test_cartesian_domain_is_a_location():
    assert isinstance(CartesianDomain({"x": [0, 1]}), Location)
