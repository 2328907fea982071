import itertools
import math

import pytest
import torch

import pina.utils
from pina.label_tensor import LabelTensor
from pina.utils import (
    chebyshev_roots,
    check_consistency,
    merge_tensors,
    number_parameters,
    torch_lhs,
)


@pytest.fixture
def float64():
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(previous)


def test_all_is_exact():
    assert sorted(pina.utils.__all__) == [
        "LabelTensorDataLoader",
        "chebyshev_roots",
        "check_consistency",
        "is_function",
        "merge_tensors",
        "merge_two_tensors",
        "number_parameters",
        "torch_lhs",
    ]
    for name in pina.utils.__all__:
        assert callable(getattr(pina.utils, name))


# ------------------------------------------------------------ check_consistency
class Base:
    pass


class Child(Base):
    pass


@pytest.mark.parametrize(
    "obj, cls",
    [
        (3, int),
        ([1, 2, 3], int),
        ((1.0, 2.0), float),
        ({"a", "b"}, str),
        ([1, "a"], (int, str)),
        (Child(), Base),
        ([], int),
    ],
)
def test_check_consistency_accepts_instances(obj, cls):
    assert check_consistency(obj, cls) is None


def test_check_consistency_accepts_subclasses():
    check_consistency(Child, Base, subclass=True)
    check_consistency([Child, Base], Base, subclass=True)
    check_consistency(torch.nn.Tanh, torch.nn.Module, subclass=True)
    check_consistency(torch.nn.Tanh, (int, torch.nn.Module), subclass=True)


def test_check_consistency_wrong_instance_is_type_error():
    with pytest.raises(TypeError, match=r"expected an instance of int; got 'a' of type str"):
        check_consistency("a", int)
    with pytest.raises(TypeError, match=r"expected an instance of int; got 2.5 of type float"):
        check_consistency([1, 2.5], int)
    with pytest.raises(TypeError, match=r"expected an instance of int or str; got None"):
        check_consistency(None, (int, str))
    with pytest.raises(TypeError, match=r"instance of Child; got .* of type Base"):
        check_consistency(Base(), Child)


def test_check_consistency_wrong_subclass_is_type_error():
    with pytest.raises(TypeError, match=r"expected a subclass of Child; got the class Base"):
        check_consistency(Base, Child, subclass=True)
    with pytest.raises(TypeError, match=r"subclass of Module; got .*instance of Tanh, not a class"):
        check_consistency(torch.nn.Tanh(), torch.nn.Module, subclass=True)


def test_check_consistency_rejects_bad_expected_class():
    with pytest.raises(TypeError, match=r"object_instance must be a class .*got 'int'"):
        check_consistency(1, "int")
    with pytest.raises(TypeError, match=r"object_instance must be a class"):
        check_consistency(1, ())


def test_check_consistency_message_is_short_for_big_objects():
    with pytest.raises(TypeError) as info:
        check_consistency(list(range(10_000)), str)
    assert len(str(info.value)) < 200


# ---------------------------------------------------------------- merge_tensors
def test_merge_two_tensors_is_explicit_product():
    a = LabelTensor(torch.tensor([[0.0, 10.0], [1.0, 11.0], [2.0, 12.0]]), ["x", "y"])
    b = LabelTensor(torch.tensor([[5.0], [6.0]]), ["t"])
    merged = merge_tensors([a, b])
    assert isinstance(merged, LabelTensor)
    assert merged.labels == ["x", "y", "t"]
    expected = [[0, 10, 5], [1, 11, 5], [2, 12, 5], [0, 10, 6], [1, 11, 6], [2, 12, 6]]
    assert merged.tolist() == expected


def test_merge_three_tensors_matches_itertools_product():
    xs, ys, zs = [0.0, 1.0], [2.0, 3.0, 4.0], [5.0, 6.0]
    tensors = [
        LabelTensor(torch.tensor(v)[:, None], [name])
        for v, name in ((xs, "x"), (ys, "y"), (zs, "z"))
    ]
    merged = merge_tensors(tuple(tensors))
    assert merged.labels == ["x", "y", "z"]
    # First tensor varies fastest: product over (z, y, x) reversed.
    expected = [[x, y, z] for z, y, x in itertools.product(zs, ys, xs)]
    assert merged.tolist() == expected


def test_merge_single_tensor_is_unchanged():
    a = LabelTensor(torch.rand(4, 2), ["x", "y"])
    merged = merge_tensors([a])
    assert merged.labels == ["x", "y"]
    assert torch.equal(merged.tensor, a.tensor)


def test_merge_tensors_errors():
    a = LabelTensor(torch.rand(2, 1), ["x"])
    with pytest.raises(ValueError, match=r"at least one LabelTensor; got an empty"):
        merge_tensors([])
    with pytest.raises(TypeError, match=r"tensors\[1\] must be a LabelTensor; got Tensor"):
        merge_tensors([a, torch.rand(2, 1)])
    with pytest.raises(TypeError, match=r"tensors must be a list or tuple .*got LabelTensor"):
        merge_tensors(a)
    with pytest.raises(RuntimeError, match=r"\['x'\] appear in both"):
        merge_tensors([a, a])


# -------------------------------------------------------------------- torch_lhs
@pytest.mark.parametrize("n, dim", [(1, 1), (7, 1), (50, 3), (200, 2)])
def test_torch_lhs_one_point_per_stratum(n, dim):
    gen = torch.Generator().manual_seed(n + dim)
    sample = torch_lhs(n, dim, generator=gen)
    assert sample.shape == (n, dim)
    assert sample.dtype == torch.get_default_dtype()
    assert ((sample >= 0) & (sample < 1)).all()
    strata = torch.floor(sample * n).long()
    for d in range(dim):
        assert sorted(strata[:, d].tolist()) == list(range(n))


def test_torch_lhs_is_random_within_strata():
    n = 2000
    sample = torch_lhs(n, 2, generator=torch.Generator().manual_seed(0))
    offset = sample * n - torch.floor(sample * n)  # position inside the stratum, ~U[0, 1)
    # Mean of n uniforms: std 1/sqrt(12 n) ~ 0.0065; allow 5 sigma.
    assert torch.allclose(offset.mean(0), torch.full((2,), 0.5), atol=0.033)
    # The permutations of the two axes are not the same one.
    strata = torch.floor(sample * n).long()
    assert not torch.equal(strata[:, 0], strata[:, 1])


def test_torch_lhs_generator_reproducible():
    first = torch_lhs(30, 3, generator=torch.Generator().manual_seed(123))
    second = torch_lhs(30, 3, generator=torch.Generator().manual_seed(123))
    other = torch_lhs(30, 3, generator=torch.Generator().manual_seed(124))
    assert torch.equal(first, second)
    assert not torch.equal(first, other)


def test_torch_lhs_global_seed_reproducible():
    torch.manual_seed(5)
    first = torch_lhs(10, 2)
    torch.manual_seed(5)
    assert torch.equal(first, torch_lhs(10, 2))


def test_torch_lhs_float64(float64):
    sample = torch_lhs(8, 2, generator=torch.Generator().manual_seed(0))
    assert sample.dtype == torch.float64


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"n": 2.0, "dim": 1}, TypeError, r"n must be a positive int; got 2.0"),
        ({"n": True, "dim": 1}, TypeError, r"n must be a positive int; got True"),
        ({"n": 3, "dim": "2"}, TypeError, r"dim must be a positive int; got '2'"),
        ({"n": 0, "dim": 1}, ValueError, r"n must be a positive int; got n=0"),
        ({"n": 3, "dim": -1}, ValueError, r"dim must be a positive int; got dim=-1"),
        ({"n": 3, "dim": 1, "generator": 0}, TypeError, r"generator must be a torch.Generator"),
    ],
)
def test_torch_lhs_errors(kwargs, error, match):
    with pytest.raises(error, match=match):
        torch_lhs(**kwargs)


# ------------------------------------------------------------ number_parameters
@pytest.mark.parametrize("n_in, n_out", [(1, 1), (3, 2), (20, 7)])
def test_number_parameters_linear(n_in, n_out):
    assert number_parameters(torch.nn.Linear(n_in, n_out)) == n_in * n_out + n_out
    assert number_parameters(torch.nn.Linear(n_in, n_out, bias=False)) == n_in * n_out


def test_number_parameters_per_layer_and_frozen():
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2))
    assert number_parameters(model, aggregate=False) == {
        "0.weight": 12,
        "0.bias": 4,
        "2.weight": 8,
        "2.bias": 2,
    }
    model[0].weight.requires_grad_(False)
    assert number_parameters(model) == 4 + 8 + 2
    assert number_parameters(model, only_trainable=False) == 12 + 4 + 8 + 2
    assert "0.weight" not in number_parameters(model, aggregate=False)


def test_number_parameters_shared_counted_once():
    layer = torch.nn.Linear(2, 2)
    model = torch.nn.Sequential(layer, layer)
    assert number_parameters(model) == 6


def test_number_parameters_type_error():
    with pytest.raises(TypeError, match=r"model must be a torch.nn.Module; got dict"):
        number_parameters({})


# -------------------------------------------------------------- chebyshev_roots
@pytest.mark.parametrize("n", [1, 2, 3, 4, 7, 16, 33])
def test_chebyshev_roots_closed_form(n, float64):
    roots = chebyshev_roots(n)
    assert roots.shape == (n,)
    assert roots.dtype == torch.float64
    expected = sorted(math.cos((2 * k + 1) * math.pi / (2 * n)) for k in range(n))
    assert torch.allclose(roots, torch.tensor(expected), rtol=0, atol=1e-14)
    assert (roots[1:] > roots[:-1]).all()
    assert ((roots > -1) & (roots < 1)).all()
    # T_n(x) = cos(n arccos x) vanishes at every root.
    assert torch.allclose(torch.cos(n * torch.acos(roots)), torch.zeros(n), atol=1e-12)


def test_chebyshev_roots_symmetric_with_exact_zero():
    roots = chebyshev_roots(5)
    assert roots[2].item() == 0.0
    assert torch.equal(roots, -roots.flip(0))
    assert chebyshev_roots(1).tolist() == [0.0]


def test_chebyshev_roots_default_dtype():
    assert chebyshev_roots(4).dtype == torch.get_default_dtype()


@pytest.mark.parametrize(
    "n, error, match",
    [
        (0, ValueError, r"n must be a positive int; got n=0"),
        (-3, ValueError, r"got n=-3"),
        (2.0, TypeError, r"n must be a positive int; got 2.0"),
        ("4", TypeError, r"got '4'"),
    ],
)
def test_chebyshev_roots_errors(n, error, match):
    with pytest.raises(error, match=match):
        chebyshev_roots(n)


def test_chebyshev_roots_does_not_patch_torch():
    chebyshev_roots(3)
    assert not hasattr(torch, "pi") or torch.pi == math.pi


# ------------------------------------------------- merge_two_tensors, is_function, loader
def test_merge_two_tensors_matches_pina01_layout():
    a = LabelTensor(torch.tensor([[0.0, 10.0], [1.0, 11.0], [2.0, 12.0]]), ["x", "y"])
    b = LabelTensor(torch.tensor([[5.0], [6.0]]), ["t"])
    merged = pina.utils.merge_two_tensors(a, b)
    assert merged.labels == ["x", "y", "t"]
    # PINA 0.1: tensor1 repeated n2 times, tensor2 repeat_interleave'd n1 times.
    expected = torch.cat([a.tensor.repeat(2, 1), b.tensor.repeat_interleave(3, dim=0)], dim=1)
    assert merged.tolist() == expected.tolist()
    assert merged.tolist() == merge_tensors([a, b]).tolist()


def test_merge_two_tensors_errors():
    a = LabelTensor(torch.zeros(2, 1), ["x"])
    with pytest.raises(TypeError, match="tensor2 must be a LabelTensor; got Tensor"):
        pina.utils.merge_two_tensors(a, torch.zeros(2, 1))
    with pytest.raises(RuntimeError, match=r"labels \['x'\] appear in both"):
        pina.utils.merge_two_tensors(a, a)


def _named(x):
    return x


@pytest.mark.parametrize(
    "obj, expected",
    [
        (_named, True),
        (lambda x: x, True),
        (torch.sin, False),
        (len, False),
        (torch.nn.Tanh, False),
        (torch.nn.Tanh(), False),
        (LabelTensor.extract, True),  # a function looked up on the class
        (LabelTensor(torch.zeros(1, 1), ["x"]).extract, False),  # a bound method
        (3, False),
    ],
)
def test_is_function(obj, expected):
    assert pina.utils.is_function(obj) is expected


def test_label_tensor_data_loader_batches_keep_labels():
    pts = LabelTensor(torch.arange(20.0).reshape(10, 2), ["x", "y"])
    loader = pina.utils.LabelTensorDataLoader([pts[i] for i in range(10)], batch_size=4)
    assert isinstance(loader, torch.utils.data.DataLoader)
    batches = list(loader)
    assert [b.shape for b in batches] == [(4, 2), (4, 2), (2, 2)]
    assert all(type(b) is LabelTensor and b.labels == ["x", "y"] for b in batches)
    torch.testing.assert_close(torch.cat([b.tensor for b in batches]), pts.tensor)


def test_label_tensor_data_loader_nested_and_plain_items():
    pts = LabelTensor(torch.arange(12.0).reshape(6, 2), ["x", "y"])
    data = [{"pts": pts[i], "id": i, "pair": (pts[i], torch.tensor([float(i)]))} for i in range(6)]
    batch = next(iter(pina.utils.LabelTensorDataLoader(data, batch_size=3)))
    assert batch["pts"].labels == ["x", "y"] and batch["pts"].shape == (3, 2)
    assert batch["id"].tolist() == [0, 1, 2]
    assert isinstance(batch["pair"], tuple)
    assert batch["pair"][0].labels == ["x", "y"]
    assert batch["pair"][1].tolist() == [[0.0], [1.0], [2.0]]


def test_label_tensor_data_loader_keeps_a_users_collate_fn():
    loader = pina.utils.LabelTensorDataLoader(list(range(4)), batch_size=2, collate_fn=list)
    assert list(loader) == [[0, 1], [2, 3]]
