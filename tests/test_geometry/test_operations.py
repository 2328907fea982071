import math

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

OPERATIONS = [Union, Intersection, Exclusion, Difference]


def lt(rows, labels):
    return LabelTensor(torch.tensor(rows, dtype=torch.get_default_dtype()), labels)


def square(x, y):
    return CartesianDomain({"x": x, "y": y})


def random_points(n, low, high, labels, seed=0):
    g = torch.Generator().manual_seed(seed)
    data = low + (high - low) * torch.rand(n, len(labels), generator=g)
    return LabelTensor(data, labels)


def members_2d():
    return [
        square([0, 2], [0, 2]),
        EllipsoidDomain({"x": [1, 3], "y": [1, 3]}),
        SimplexDomain(
            [lt([[0.5, 0.0]], ["x", "y"]), lt([[3.0, 0.5]], ["x", "y"]), lt([[1, 2.5]], ["x", "y"])]
        ),
    ]


def members_3d():
    return [
        CartesianDomain({"x": [0, 2], "y": [0, 2], "z": [0, 2]}),
        EllipsoidDomain({"x": [1, 3], "y": [0.5, 2.5], "z": [1, 3]}),
    ]


def combine(operation, masks):
    """The definition of each operation on the members' answers."""
    stacked = torch.stack(masks)
    if operation is Union:
        return stacked.any(0)
    if operation is Intersection:
        return stacked.all(0)
    if operation is Exclusion:
        return stacked.sum(0) == 1
    return stacked[0] & ~stacked[1:].any(0)


# ----------------------------------------------------------------- construction
@pytest.mark.parametrize("operation", OPERATIONS)
def test_geometries_and_variables(operation):
    a = square([0, 1], [0, 1])
    b = EllipsoidDomain({"y": [0, 2], "x": [0, 2]})  # same variables, other order
    op = operation((a, b))
    assert isinstance(op, OperationInterface)
    assert isinstance(op, Location)
    assert op.geometries == [a, b]
    assert op.variables == ["x", "y"]
    op.geometries.append(a)  # a copy: the operation is unchanged
    assert len(op.geometries) == 2
    with pytest.raises(AttributeError, match=r"variables follows its geometries"):
        op.variables = ["x"]


def test_operation_interface_is_abstract():
    with pytest.raises(TypeError, match=r"abstract"):
        OperationInterface([square([0, 1], [0, 1]), square([0, 1], [0, 1])])


@pytest.mark.parametrize("operation", OPERATIONS)
@pytest.mark.parametrize(
    "geometries, error, match",
    [
        (
            square([0, 1], [0, 1]),
            TypeError,
            r"geometries must be a list of Location .*CartesianDomain",
        ),
        ([square([0, 1], [0, 1])], ValueError, r"needs a list of two or more geometries; got 1"),
        (
            [square([0, 1], [0, 1]), {"x": [0, 1]}],
            TypeError,
            r"geometries\[1\] must be a Location \(e.g. a CartesianDomain\); got dict",
        ),
        (
            [square([0, 1], [0, 1]), CartesianDomain({"x": [0, 1], "z": [0, 1]})],
            ValueError,
            r"needs geometries with the same variables; geometries\[0\] \(CartesianDomain\) "
            r"has \['x', 'y'\] but geometries\[1\] \(CartesianDomain\) has \['x', 'z'\]",
        ),
    ],
)
def test_construction_errors(operation, geometries, error, match):
    with pytest.raises(error, match=match):
        operation(geometries)


# -------------------------------------------------------------------- is_inside
@pytest.mark.parametrize("operation", OPERATIONS)
@pytest.mark.parametrize("check_border", [False, True])
def test_is_inside_matches_the_definition_2d(operation, check_border):
    members = members_2d()
    op = operation(members)
    pts = random_points(5000, -0.5, 3.5, ["x", "y"])
    inside = op.is_inside(pts, check_border=check_border)
    assert inside.shape == (5000,)
    assert inside.dtype == torch.bool
    expected = combine(operation, [m.is_inside(pts, check_border) for m in members])
    assert torch.equal(inside, expected)
    assert 0 < inside.sum() < 5000


@pytest.mark.parametrize("operation", OPERATIONS)
def test_is_inside_matches_the_definition_3d(operation):
    members = members_3d()
    op = operation(members)
    pts = random_points(5000, -0.5, 3.5, ["z", "x", "y"])  # another column order
    expected = combine(operation, [m.is_inside(pts) for m in members])
    assert torch.equal(op.is_inside(pts), expected)
    assert 0 < expected.sum() < 5000


def test_borders_of_exclusion_and_difference():
    a, b = square([0, 2], [0, 2]), square([1, 3], [1, 3])
    probe = lt(
        [
            [1.0, 1.5],  # border of b, interior of a
            [2.0, 1.5],  # border of a, interior of b
            [2.0, 1.0],  # border of both
            [0.5, 0.5],  # interior of a only
            [1.5, 1.5],  # interior of both
        ],
        ["x", "y"],
    )
    exclusion = Exclusion([a, b])
    assert exclusion.is_inside(probe).tolist() == [False, False, False, True, False]
    assert exclusion.is_inside(probe, check_border=True).tolist() == [True, True, True, True, False]
    difference = Difference([a, b])
    assert difference.is_inside(probe).tolist() == [False, False, False, True, False]
    assert difference.is_inside(probe, check_border=True).tolist() == [
        True,
        False,
        True,
        True,
        False,
    ]
    union, intersection = Union([a, b]), Intersection([a, b])
    assert union.is_inside(probe).tolist() == [True, True, False, True, True]
    assert intersection.is_inside(probe, check_border=True).tolist() == [
        True,
        True,
        True,
        False,
        True,
    ]


def test_is_inside_errors():
    op = Union([square([0, 1], [0, 1]), square([1, 2], [0, 1])])
    with pytest.raises(TypeError, match=r"points must be a LabelTensor .*got Tensor"):
        op.is_inside(torch.zeros(2, 2))
    with pytest.raises(ValueError, match=r"lacks the variables \['y'\]"):
        op.is_inside(lt([[0.5]], ["x"]))


# ------------------------------------------------------------------------ sample
@pytest.mark.parametrize("operation", OPERATIONS)
@pytest.mark.parametrize("n", [1, 7, 1000])
def test_exact_count_labels_and_inside(operation, n, gen):
    members = members_2d()
    op = operation(members)
    pts = op.sample(n, generator=gen)
    assert isinstance(pts, LabelTensor)
    assert pts.shape == (n, 2)
    assert pts.labels == ["x", "y"]
    assert pts.dtype == torch.get_default_dtype()
    assert op.is_inside(pts, check_border=True).all()
    assert torch.equal(
        combine(operation, [m.is_inside(pts, True) for m in members]), op.is_inside(pts, True)
    )


@pytest.mark.parametrize("operation", OPERATIONS)
def test_sampling_in_3d(operation, gen):
    op = operation(members_3d())
    pts = op.sample(2000, variables=["z", "y", "x"], generator=gen)
    assert pts.shape == (2000, 3)
    assert pts.labels == ["x", "y", "z"]
    assert op.is_inside(pts, check_border=True).all()


def test_union_does_not_oversample_the_overlap(gen, fraction_close):
    a, b = square([0, 2], [0, 2]), square([1, 3], [1, 3])  # union area 7, overlap 1
    pts = Union([a, b]).sample(20000, generator=gen)
    in_a, in_b = a.is_inside(pts, True), b.is_inside(pts, True)
    fraction_close(in_a & in_b, 1 / 7)
    fraction_close(in_a & ~in_b, 3 / 7)
    fraction_close(~in_a & in_b, 3 / 7)
    x, y = pts.tensor.unbind(-1)
    fraction_close((x < 1) & (y < 1), 1 / 7)  # a unit box of a only


def test_union_weights_disjoint_members_by_volume(gen, fraction_close):
    small = square([0, 1], [0, 1])
    disk = EllipsoidDomain({"x": [2, 6], "y": [0, 4]})  # area 4 pi
    pts = Union([small, disk]).sample(20000, generator=gen)
    fraction_close(small.is_inside(pts, True), 1 / (1 + 4 * math.pi))


def test_union_of_three_members_is_uniform(gen, fraction_close):
    members = members_2d()
    pts = Union(members).sample(20000, generator=gen)
    # The reference fraction of a region: uniform points of the bounding box.
    box = random_points(400000, -0.5, 3.5, ["x", "y"], seed=5)
    in_union = Union(members).is_inside(box, True)
    for member in members:
        expected = (member.is_inside(box, True) & in_union).sum().item() / in_union.sum().item()
        fraction_close(member.is_inside(pts, True), expected)
    overlap = (members[0].is_inside(box, True) & members[1].is_inside(box, True)).sum().item()
    fraction_close(
        members[0].is_inside(pts, True) & members[1].is_inside(pts, True),
        overlap / in_union.sum().item(),
    )


def test_intersection_is_uniform(gen, fraction_close):
    big = square([-4, 4], [-4, 4])
    disk = EllipsoidDomain({"x": [-1, 1], "y": [-1, 1]})
    half = square([0, 4], [-4, 4])
    pts = Intersection([big, disk, half]).sample(20000, generator=gen)  # a half disk
    x, y = pts.tensor.unbind(-1)
    assert (x >= 0).all()
    fraction_close((x <= 0.5) & (y >= 0) & (y <= 0.5), 0.25 / (math.pi / 2))


def test_exclusion_is_uniform(gen, fraction_close):
    a, b = square([0, 2], [0, 2]), square([1, 3], [1, 3])
    pts = Exclusion([a, b]).sample(20000, generator=gen)  # area 6
    in_a, in_b = a.is_inside(pts, True), b.is_inside(pts, True)
    assert not (in_a & in_b).any()
    fraction_close(in_a, 0.5)
    x, y = pts.tensor.unbind(-1)
    fraction_close((x < 1) & (y < 1), 1 / 6)


def test_difference_is_uniform_3d(gen, fraction_close):
    cube = CartesianDomain({"x": [-1, 1], "y": [-1, 1], "z": [-1, 1]})
    ball = EllipsoidDomain({"x": [-1, 1], "y": [-1, 1], "z": [-1, 1]})
    pts = Difference([cube, ball]).sample(20000, generator=gen)
    assert (pts.tensor.pow(2).sum(-1) >= 1 - 1e-6).all()
    volume = 8 - 4 / 3 * math.pi
    corner = (pts.tensor >= 0.75).all(-1)  # a corner box [0.75, 1]^3, outside the ball
    fraction_close(corner, 0.25**3 / volume)


def test_nested_operations_are_uniform(gen, fraction_close):
    ring = Difference(
        [
            EllipsoidDomain({"x": [-2, 2], "y": [-2, 2]}),
            EllipsoidDomain({"x": [-1, 1], "y": [-1, 1]}),
        ]
    )  # area 3 pi
    far = square([3, 4], [0, 1])  # area 1
    pts = Union([ring, far]).sample(20000, generator=gen)
    assert Union([ring, far]).is_inside(pts, True).all()
    fraction_close(far.is_inside(pts, True), 1 / (1 + 3 * math.pi))


def test_union_of_surfaces_samples_the_curves(gen, fraction_close):
    small = EllipsoidDomain({"x": [0, 2], "y": [0, 2]}, sample_surface=True)  # perimeter 2 pi
    big = EllipsoidDomain({"x": [3, 9], "y": [0, 6]}, sample_surface=True)  # perimeter 6 pi
    pts = Union([small, big]).sample(4000, generator=gen)
    on_small, on_big = small.is_inside(pts), big.is_inside(pts)
    assert (on_small | on_big).all()
    fraction_close(on_small, 0.25)


@pytest.mark.parametrize("operation", OPERATIONS)
def test_generator_reproducibility(operation):
    op = operation(members_2d())
    first = op.sample(300, generator=torch.Generator().manual_seed(11))
    second = op.sample(300, generator=torch.Generator().manual_seed(11))
    other = op.sample(300, generator=torch.Generator().manual_seed(12))
    assert torch.equal(first.tensor, second.tensor)
    assert not torch.equal(first.tensor, other.tensor)


def test_global_seed_reproducibility():
    op = Union(members_2d())
    torch.manual_seed(5)
    first = op.sample(100)
    torch.manual_seed(5)
    assert torch.equal(first.tensor, op.sample(100).tensor)


# ------------------------------------------------------------------------ errors
@pytest.mark.parametrize("operation", OPERATIONS)
@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"mode": "grid"}, ValueError, r"mode='grid' is not supported; choose one of \['random'\]"),
        (
            {"variables": "x"},
            ValueError,
            r"variables='x': \w+ samples all its variables \['x', 'y'\] together, so it cannot "
            r"sample a subset \(left out: \['y'\]\); use variables='all'",
        ),
        ({"variables": ["x", "w"]}, ValueError, r"\['w'\] not in the location"),
        ({"generator": 1}, TypeError, r"generator must be a torch.Generator or None"),
    ],
)
def test_sample_errors(operation, kwargs, error, match):
    with pytest.raises(error, match=match):
        operation([square([0, 2], [0, 2]), square([1, 3], [1, 3])]).sample(10, **kwargs)


@pytest.mark.parametrize("operation", [Intersection])
def test_empty_result_is_an_error(operation):
    op = operation([square([0, 1], [0, 1]), square([2, 3], [0, 1])])
    with pytest.raises(
        ValueError, match=r"Intersection looks empty: none of the \d+ candidates drawn"
    ):
        op.sample(10, generator=torch.Generator().manual_seed(0))


class OldStyleDisk(Location):
    """A PINA 0.1 style geometry: no generator argument."""

    variables = ["x", "y"]  # a class attribute, as some user code does

    def sample(self, n, mode="random", variables="all"):
        r = torch.rand(n, 1).sqrt()
        angle = 2 * math.pi * torch.rand(n, 1)
        return LabelTensor(torch.cat([r * angle.cos(), r * angle.sin()], 1), ["x", "y"])

    def is_inside(self, point, check_border=False):
        r2 = point.extract(["x", "y"]).tensor.pow(2).sum(-1)
        return r2 <= 1 if check_border else r2 < 1


class ScalarAnswer(OldStyleDisk):
    def is_inside(self, point, check_border=False):
        return bool(super().is_inside(point, check_border)[0])


def test_user_member_without_generator(fraction_close):
    op = Union([OldStyleDisk(), square([2, 3], [0, 1])])
    torch.manual_seed(0)
    pts = op.sample(8000)  # the disk's area is estimated by Monte Carlo
    fraction_close(pts.extract("x").tensor.squeeze(-1) < 1.5, math.pi / (1 + math.pi))
    with pytest.raises(
        TypeError,
        match=r"generator was given but geometries\[0\] \(OldStyleDisk\).sample does not take "
        r"a `generator` argument",
    ):
        op.sample(10, generator=torch.Generator().manual_seed(0))


def test_member_answering_one_bool_is_an_error():
    op = Union([ScalarAnswer(), square([2, 3], [0, 1])])
    with pytest.raises(
        TypeError,
        match=r"geometries\[0\] \(ScalarAnswer\).is_inside must answer for every row with a "
        r"bool tensor of shape \(3,\); got bool",
    ):
        op.is_inside(lt([[0, 0], [1, 1], [2, 2]], ["x", "y"]))


class Annulus(OperationInterface):
    """A user operation that only defines is_inside: the default sampler must be uniform."""

    def is_inside(self, points, check_border=False):
        outer, inner = self._memberships(points, check_border)
        return outer & ~inner


def test_user_operation_with_only_is_inside(gen, fraction_close):
    outer = EllipsoidDomain({"x": [-2, 2], "y": [-2, 2]})
    inner = EllipsoidDomain({"x": [-1, 1], "y": [-1, 1]})
    op = Annulus([outer, inner])
    pts = op.sample(10000, generator=gen)
    r2 = pts.tensor.pow(2).sum(-1)
    assert (r2 >= 1 - 1e-5).all()
    fraction_close(r2 <= 2.5, (2.5 - 1) / 3)  # the part r^2 <= 2.5 has area (2.5 - 1) pi
