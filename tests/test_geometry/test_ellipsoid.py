import math

import numpy as np
import pytest
import torch

from pina.geometry import EllipsoidDomain
from pina.label_tensor import LabelTensor


def lt(rows, labels):
    return LabelTensor(torch.tensor(rows, dtype=torch.get_default_dtype()), labels)


def quadratic_form(points, center, semi_axes):
    """sum(((x - c) / r)^2) per row, in float64, written independently of the library."""
    x = points.tensor.to(torch.float64)
    c = torch.tensor(center, dtype=torch.float64)
    r = torch.tensor(semi_axes, dtype=torch.float64)
    return ((x - c) / r).pow(2).sum(-1)


# ----------------------------------------------------------------- construction
def test_variables_ranges_fixed_and_repr():
    domain = EllipsoidDomain({"x": [0, 4], "t": 2, "y": (-1, 1)})
    assert domain.variables == ["x", "t", "y"]
    assert domain.range_ == {"x": [0.0, 4.0], "y": [-1.0, 1.0]}
    assert domain.fixed_ == {"t": 2.0}
    assert domain.sample_surface is False
    assert repr(domain) == (
        "EllipsoidDomain({'x': [0.0, 4.0], 't': 2.0, 'y': [-1.0, 1.0]}, sample_surface=False)"
    )
    assert EllipsoidDomain({"x": [0, 1]}, sample_surface=True).sample_surface is True


def test_variables_cannot_be_assigned():
    with pytest.raises(AttributeError, match=r"EllipsoidDomain.variables .* cannot be assigned"):
        EllipsoidDomain({"x": [0, 1]}).variables = ["y"]


@pytest.mark.parametrize(
    "spec, kwargs, error, match",
    [
        ([("x", [0, 1])], {}, TypeError, r"ellipsoid_dict must be a dict .*got list"),
        ({1: [0, 1]}, {}, TypeError, r"ellipsoid_dict keys must be variable names \(str\); got 1"),
        ({"x": "a"}, {}, TypeError, r"ellipsoid_dict\['x'\] must be a range .*got 'a' of type str"),
        ({"x": [1, 0]}, {}, ValueError, r"ellipsoid_dict\['x'\]=\[1, 0\] needs a < b"),
        ({"x": [0, 1, 2]}, {}, ValueError, r"ellipsoid_dict\['x'\]=\[0, 1, 2\] must be a range"),
        ({"x": [0, math.inf]}, {}, ValueError, r"ellipsoid_dict\['x'\].*must have finite ends"),
        ({"x": [0, 1]}, {"sample_surface": 1}, TypeError, r"sample_surface must be True or False"),
        (
            {"x": 0.0, "y": 1.0},
            {"sample_surface": True},
            ValueError,
            r"sample_surface=True needs at least one ranged variable; ellipsoid_dict="
            r"\{'x': 0.0, 'y': 1.0\} only fixes values",
        ),
    ],
)
def test_construction_errors(spec, kwargs, error, match):
    with pytest.raises(error, match=match):
        EllipsoidDomain(spec, **kwargs)


# ------------------------------------------------------------- interior sampling
def test_interior_samples_are_inside_and_labelled(gen):
    domain = EllipsoidDomain({"x": [0, 4], "t": 0.5, "y": [-1, 1], "z": [10, 16]})
    pts = domain.sample(2000, generator=gen)
    assert isinstance(pts, LabelTensor)
    assert pts.labels == ["x", "t", "y", "z"]
    assert pts.shape == (2000, 4)
    assert pts.dtype == torch.get_default_dtype()
    assert (pts.extract("t").tensor == 0.5).all()
    q = quadratic_form(pts.extract(["x", "y", "z"]), [2, 0, 13], [2, 1, 3])
    assert (q <= 1 + 1e-6).all()
    assert domain.is_inside(pts, check_border=True).all()
    # Interior points: no mass on the surface, all the space used.
    assert q.max() > 0.99
    assert q.min() < 0.01


def test_interior_is_uniform_2d(gen, fraction_close):
    domain = EllipsoidDomain({"x": [-2, 2], "y": [-1, 1]})
    n = 20000
    pts = domain.sample(n, generator=gen)
    x, y = pts.extract("x").tensor.squeeze(-1), pts.extract("y").tensor.squeeze(-1)
    # A box inside the ellipse: area 0.5 of the ellipse's 2*pi.
    fraction_close((x >= 0) & (x <= 1) & (y >= 0) & (y <= 0.5), 0.5 / (2 * math.pi))
    # The concentric ellipse of half the semi-axes holds a quarter of the area.
    fraction_close(quadratic_form(pts, [0, 0], [2, 1]) <= 0.25, 0.25)


def test_interior_is_uniform_3d(gen, fraction_close):
    domain = EllipsoidDomain({"x": [-1, 1], "y": [-2, 2], "z": [-3, 3]})
    n = 20000
    pts = domain.sample(n, generator=gen)
    x, y, z = pts.tensor.unbind(-1)
    inside_box = (x >= 0) & (x <= 0.5) & (y >= 0) & (y <= 1) & (z >= 0) & (z <= 1.5)
    fraction_close(inside_box, 0.75 / (4 / 3 * math.pi * 6))
    fraction_close(quadratic_form(pts, [0, 0, 0], [1, 2, 3]) <= 0.25, 0.125)


def test_one_dimensional_ellipsoid_is_an_interval(gen, fraction_close):
    domain = EllipsoidDomain({"x": [1, 5]})
    pts = domain.sample(5000, generator=gen).tensor.squeeze(-1)
    assert ((pts >= 1) & (pts <= 5)).all()
    fraction_close(pts < 2, 0.25)
    ends = EllipsoidDomain({"x": [1, 5]}, sample_surface=True).sample(1000, generator=gen)
    values = ends.tensor.squeeze(-1)
    assert set(values.tolist()) == {1.0, 5.0}
    fraction_close(values == 1.0, 0.5)


def test_fixed_only_ellipsoid_is_a_point():
    domain = EllipsoidDomain({"x": 1.0, "y": 2.0})
    assert domain.sample(3).tolist() == [[1.0, 2.0]] * 3
    assert domain.is_inside(lt([[1.0, 2.0], [1.0, 2.5]], ["x", "y"])).tolist() == [True, False]


# -------------------------------------------------------------- surface sampling
def test_surface_points_satisfy_the_equation(gen):
    domain = EllipsoidDomain({"x": [0, 4], "y": [-1, 1], "t": 3, "z": [5, 5.5]}, True)
    pts = domain.sample(3000, generator=gen)
    assert pts.labels == ["x", "y", "t", "z"]
    assert pts.shape == (3000, 4)
    q = quadratic_form(pts.extract(["x", "y", "z"]), [2, 0, 5.25], [2, 1, 0.25])
    assert torch.allclose(q, torch.ones_like(q), rtol=0, atol=2e-6)
    assert (pts.extract("t").tensor == 3).all()
    assert domain.is_inside(pts).all()
    assert domain.is_inside(pts, check_border=True).all()


def test_surface_points_satisfy_the_equation_in_float64(gen, float64):
    domain = EllipsoidDomain({"x": [0, 4], "y": [-1, 1], "z": [5, 5.5]}, sample_surface=True)
    pts = domain.sample(3000, generator=gen)
    assert pts.dtype == torch.float64
    q = quadratic_form(pts, [2, 0, 5.25], [2, 1, 0.25])
    assert torch.allclose(q, torch.ones_like(q), rtol=0, atol=1e-13)
    assert domain.is_inside(pts).all()


def test_surface_is_uniform_in_arc_length(gen, fraction_close):
    a, b = 2.0, 1.0
    domain = EllipsoidDomain({"x": [-a, a], "y": [-b, b]}, sample_surface=True)
    pts = domain.sample(20000, generator=gen)
    # Arc length of the part x > 1 (theta in (-pi/3, pi/3)) over the perimeter, by a
    # fine polyline.
    theta = np.linspace(0, 2 * np.pi, 2_000_001)
    xy = np.stack([a * np.cos(theta), b * np.sin(theta)], axis=-1)
    seg = np.linalg.norm(np.diff(xy, axis=0), axis=-1)
    mid_x = (xy[1:, 0] + xy[:-1, 0]) / 2
    expected = seg[mid_x > 1].sum() / seg.sum()
    # The naive law (normalised Gaussian scaled per axis) would give 1/3 here.
    assert abs(expected - 1 / 3) > 0.04
    fraction_close(pts.extract("x").tensor.squeeze(-1) > 1, expected)


def test_surface_is_uniform_in_area_3d(gen, fraction_close):
    a, c = 1.0, 3.0  # prolate spheroid (x, y semi-axes a; z semi-axis c)
    domain = EllipsoidDomain({"x": [-a, a], "y": [-a, a], "z": [-c, c]}, sample_surface=True)
    pts = domain.sample(20000, generator=gen)
    # Surface of revolution: dA = 2 pi sqrt(rho^2 + (rho rho')^2) dz, rho^2 = a^2 (1 - z^2/c^2).
    z = np.linspace(-c, c, 2_000_001)
    density = 2 * np.pi * np.sqrt(a**2 * (1 - z**2 / c**2) + a**4 * z**2 / c**4)
    cumulative = np.concatenate([[0], np.cumsum((density[1:] + density[:-1]) / 2 * np.diff(z))])
    expected = (cumulative[-1] - np.interp(1.5, z, cumulative)) / cumulative[-1]
    assert abs(expected - 0.25) > 0.02  # the naive law would give 1/4
    fraction_close(pts.extract("z").tensor.squeeze(-1) > 1.5, expected)


def test_measures_match_closed_forms():
    # Volumes.
    assert EllipsoidDomain({"x": [-1, 1], "y": [0, 4]})._measure() == pytest.approx(2 * math.pi)
    ball = EllipsoidDomain({"x": [-1, 1], "y": [-2, 2], "z": [-3, 3], "t": 0.0})
    assert ball._measure() == pytest.approx(4 / 3 * math.pi * 6)
    # Circle and sphere.
    circle = EllipsoidDomain({"x": [-3, 3], "y": [0, 6]}, sample_surface=True)
    assert circle._measure() == pytest.approx(6 * math.pi, rel=1e-12)
    # Prolate spheroid: 2 pi a^2 (1 + c / (a e) arcsin e).
    a, c = 1.0, 3.0
    e = math.sqrt(1 - a**2 / c**2)
    spheroid = EllipsoidDomain({"x": [-a, a], "y": [-a, a], "z": [-c, c]}, sample_surface=True)
    expected = 2 * math.pi * a**2 * (1 + c / (a * e) * math.asin(e))
    assert spheroid._measure() == pytest.approx(expected, rel=1e-9)
    # A 4-D sphere (Monte Carlo): area 2 pi^2 r^3.
    sphere4 = EllipsoidDomain({v: [-2, 2] for v in "abcd"}, sample_surface=True)
    assert sphere4._measure() == pytest.approx(2 * math.pi**2 * 8, rel=1e-9)


# ------------------------------------------------------------ variables and modes
def test_variables_subsets(gen):
    domain = EllipsoidDomain({"x": [-1, 1], "t": 0.5, "y": [-1, 1], "mu": 2})
    pts = domain.sample(10, variables=["y", "x", "mu"], generator=gen)
    assert pts.labels == ["x", "y", "mu"]
    assert (pts.extract("mu").tensor == 2).all()
    fixed = domain.sample(4, variables=["mu", "t"])
    assert fixed.labels == ["t", "mu"]
    assert fixed.tolist() == [[0.5, 2.0]] * 4


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (
            {"variables": ["x", "t"]},
            ValueError,
            r"variables=\['x', 't'\] selects \['x'\] but not all of the ranged variables "
            r"\['x', 'y'\] of the EllipsoidDomain",
        ),
        ({"variables": "w"}, ValueError, r"\['w'\] not in the location"),
        ({"mode": "grid"}, ValueError, r"mode='grid' is not supported; choose one of \['random'\]"),
        ({"mode": "lh"}, ValueError, r"mode='lh' is not supported"),
        ({"generator": 0}, TypeError, r"generator must be a torch.Generator or None; got int"),
    ],
)
def test_sample_errors(kwargs, error, match):
    domain = EllipsoidDomain({"x": [-1, 1], "t": 0.5, "y": [-1, 1]})
    with pytest.raises(error, match=match):
        domain.sample(5, **kwargs)


@pytest.mark.parametrize("n, error", [(0, ValueError), (2.0, TypeError), (True, TypeError)])
def test_sample_count_errors(n, error):
    with pytest.raises(error, match=r"n must be a positive int"):
        EllipsoidDomain({"x": [-1, 1]}).sample(n)


@pytest.mark.parametrize("surface", [False, True])
def test_generator_reproducibility(surface):
    domain = EllipsoidDomain({"x": [-1, 3], "y": [0, 1], "z": [0, 2]}, sample_surface=surface)
    first = domain.sample(100, generator=torch.Generator().manual_seed(7))
    second = domain.sample(100, generator=torch.Generator().manual_seed(7))
    other = domain.sample(100, generator=torch.Generator().manual_seed(8))
    assert torch.equal(first.tensor, second.tensor)
    assert not torch.equal(first.tensor, other.tensor)


# -------------------------------------------------------------------- is_inside
def test_is_inside_is_vectorised_with_borders():
    domain = EllipsoidDomain({"x": [0, 4], "y": [-1, 1], "t": 1.0})
    probe = lt(
        [
            [2.0, 0.0, 1.0],  # centre
            [4.0, 0.0, 1.0],  # on the border
            [2.0, -1.0, 1.0],  # on the border
            [3.9, 0.9, 1.0],  # in the box, outside the ellipse
            [2.0, 0.0, 1.5],  # wrong fixed value
        ],
        ["x", "y", "t"],
    )
    assert domain.is_inside(probe).tolist() == [True, False, False, False, False]
    assert domain.is_inside(probe, check_border=True).tolist() == [True, True, True, False, False]
    # Extra columns and another column order are fine.
    shuffled = LabelTensor(torch.cat([probe.tensor[:, [2, 1, 0]], torch.zeros(5, 1)], 1),
                           ["t", "y", "x", "u"])  # fmt: skip
    assert domain.is_inside(shuffled, check_border=True).tolist() == [
        True,
        True,
        True,
        False,
        False,
    ]


def test_is_inside_of_surface_ignores_check_border():
    domain = EllipsoidDomain({"x": [0, 4], "y": [-1, 1]}, sample_surface=True)
    probe = lt([[2.0, 0.0], [4.0, 0.0], [2.0, 1.0], [5.0, 0.0]], ["x", "y"])
    assert domain.is_inside(probe).tolist() == [False, True, True, False]
    assert domain.is_inside(probe, check_border=True).tolist() == [False, True, True, False]


def test_far_centre_samples_are_recognised(gen):
    # float32 points far from the origin: the tolerance follows their rounding.
    solid = EllipsoidDomain({"x": [1000, 1000.5], "y": [-3000, -2999]})
    assert solid.is_inside(solid.sample(20000, generator=gen), check_border=True).all()
    surface = EllipsoidDomain({"x": [1000, 1000.5], "y": [-3000, -2999]}, sample_surface=True)
    pts = surface.sample(20000, generator=gen)
    assert surface.is_inside(pts).all()
    assert not solid.is_inside(pts, check_border=False).any()


def test_is_inside_errors():
    domain = EllipsoidDomain({"x": [0, 1], "y": [0, 1]})
    with pytest.raises(TypeError, match=r"points must be a LabelTensor .*got Tensor"):
        domain.is_inside(torch.zeros(3, 2))
    with pytest.raises(ValueError, match=r"lacks the domain variables \['y'\]"):
        domain.is_inside(lt([[0.5, 0.5]], ["x", "z"]))
