import math

import numpy as np
import pytest
import torch

from pina.geometry import SimplexDomain
from pina.label_tensor import LabelTensor


def vertex(coords, labels=("x", "y")):
    return LabelTensor(torch.tensor([coords], dtype=torch.get_default_dtype()), list(labels))


def lt(rows, labels):
    return LabelTensor(torch.tensor(rows, dtype=torch.get_default_dtype()), labels)


TRIANGLE = [[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]]
TETRA = [[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]


def triangle(sample_surface=False):
    return SimplexDomain([vertex(v) for v in TRIANGLE], sample_surface=sample_surface)


def tetra(sample_surface=False):
    return SimplexDomain([vertex(v, "xyz") for v in TETRA], sample_surface=sample_surface)


def barycentric(points, vertices):
    """Barycentric coordinates of the rows of ``points`` (numpy, independent of the library)."""
    v = np.asarray(vertices, dtype=np.float64)
    x = points.tensor.to(torch.float64).numpy()
    matrix = np.vstack([v.T, np.ones(len(v))])  # (d + 1, d + 1)
    rhs = np.vstack([x.T, np.ones(len(x))])
    return np.linalg.solve(matrix, rhs).T  # (n, d + 1)


# ----------------------------------------------------------------- construction
def test_variables_from_first_vertex_and_reordered_labels():
    domain = SimplexDomain(
        [vertex([0, 0]), vertex([1, 0]), LabelTensor(torch.tensor([[1, 0]]), ["y", "x"])]
    )
    assert domain.variables == ["x", "y"]
    assert domain.sample_surface is False
    assert domain._measure() == pytest.approx(0.5)
    # The third vertex is (x, y) = (0, 1): (0.1, 0.8) is inside.
    assert domain.is_inside(lt([[0.1, 0.8], [0.8, 0.8]], ["x", "y"])).tolist() == [True, False]


def test_integer_vertices_as_in_pina_0_1(gen):
    domain = SimplexDomain(
        [
            LabelTensor(torch.tensor([[0, 0]]), labels=["x", "y"]),
            LabelTensor(torch.tensor([[1, 1]]), labels=["x", "y"]),
            LabelTensor(torch.tensor([[0, 2]]), labels=["x", "y"]),
        ],
        sample_surface=True,
    )
    pts = domain.sample(10, generator=gen)
    assert pts.dtype == torch.get_default_dtype()
    assert domain.is_inside(pts).all()


@pytest.mark.parametrize(
    "matrix, kwargs, error, match",
    [
        ("abc", {}, TypeError, r"simplex_matrix must be a list of LabelTensor .*got str"),
        ([], {}, ValueError, r"simplex_matrix is empty"),
        (
            [vertex([0, 0]), torch.tensor([[1.0, 0.0]]), vertex([0, 1])],
            {},
            TypeError,
            r"simplex_matrix\[1\] must be a LabelTensor of shape \(1, d\); got Tensor",
        ),
        (
            [vertex([0, 0]), vertex([1, 0]), vertex([0, 1], ("x", "z"))],
            {},
            ValueError,
            r"simplex_matrix\[2\] has labels \['x', 'z'\] but simplex_matrix\[0\] has "
            r"\['x', 'y'\]; every vertex must carry the same labels",
        ),
        (
            [vertex([0, 0]), vertex([1, 0])],
            {},
            ValueError,
            r"simplex_matrix has 2 vertices; a simplex in the 2 variables \['x', 'y'\] "
            r"needs exactly 3",
        ),
        (
            [vertex([0, 0]), lt([[1, 0], [2, 0]], ["x", "y"]), vertex([0, 1])],
            {},
            ValueError,
            r"simplex_matrix\[1\] has shape \(2, 2\); each vertex must have shape \(1, 2\)",
        ),
        (
            [vertex([0, 0]), vertex([1, 1]), vertex([2, 2])],
            {},
            ValueError,
            r"simplex_matrix is degenerate: the vertices .* lie in a hyperplane",
        ),
        (
            [vertex([0, 0]), vertex([math.nan, 0]), vertex([0, 1])],
            {},
            ValueError,
            r"simplex_matrix has non-finite coordinates",
        ),
        (
            [vertex(v) for v in TRIANGLE],
            {"sample_surface": "yes"},
            TypeError,
            r"sample_surface must be True or False; got 'yes'",
        ),
    ],
)
def test_construction_errors(matrix, kwargs, error, match):
    with pytest.raises(error, match=match):
        SimplexDomain(matrix, **kwargs)


def test_variables_cannot_be_assigned():
    with pytest.raises(AttributeError, match=r"SimplexDomain.variables .* cannot be assigned"):
        triangle().variables = ["a", "b"]


# ------------------------------------------------------------- interior sampling
@pytest.mark.parametrize("make, vertices", [(triangle, TRIANGLE), (tetra, TETRA)])
def test_interior_samples_are_inside(make, vertices, gen):
    domain = make()
    pts = domain.sample(3000, generator=gen)
    assert isinstance(pts, LabelTensor)
    assert pts.labels == domain.variables
    assert pts.shape == (3000, len(vertices) - 1)
    assert pts.dtype == torch.get_default_dtype()
    lam = barycentric(pts, vertices)
    assert (lam >= -1e-6).all()
    assert domain.is_inside(pts, check_border=True).all()


def test_interior_is_uniform_2d(gen, fraction_close):
    # A general triangle: (1, 1), (5, 2), (2, 4); area 5.5.
    domain = SimplexDomain([vertex([1, 1]), vertex([5, 2]), vertex([2, 4])])
    assert domain._measure() == pytest.approx(5.5)
    pts = domain.sample(20000, generator=gen)
    x, y = pts.tensor.unbind(-1)
    # The box [2, 3] x [2, 3] lies inside the triangle.
    assert domain.is_inside(lt([[2, 2], [3, 2], [2, 3], [3, 3]], ["x", "y"]), True).all()
    fraction_close((x >= 2) & (x <= 3) & (y >= 2) & (y <= 3), 1 / 5.5)
    # Barycentric coordinates of a uniform point: P(lambda_0 > 1/2) = 1/4.
    lam = barycentric(pts, [[1, 1], [5, 2], [2, 4]])
    fraction_close(torch.from_numpy(lam[:, 0] > 0.5), 0.25)


def test_interior_is_uniform_3d(gen, fraction_close):
    domain = tetra()
    assert domain._measure() == pytest.approx(1 / 6)
    pts = domain.sample(20000, generator=gen)
    inside_box = (pts.tensor <= 0.25).all(-1)  # [0, 1/4]^3 lies inside the tetrahedron
    fraction_close(inside_box, (1 / 64) / (1 / 6))


def test_one_dimensional_simplex(gen, fraction_close):
    segment = SimplexDomain([vertex([2.0], "t"), vertex([-2.0], "t")])
    pts = segment.sample(4000, generator=gen).tensor.squeeze(-1)
    assert ((pts >= -2) & (pts <= 2)).all()
    fraction_close(pts > 1, 0.25)
    ends = SimplexDomain([vertex([2.0], "t"), vertex([-2.0], "t")], sample_surface=True)
    values = ends.sample(1000, generator=gen).tensor.squeeze(-1)
    assert set(values.tolist()) == {-2.0, 2.0}
    fraction_close(values == 2.0, 0.5)


# -------------------------------------------------------------- surface sampling
def test_surface_points_lie_on_the_facets_2d(gen, fraction_close):
    domain = triangle(sample_surface=True)
    pts = domain.sample(20000, generator=gen)
    assert pts.shape == (20000, 2)
    x, y = pts.tensor.to(torch.float64).unbind(-1)
    # Facet equations: y = 0, x = 0, x + y = 1 (within float32 rounding), inside the edge.
    on_bottom = (y.abs() <= 1e-7) & (x >= 0) & (x <= 1)
    on_left = (x.abs() <= 1e-7) & (y >= 0) & (y <= 1)
    on_hypotenuse = ((x + y - 1).abs() <= 1e-6) & (x >= 0) & (y >= 0)
    assert (on_bottom | on_left | on_hypotenuse).all()
    assert domain.is_inside(pts).all()
    # Facets chosen by length: 1, 1 and sqrt(2) out of 2 + sqrt(2).
    fraction_close(on_hypotenuse, math.sqrt(2) / (2 + math.sqrt(2)))
    fraction_close(on_bottom, 1 / (2 + math.sqrt(2)))
    # Uniform along a facet.
    bottom_x = x[on_bottom]
    fraction_close(bottom_x < 0.3, 0.3)
    assert domain._measure() == pytest.approx(2 + math.sqrt(2))


def test_surface_points_lie_on_the_facets_3d(gen, fraction_close):
    vertices = [[0.0, 0.0, 0.0], [2.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 3.0]]
    domain = SimplexDomain([vertex(v, "xyz") for v in vertices], sample_surface=True)
    pts = domain.sample(20000, generator=gen)
    lam = barycentric(pts, vertices)
    assert (lam >= -1e-6).all()
    assert (np.abs(lam).min(axis=1) <= 1e-6).all()  # one barycentric coordinate is zero
    assert domain.is_inside(pts).all()
    # Facet areas: opposite vertex 3 (z = 0): 1; vertex 2 (y = 0): 3; vertex 1 (x = 0):
    # 1.5; vertex 0: the slanted face, |(-2, 1, 0) x (-2, 0, 3)| / 2 = |(3, 6, 2)| / 2 = 3.5.
    areas = np.array([3.5, 1.5, 3.0, 1.0])
    assert domain._measure() == pytest.approx(areas.sum())
    facet = np.abs(lam).argmin(axis=1)
    for j in range(4):
        fraction_close(torch.from_numpy(facet == j), areas[j] / areas.sum())


def test_surface_is_inside_ignores_check_border():
    domain = triangle(sample_surface=True)
    probe = lt(
        [[0.2, 0.2], [0.5, 0.0], [0.5, 0.5], [0.0, 0.0], [2.0, 0.0], [-0.5, 0.0]], ["x", "y"]
    )
    expected = [False, True, True, True, False, False]
    assert domain.is_inside(probe).tolist() == expected
    assert domain.is_inside(probe, check_border=True).tolist() == expected


# -------------------------------------------------------------------- is_inside
def test_is_inside_is_vectorised_with_borders():
    domain = tetra()
    probe = lt(
        [
            [0.1, 0.1, 0.1],  # inside
            [0.0, 0.0, 0.0],  # vertex
            [0.5, 0.5, 0.0],  # on an edge
            [0.2, 0.2, 0.0],  # on a face
            [0.5, 0.5, 0.5],  # outside (x + y + z > 1)
            [-0.1, 0.1, 0.1],  # outside
        ],
        ["x", "y", "z"],
    )
    assert domain.is_inside(probe).tolist() == [True, False, False, False, False, False]
    assert domain.is_inside(probe, check_border=True).tolist() == [
        True,
        True,
        True,
        True,
        False,
        False,
    ]
    reordered = LabelTensor(probe.tensor[:, [2, 0, 1]], ["z", "x", "y"])
    assert torch.equal(domain.is_inside(reordered, True), domain.is_inside(probe, True))


def test_is_inside_errors():
    with pytest.raises(TypeError, match=r"points must be a LabelTensor .*got Tensor"):
        triangle().is_inside(torch.zeros(2, 2))
    with pytest.raises(ValueError, match=r"lacks the simplex variables \['y'\]"):
        triangle().is_inside(lt([[0.1, 0.1]], ["x", "t"]))


# ------------------------------------------------------------ variables and modes
def test_variables_in_any_order(gen):
    pts = tetra().sample(5, variables=["z", "y", "x"], generator=gen)
    assert pts.labels == ["x", "y", "z"]


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (
            {"variables": ["x"]},
            ValueError,
            r"variables=\['x'\]: SimplexDomain samples all its variables \['x', 'y'\] together, "
            r"so it cannot sample a subset \(left out: \['y'\]\)",
        ),
        ({"variables": "q"}, ValueError, r"\['q'\] not in the location"),
        (
            {"mode": "chebyshev"},
            ValueError,
            r"mode='chebyshev' is not supported; choose one of \['random'\]",
        ),
        ({"generator": "seed"}, TypeError, r"generator must be a torch.Generator or None"),
    ],
)
def test_sample_errors(kwargs, error, match):
    with pytest.raises(error, match=match):
        triangle().sample(5, **kwargs)


@pytest.mark.parametrize("surface", [False, True])
def test_generator_reproducibility(surface):
    domain = tetra(sample_surface=surface)
    first = domain.sample(50, generator=torch.Generator().manual_seed(3))
    second = domain.sample(50, generator=torch.Generator().manual_seed(3))
    other = domain.sample(50, generator=torch.Generator().manual_seed(4))
    assert torch.equal(first.tensor, second.tensor)
    assert not torch.equal(first.tensor, other.tensor)


def test_float64_sampling(gen, float64):
    domain = triangle(sample_surface=True)
    pts = domain.sample(1000, generator=gen)
    assert pts.dtype == torch.float64
    lam = barycentric(pts, TRIANGLE)
    assert (np.abs(lam).min(axis=1) <= 1e-14).all()
    assert domain.is_inside(pts).all()
