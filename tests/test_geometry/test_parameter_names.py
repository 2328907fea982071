"""``is_inside(point, check_border=False)``: PINA 0.1's parameter names, and ``points=`` too."""

from __future__ import annotations

import inspect

import pytest
import torch

from pina.geometry import (
    CartesianDomain,
    Difference,
    EllipsoidDomain,
    Exclusion,
    Intersection,
    Location,
    OperationInterface,
    SimplexDomain,
    Union,
)
from pina.label_tensor import LabelTensor


def _square(lo: float, hi: float) -> CartesianDomain:
    return CartesianDomain({"x": [lo, hi], "y": [lo, hi]})


GEOMETRIES = {
    "cartesian": lambda: _square(0.0, 1.0),
    "ellipsoid": lambda: EllipsoidDomain({"x": [0.0, 1.0], "y": [0.0, 1.0]}),
    "simplex": lambda: SimplexDomain(
        [
            LabelTensor(torch.tensor([[0.0, 0.0]]), ["x", "y"]),
            LabelTensor(torch.tensor([[1.0, 0.0]]), ["x", "y"]),
            LabelTensor(torch.tensor([[0.0, 1.0]]), ["x", "y"]),
        ]
    ),
    "union": lambda: Union([_square(0.0, 1.0), _square(0.5, 1.5)]),
    "intersection": lambda: Intersection([_square(0.0, 1.0), _square(0.5, 1.5)]),
    "exclusion": lambda: Exclusion([_square(0.0, 1.0), _square(0.5, 1.5)]),
    "difference": lambda: Difference([_square(0.0, 1.0), _square(0.5, 1.5)]),
}


@pytest.fixture
def points() -> LabelTensor:
    # Inside, on the border of the unit square, outside, and in the overlap.
    data = torch.tensor([[0.25, 0.25], [0.0, 0.5], [2.0, 2.0], [0.75, 0.75], [1.0, 1.0]])
    return LabelTensor(data, ["x", "y"])


@pytest.mark.parametrize("name", GEOMETRIES)
def test_signature_is_pina01s(name: str) -> None:
    geometry = GEOMETRIES[name]()
    parameters = inspect.signature(geometry.is_inside).parameters
    assert list(parameters)[:2] == ["point", "check_border"]
    assert parameters["check_border"].default is False
    assert parameters["points"].kind is inspect.Parameter.KEYWORD_ONLY


@pytest.mark.parametrize("name", GEOMETRIES)
@pytest.mark.parametrize("check_border", [False, True])
def test_point_points_and_positional_agree(name: str, check_border: bool, points) -> None:
    geometry = GEOMETRIES[name]()
    expected = geometry.is_inside(points, check_border)
    assert expected.shape == (5,) and expected.dtype == torch.bool
    assert torch.equal(geometry.is_inside(point=points, check_border=check_border), expected)
    assert torch.equal(geometry.is_inside(points=points, check_border=check_border), expected)
    assert torch.equal(geometry.is_inside(points, check_border=check_border), expected)


def test_answers_are_the_right_sets(points) -> None:
    square = GEOMETRIES["cartesian"]()
    assert square.is_inside(point=points).tolist() == [True, False, False, True, False]
    assert square.is_inside(point=points, check_border=True).tolist() == [
        True,
        True,
        False,
        True,
        True,
    ]


@pytest.mark.parametrize("name", GEOMETRIES)
def test_both_names_is_a_type_error(name: str, points) -> None:
    geometry = GEOMETRIES[name]()
    with pytest.raises(TypeError, match=r"got both point= and points="):
        geometry.is_inside(points, points=points)
    with pytest.raises(TypeError, match=r"got both point= and points="):
        geometry.is_inside(point=points, points=points)


@pytest.mark.parametrize("name", GEOMETRIES)
def test_no_points_is_a_type_error(name: str) -> None:
    geometry = GEOMETRIES[name]()
    with pytest.raises(TypeError, match=r"is_inside\(\) needs the points to test"):
        geometry.is_inside()
    with pytest.raises(TypeError, match=r"is_inside\(\) needs the points to test"):
        geometry.is_inside(check_border=True)


def test_abstract_signatures_name_point() -> None:
    for cls in (Location, OperationInterface):
        parameters = inspect.signature(cls.is_inside).parameters
        assert list(parameters)[1:3] == ["point", "check_border"]


def test_pina01_subclass_named_point_works_in_a_set_operation(points) -> None:
    class Disk(Location):
        """A PINA 0.1 style geometry: ``is_inside(self, point, check_border=False)``."""

        def __init__(self) -> None:
            self.variables = ["x", "y"]

        def sample(self, n, mode="random", variables="all"):  # type: ignore[no-untyped-def]
            angle = 2 * torch.pi * torch.rand(n)
            radius = 0.5 * torch.rand(n).sqrt()
            pts = torch.stack([radius * angle.cos(), radius * angle.sin()], dim=1) + 0.5
            return LabelTensor(pts, ["x", "y"])

        def is_inside(self, point, check_border=False):  # type: ignore[no-untyped-def]
            r2 = (point.extract(["x", "y"]).tensor - 0.5).pow(2).sum(-1)
            return r2 <= 0.25 if check_border else r2 < 0.25

    union = Union([Disk(), _square(1.0, 2.0)])
    assert union.is_inside(point=points).tolist() == [True, False, False, True, False]
