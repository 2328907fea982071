import math

import numpy as np
import pytest
import torch

from pina.geometry import CartesianDomain
from pina.label_tensor import LabelTensor

MODES = ["random", "lh", "latin", "grid", "chebyshev"]


@pytest.fixture
def float64():
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(previous)


@pytest.fixture
def gen():
    return torch.Generator().manual_seed(1234)


def lt(rows, labels):
    return LabelTensor(torch.tensor(rows, dtype=torch.get_default_dtype()), labels)


# ----------------------------------------------------------------- construction
def test_variables_ranges_and_fixed_keep_dict_order():
    domain = CartesianDomain({"t": 0.5, "x": [0, 1], "mu": 2, "y": (-1.0, 3)})
    assert domain.variables == ["t", "x", "mu", "y"]
    assert domain.range_ == {"x": [0.0, 1.0], "y": [-1.0, 3.0]}
    assert domain.fixed_ == {"t": 0.5, "mu": 2.0}
    assert repr(domain) == (
        "CartesianDomain({'t': 0.5, 'x': [0.0, 1.0], 'mu': 2.0, 'y': [-1.0, 3.0]})"
    )


def test_numpy_numbers_are_accepted():
    domain = CartesianDomain({"x": [np.float64(0), np.int64(2)], "y": np.float32(1.5)})
    assert domain.range_ == {"x": [0.0, 2.0]}
    assert domain.fixed_ == {"y": 1.5}


def test_range_and_fixed_are_copies():
    domain = CartesianDomain({"x": [0, 1], "y": 0})
    domain.range_["x"] = [5, 6]
    domain.fixed_["y"] = 3
    assert domain.range_ == {"x": [0.0, 1.0]}
    assert domain.fixed_ == {"y": 0.0}


@pytest.mark.parametrize(
    "spec, error, match",
    [
        ([("x", [0, 1])], TypeError, r"cartesian_dict must be a dict .*got list"),
        ({1: [0, 1]}, TypeError, r"keys must be variable names \(str\); got 1"),
        ({"x": "0"}, TypeError, r"cartesian_dict\['x'\] must be a range .*got '0' of type str"),
        ({"x": True}, TypeError, r"cartesian_dict\['x'\] must be a range .*got True"),
        ({"x": [0, "1"]}, TypeError, r"cartesian_dict\['x'\]=\[0, '1'\]: the range ends"),
        ({"x": [0, 1, 2]}, ValueError, r"cartesian_dict\['x'\]=\[0, 1, 2\] must be a range"),
        ({"x": [1, 0]}, ValueError, r"cartesian_dict\['x'\]=\[1, 0\] needs a < b\.$"),
        ({"x": [1, 1]}, ValueError, r"needs a < b; for a fixed value write 'x': 1.0"),
        ({"x": math.nan}, ValueError, r"cartesian_dict\['x'\]=nan must be a finite number"),
        ({"x": [0, math.inf]}, ValueError, r"must have finite ends"),
    ],
)
def test_construction_errors(spec, error, match):
    with pytest.raises(error, match=match):
        CartesianDomain(spec)


def test_update_adds_and_replaces_in_place():
    domain = CartesianDomain({"x": [0, 1], "y": 0})
    domain.update(CartesianDomain({"t": [0, 2], "x": 3, "y": [1, 2]}))
    assert domain.variables == ["x", "y", "t"]
    assert domain.fixed_ == {"x": 3.0}
    assert domain.range_ == {"y": [1.0, 2.0], "t": [0.0, 2.0]}


def test_update_type_error():
    with pytest.raises(TypeError, match=r"new_domain must be a CartesianDomain; got dict"):
        CartesianDomain({"x": [0, 1]}).update({"y": [0, 1]})


# ------------------------------------------------------------- sampling: common
@pytest.mark.parametrize("mode", MODES)
def test_every_sample_is_inside_and_labelled(mode, gen):
    domain = CartesianDomain({"x": [-1, 2], "t": 0.25, "y": [10, 11]})
    pts = domain.sample(6, mode, generator=gen)
    assert isinstance(pts, LabelTensor)
    assert pts.labels == ["x", "t", "y"]
    expected_rows = 6 if mode in ("random", "lh", "latin") else 36
    assert pts.shape == (expected_rows, 3)
    assert pts.dtype == torch.get_default_dtype()
    assert domain.is_inside(pts, check_border=True).all()
    assert (pts.extract("t").tensor == 0.25).all()


@pytest.mark.parametrize("mode", MODES)
def test_sampling_in_float64(mode, gen, float64):
    domain = CartesianDomain({"x": [0, 1], "y": 0.1})
    pts = domain.sample(5, mode, generator=gen)
    assert pts.dtype == torch.float64
    assert (pts.extract("y").tensor == 0.1).all()
    assert domain.is_inside(pts, check_border=True).all()


# --------------------------------------------------------------- sampling: random
def test_random_is_uniform(gen):
    domain = CartesianDomain({"x": [2, 6], "y": [-1, 1]})
    n = 4000
    pts = domain.sample(n, "random", generator=gen)
    assert pts.shape == (n, 2)
    assert domain.is_inside(pts, check_border=True).all()
    x, y = pts.extract("x").tensor.squeeze(-1), pts.extract("y").tensor.squeeze(-1)
    sigma = math.sqrt(0.25 * 0.75 / n)  # binomial std of a fraction with p = 1/4
    # Sub-interval of x holding a quarter of the range.
    assert abs(((x >= 3) & (x < 4)).float().mean().item() - 0.25) < 4 * sigma
    # A quadrant of the box: the two coordinates are jointly uniform.
    assert abs(((x < 4) & (y < 0)).float().mean().item() - 0.25) < 4 * sigma
    assert abs(x.mean().item() - 4) < 4 * (4 / math.sqrt(12 * n))


# ------------------------------------------------------------------- sampling: lh
@pytest.mark.parametrize("mode", ["lh", "latin"])
def test_latin_hypercube_one_point_per_stratum(mode, gen, float64):
    bounds = {"x": [0, 1], "y": [-2, 3], "z": [10, 10.5]}
    domain = CartesianDomain(bounds)
    n = 40
    pts = domain.sample(n, mode, generator=gen)
    assert pts.shape == (n, 3)
    for name, (a, b) in bounds.items():
        col = pts.extract(name).tensor.squeeze(-1)
        strata = torch.floor((col - a) / (b - a) * n).long()
        assert sorted(strata.tolist()) == list(range(n))


def test_latin_and_lh_are_the_same_mode():
    domain = CartesianDomain({"x": [0, 1], "y": [0, 1]})
    first = domain.sample(10, "lh", generator=torch.Generator().manual_seed(0))
    second = domain.sample(10, "latin", generator=torch.Generator().manual_seed(0))
    assert torch.equal(first.tensor, second.tensor)


# ----------------------------------------------------------------- sampling: grid
def test_grid_is_product_of_linspaces_first_variable_fastest():
    domain = CartesianDomain({"x": [0, 1], "y": [-1, 1], "z": [2, 3]})
    n = 3
    pts = domain.sample(n, "grid")
    xs, ys, zs = (torch.linspace(a, b, n).tolist() for a, b in ([0, 1], [-1, 1], [2, 3]))
    expected = [[x, y, z] for z in zs for y in ys for x in xs]
    assert pts.labels == ["x", "y", "z"]
    assert pts.tolist() == expected


def test_grid_contains_endpoints():
    domain = CartesianDomain({"x": [0.1, 0.7], "y": [-3, 5]})
    pts = domain.sample(7, "grid")
    assert pts.shape == (49, 2)
    for name, (a, b) in domain.range_.items():
        col = pts.extract(name).tensor
        # The ends, exactly (as numbers of the default dtype).
        assert col.min() == torch.tensor(a)
        assert col.max() == torch.tensor(b)
        assert sorted(set(col.squeeze(-1).tolist())) == torch.linspace(a, b, 7).tolist()
    corners = lt([[0.1, -3], [0.7, -3], [0.1, 5], [0.7, 5]], ["x", "y"])
    assert domain.is_inside(corners, check_border=True).all()
    assert not domain.is_inside(corners).any()


def test_grid_with_fixed_variable_between_ranges():
    domain = CartesianDomain({"x": [0, 1], "t": 5, "y": [0, 2]})
    pts = domain.sample(2, "grid")
    assert pts.labels == ["x", "t", "y"]
    assert pts.tolist() == [[0, 5, 0], [1, 5, 0], [0, 5, 2], [1, 5, 2]]


def test_grid_n_one_gives_lower_end():
    assert CartesianDomain({"x": [3, 4]}).sample(1, "grid").tolist() == [[3.0]]


# ------------------------------------------------------------ sampling: chebyshev
@pytest.mark.parametrize("n", [1, 4, 5])
def test_chebyshev_nodes_mapped_to_range(n, float64):
    a, b = -1.0, 3.0
    pts = CartesianDomain({"x": [a, b]}).sample(n, "chebyshev")
    nodes = sorted(math.cos((2 * k + 1) * math.pi / (2 * n)) for k in range(n))
    expected = [[a + (b - a) * (node + 1) / 2] for node in nodes]
    assert torch.allclose(pts.tensor, torch.tensor(expected), rtol=0, atol=1e-13)


def test_chebyshev_is_a_tensor_product_strictly_inside(float64):
    domain = CartesianDomain({"x": [0, 1], "y": [0, 2]})
    n = 3
    pts = domain.sample(n, "chebyshev")
    nodes = sorted(math.cos((2 * k + 1) * math.pi / (2 * n)) for k in range(n))
    xs = [(c + 1) / 2 for c in nodes]
    ys = [(c + 1) for c in nodes]
    expected = torch.tensor([[x, y] for y in ys for x in xs])
    assert torch.allclose(pts.tensor, expected, rtol=0, atol=1e-13)
    assert domain.is_inside(pts, check_border=False).all()


# ------------------------------------------------------------ sampling: subsets
@pytest.mark.parametrize("mode", MODES)
def test_fixed_only_domain_gives_n_identical_rows(mode):
    domain = CartesianDomain({"x": 0.0, "y": 1.5})
    pts = domain.sample(3, mode)
    assert pts.labels == ["x", "y"]
    assert pts.tolist() == [[0.0, 1.5]] * 3
    assert CartesianDomain({"x": 0.0}).sample(1, mode).tolist() == [[0.0]]


@pytest.mark.parametrize("mode", MODES)
def test_sampling_only_fixed_variables_of_mixed_domain(mode):
    domain = CartesianDomain({"x": [0, 1], "t": 2.0})
    pts = domain.sample(4, mode, variables="t")
    assert pts.labels == ["t"]
    assert pts.tolist() == [[2.0]] * 4


@pytest.mark.parametrize("mode", MODES)
def test_variables_subset_keeps_domain_order(mode, gen):
    domain = CartesianDomain({"x": [0, 1], "y": [5, 6], "t": 0.0, "z": [-1, 0]})
    pts = domain.sample(3, mode, variables=["z", "t", "x"], generator=gen)
    assert pts.labels == ["x", "t", "z"]
    assert pts.shape[0] == (3 if mode in ("random", "lh", "latin") else 9)
    assert (
        CartesianDomain({"x": [0, 1], "t": 0.0, "z": [-1, 0]})
        .is_inside(pts, check_border=True)
        .all()
    )
    single = domain.sample(3, mode, variables="y", generator=gen)
    assert single.labels == ["y"]
    assert single.shape == (3, 1)


@pytest.mark.parametrize(
    "variables, error, match",
    [
        (
            "w",
            ValueError,
            r"variables='w': \['w'\] not in the location; available variables "
            r"are \['x', 'y'\]",
        ),
        (["x", "q"], ValueError, r"\['q'\] not in the location"),
        ([], ValueError, r"variables=\[\] selects nothing to sample"),
        (["x", "x"], ValueError, r"must not repeat a name"),
        (["x", 1], TypeError, r"variables must be 'all', a str or a list of str; got \['x', 1\]"),
        (None, TypeError, r"variables must be 'all'"),
    ],
)
def test_variables_errors(variables, error, match):
    with pytest.raises(error, match=match):
        CartesianDomain({"x": [0, 1], "y": 0}).sample(3, variables=variables)


# --------------------------------------------------------- sampling: arguments
@pytest.mark.parametrize(
    "n, error, match",
    [
        (0, ValueError, r"n must be a positive int; got n=0"),
        (-2, ValueError, r"got n=-2"),
        (2.5, TypeError, r"n must be a positive int; got 2.5 of type float"),
        ("3", TypeError, r"got '3' of type str"),
        (True, TypeError, r"got True of type bool"),
    ],
)
def test_n_errors(n, error, match):
    with pytest.raises(error, match=match):
        CartesianDomain({"x": [0, 1]}).sample(n)


def test_numpy_integer_n_is_accepted():
    assert CartesianDomain({"x": [0, 1]}).sample(np.int64(3), "grid").shape == (3, 1)


def test_unknown_mode_message():
    expected = (
        "mode='grdi' is not supported; choose one of "
        "['chebyshev', 'grid', 'latin', 'lh', 'random']."
    )
    with pytest.raises(ValueError) as info:
        CartesianDomain({"x": [0, 1]}).sample(3, "grdi")
    assert str(info.value) == expected
    with pytest.raises(TypeError, match=r"mode must be a str, one of \['chebyshev'.*got 3"):
        CartesianDomain({"x": [0, 1]}).sample(3, 3)


def test_generator_errors():
    with pytest.raises(TypeError, match=r"generator must be a torch.Generator or None; got int"):
        CartesianDomain({"x": [0, 1]}).sample(3, generator=42)


@pytest.mark.parametrize("mode", ["random", "lh"])
def test_generator_reproducible_and_leaves_global_rng_alone(mode):
    domain = CartesianDomain({"x": [0, 1], "y": [0, 1]})
    state = torch.get_rng_state()
    first = domain.sample(20, mode, generator=torch.Generator().manual_seed(7))
    second = domain.sample(20, mode, generator=torch.Generator().manual_seed(7))
    other = domain.sample(20, mode, generator=torch.Generator().manual_seed(8))
    assert torch.equal(torch.get_rng_state(), state)
    assert torch.equal(first.tensor, second.tensor)
    assert not torch.equal(first.tensor, other.tensor)


@pytest.mark.parametrize("mode", ["random", "lh"])
def test_global_seed_reproducible(mode):
    domain = CartesianDomain({"x": [0, 1], "y": [0, 1]})
    torch.manual_seed(3)
    first = domain.sample(10, mode)
    torch.manual_seed(3)
    assert torch.equal(first.tensor, domain.sample(10, mode).tensor)


def test_empty_domain_has_nothing_to_sample():
    domain = CartesianDomain({})
    assert domain.variables == []
    with pytest.raises(ValueError, match=r"selects nothing to sample"):
        domain.sample(3)


# --------------------------------------------------------------------- is_inside
def test_is_inside_ranges_border_semantics():
    domain = CartesianDomain({"x": [0, 1], "y": [-1, 1]})
    pts = lt(
        [[0.5, 0.0], [0.0, 0.0], [1.0, 0.5], [0.5, -1.0], [1.5, 0.0], [0.5, 1.01], [-0.1, 2.0]],
        ["x", "y"],
    )
    inside = domain.is_inside(pts)
    assert inside.shape == (7,)
    assert inside.dtype == torch.bool
    assert inside.tolist() == [True, False, False, False, False, False, False]
    assert domain.is_inside(pts, check_border=True).tolist() == [
        True,
        True,
        True,
        True,
        False,
        False,
        False,
    ]


def test_is_inside_fixed_variables_with_tolerance():
    domain = CartesianDomain({"x": [0, 1], "y": 0.3})
    pts = lt([[0.5, 0.3], [0.5, 0.3 + 1e-9], [0.5, 0.3001], [0.5, -0.3]], ["x", "y"])
    expected = [True, True, False, False]
    assert domain.is_inside(pts).tolist() == expected
    assert domain.is_inside(pts, check_border=True).tolist() == expected
    # A float32 point compared with the float64 value 0.3 still matches.
    float32_pts = LabelTensor(torch.tensor([[0.5, 0.3]], dtype=torch.float32).double(), ["x", "y"])
    assert domain.is_inside(float32_pts).tolist() == [True]


def test_is_inside_reads_columns_by_label_and_ignores_extra_ones():
    domain = CartesianDomain({"x": [0, 1], "y": [10, 20]})
    pts = lt([[15.0, 7.0, 0.5], [0.5, 7.0, 15.0]], ["y", "extra", "x"])
    assert domain.is_inside(pts).tolist() == [True, False]


def test_is_inside_errors():
    domain = CartesianDomain({"x": [0, 1], "y": 0})
    with pytest.raises(TypeError, match=r"points must be a LabelTensor .*got Tensor"):
        domain.is_inside(torch.zeros(3, 2))
    with pytest.raises(ValueError, match=r"lacks the domain variables \['y'\]"):
        domain.is_inside(lt([[0.5]], ["x"]))


def test_is_inside_is_vectorised_over_many_rows(gen):
    domain = CartesianDomain({"x": [0, 1], "y": [0, 1]})
    pts = LabelTensor(3 * torch.rand(10_000, 2, generator=gen) - 1, ["x", "y"])
    inside = domain.is_inside(pts)
    x, y = pts.tensor[:, 0], pts.tensor[:, 1]
    assert torch.equal(inside, (x > 0) & (x < 1) & (y > 0) & (y < 1))
