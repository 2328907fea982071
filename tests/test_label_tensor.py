import copy
import pickle
from pathlib import Path

import pytest
import torch

from pina.label_tensor import LabelTensor

PINA01_DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "pina01"


@pytest.fixture
def t() -> LabelTensor:
    # Row i holds [3i, 3i + 1, 3i + 2]: every value tells where it came from.
    return LabelTensor(torch.arange(18.0).reshape(6, 3), ["a", "b", "c"])


def values(x: torch.Tensor) -> list:
    return x.tensor.tolist() if isinstance(x, LabelTensor) else x.tolist()


# ---------------------------------------------------------------------------- construction
def test_construction_keeps_data_and_labels() -> None:
    data = torch.rand(4, 2)
    lt = LabelTensor(data, ["x", "y"])
    assert isinstance(lt, LabelTensor)
    assert lt.labels == ["x", "y"]
    assert lt.shape == (4, 2)
    torch.testing.assert_close(lt.tensor, data)
    assert type(lt.tensor) is torch.Tensor


def test_construction_shares_memory() -> None:
    data = torch.zeros(3, 2)
    lt = LabelTensor(data, ["x", "y"])
    data[0, 0] = 7.0
    assert lt[0, 0].item() == 7.0


def test_one_dimensional_input_becomes_column() -> None:
    lt = LabelTensor(torch.tensor([1.0, 2.0, 3.0]), "u")
    assert lt.shape == (3, 1)
    assert lt.labels == ["u"]
    assert values(lt) == [[1.0], [2.0], [3.0]]


def test_str_label_for_single_column() -> None:
    assert LabelTensor(torch.rand(5, 1), "u").labels == ["u"]


def test_tuple_labels_accepted() -> None:
    assert LabelTensor(torch.rand(2, 2), ("x", "y")).labels == ["x", "y"]


@pytest.mark.parametrize(
    ("labels", "match"),
    [
        ("a", r"1 entries but the tensor has 2 columns"),
        (["a", "b", "c"], r"3 entries but the tensor has 2 columns"),
        (["a", "a"], r"must be unique"),
    ],
)
def test_bad_label_count_or_duplicates(labels: object, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        LabelTensor(torch.rand(3, 2), labels)  # type: ignore[arg-type]


def test_labels_of_wrong_type() -> None:
    with pytest.raises(TypeError, match="labels must be a str or a list of str"):
        LabelTensor(torch.rand(3, 2), ["a", 1])  # type: ignore[list-item]


def test_data_of_wrong_type() -> None:
    with pytest.raises(TypeError, match="x must be a torch.Tensor; got list"):
        LabelTensor([[1.0, 2.0]], ["a", "b"])  # type: ignore[arg-type]


def test_labels_setter_checks_length(t: LabelTensor) -> None:
    t.labels = ["p", "q", "r"]
    assert t.labels == ["p", "q", "r"]
    with pytest.raises(ValueError, match=r"2 entries but the tensor has 3 columns"):
        t.labels = ["p", "q"]
    assert t.labels == ["p", "q", "r"]


def test_labels_getter_cannot_corrupt_tensor(t: LabelTensor) -> None:
    t.labels.append("zzz")
    assert t.labels == ["a", "b", "c"]
    detached = t.detach()
    detached.labels.append("zzz")
    assert t.labels == ["a", "b", "c"]


# --------------------------------------------------------------------------------- extract
def test_extract_order_as_asked(t: LabelTensor) -> None:
    out = t.extract(["c", "a"])
    assert out.labels == ["c", "a"]
    assert values(out) == [[3 * i + 2, 3 * i] for i in range(6)]


@pytest.mark.parametrize("names", ["b", ["b"], ("b",)])
def test_extract_str_list_tuple_keep_last_dim(t: LabelTensor, names: object) -> None:
    out = t.extract(names)  # type: ignore[arg-type]
    assert out.shape == (6, 1)
    assert out.labels == ["b"]
    assert values(out) == [[3 * i + 1] for i in range(6)]


def test_extract_tuple_of_several(t: LabelTensor) -> None:
    out = t.extract(("b", "a"))
    assert out.labels == ["b", "a"]
    assert values(out)[1] == [4.0, 3.0]


def test_extract_n_dimensional() -> None:
    data = torch.arange(24.0).reshape(2, 4, 3)
    lt = LabelTensor(data, ["a", "b", "c"])
    out = lt.extract(["c", "a"])
    assert out.shape == (2, 4, 2)
    assert out.labels == ["c", "a"]
    torch.testing.assert_close(out.tensor, data[..., [2, 0]])
    assert lt.extract("b").shape == (2, 4, 1)


def test_extract_unknown_label_names_it_and_available(t: LabelTensor) -> None:
    with pytest.raises(
        ValueError, match=r"\['z'\] not found; available labels are \['a', 'b', 'c'\]"
    ):
        t.extract(["a", "z"])


def test_extract_keeps_graph() -> None:
    x = torch.rand(4, 2, requires_grad=True)
    lt = LabelTensor(x, ["a", "b"])
    (lt.extract("b") * 3).sum().backward()
    assert x.grad is not None
    assert values(x.grad) == [[0.0, 3.0]] * 4


# ------------------------------------------------------------------------------ indexing
def test_rows_slice_keeps_labels(t: LabelTensor) -> None:
    out = t[:5]
    assert isinstance(out, LabelTensor)
    assert out.shape == (5, 3)
    assert out.labels == ["a", "b", "c"]
    assert values(out) == values(t)[:5]


@pytest.mark.parametrize("row", [3, -1])
def test_single_row_is_a_row(t: LabelTensor, row: int) -> None:
    out = t[row]
    assert out.shape == (1, 3)
    assert out.labels == ["a", "b", "c"]
    assert values(out) == [values(t)[row]]


def test_column_slice_keeps_selected_labels(t: LabelTensor) -> None:
    out = t[:, 0:2]
    assert out.shape == (6, 2)
    assert out.labels == ["a", "b"]
    assert values(out) == [[3 * i, 3 * i + 1] for i in range(6)]


@pytest.mark.parametrize("col", [2, -1])
def test_single_column_is_a_column(t: LabelTensor, col: int) -> None:
    out = t[:, col]
    assert out.shape == (6, 1)
    assert out.labels == ["c"]
    assert isinstance(out.labels, list)
    assert values(out) == [[3 * i + 2] for i in range(6)]


def test_column_index_list(t: LabelTensor) -> None:
    out = t[:, [2, 0]]
    assert out.labels == ["c", "a"]
    assert values(out)[0] == [2.0, 0.0]


def test_row_and_column_int(t: LabelTensor) -> None:
    out = t[1, 2]
    assert out.shape == (1, 1)
    assert out.labels == ["c"]
    assert out.item() == 5.0


def test_ellipsis_column(t: LabelTensor) -> None:
    out = t[..., 1]
    assert out.shape == (6, 1)
    assert out.labels == ["b"]


def test_bool_mask_selects_rows(t: LabelTensor) -> None:
    mask = torch.tensor([True, False, True, False, True, False])
    out = t[mask]
    assert out.labels == ["a", "b", "c"]
    assert values(out) == [values(t)[i] for i in (0, 2, 4)]


def test_column_mask_from_comparison_selects_rows(t: LabelTensor) -> None:
    out = t[t["a"] > 7]  # a = 0, 3, 6, 9, 12, 15
    assert out.labels == ["a", "b", "c"]
    assert values(out) == [values(t)[i] for i in (3, 4, 5)]


def test_index_tensor_of_any_length_selects_rows(t: LabelTensor) -> None:
    idx = torch.tensor([5, 0, 0, 1, 2, 3, 4, 5])
    out = t[idx]
    assert out.shape == (8, 3)
    assert out.labels == ["a", "b", "c"]
    assert values(out) == [values(t)[i] for i in idx.tolist()]


def test_label_access_is_extract(t: LabelTensor) -> None:
    assert t["a"].labels == ["a"]
    assert values(t["a"]) == [[3.0 * i] for i in range(6)]
    assert t["a", "c"].labels == ["a", "c"]
    assert values(t["a", "c"]) == values(t.extract(["a", "c"]))
    assert t[["c", "a"]].labels == ["c", "a"]
    assert values(t[["c", "a"]]) == values(t.extract(["c", "a"]))
    with pytest.raises(ValueError, match=r"\['q'\] not found"):
        t["q"]


def test_indexing_keeps_graph() -> None:
    x = torch.rand(4, 3, requires_grad=True)
    lt = LabelTensor(x, ["a", "b", "c"])
    lt[1:3, 2].sum().backward()
    assert x.grad is not None
    expected = torch.zeros(4, 3)
    expected[1:3, 2] = 1.0
    torch.testing.assert_close(x.grad, expected)


# --------------------------------------------------------------------- torch ops and graph
@pytest.mark.parametrize(
    "op",
    [
        lambda x: x + 1,
        lambda x: 1 - x,
        lambda x: x * x,
        lambda x: x**2,
        lambda x: torch.pow(x, 2),
        lambda x: torch.sin(x),
        lambda x: torch.nn.Tanh()(x),
        lambda x: x.sum(dim=0),
        lambda x: x.T,
        lambda x: x.view(-1),
        lambda x: torch.cat([x, x], dim=0),
        lambda x: x @ torch.eye(3),
        lambda x: x > 1,
        lambda x: torch.zeros_like(x),
        lambda x: x.tensor,
    ],
)
def test_torch_ops_return_plain_tensors(t: LabelTensor, op) -> None:  # type: ignore[no-untyped-def]
    out = op(t)
    assert type(out) is torch.Tensor
    assert not hasattr(out, "_labels")


def test_pina01_relabelled_torch_result_is_written_as_a_label_tensor() -> None:
    # PINA 0.1 wrote u = torch.pow(pts, 2); u.labels = [...] (a deliberate difference,
    # docs/api.md): here the result is labelled explicitly, with the same maths.
    from pina.operators import grad

    pts = LabelTensor(torch.rand(20, 2, dtype=torch.float64), ["x", "y"]).requires_grad_()
    u = LabelTensor(torch.pow(pts, 2), ["u1", "u2"])
    du = grad(u, pts)
    assert du.labels == ["du1dx", "du1dy", "du2dx", "du2dy"]
    x, y = pts.tensor[:, :1].detach(), pts.tensor[:, 1:].detach()
    zero = torch.zeros_like(x)
    torch.testing.assert_close(du.tensor, torch.cat([2 * x, zero, zero, 2 * y], dim=1))


def test_torch_op_values_are_right(t: LabelTensor) -> None:
    torch.testing.assert_close(torch.sin(t), torch.sin(torch.arange(18.0).reshape(6, 3)))


def test_built_from_tensor_stays_on_graph() -> None:
    x = torch.rand(5, 2, requires_grad=True)
    y = x * 2.0
    lt = LabelTensor(y, ["a", "b"])
    assert lt.requires_grad
    assert lt.grad_fn is not None
    (lt**2).sum().backward()
    assert x.grad is not None
    torch.testing.assert_close(x.grad, 8.0 * x.detach())


def test_leaf_label_tensor_gets_gradient() -> None:
    lt = LabelTensor(torch.tensor([[1.0, 2.0]]), ["a", "b"]).requires_grad_()
    (lt.extract("a") * lt.extract("b")).sum().backward()
    assert lt.grad is not None
    torch.testing.assert_close(lt.grad, torch.tensor([[2.0, 1.0]]))


# -------------------------------------------------------------------------------- append
def test_append_std_concatenates_columns() -> None:
    a = LabelTensor(torch.tensor([[1.0], [2.0]]), "x")
    b = LabelTensor(torch.tensor([[3.0, 4.0], [5.0, 6.0]]), ["y", "z"])
    out = a.append(b)
    assert out.labels == ["x", "y", "z"]
    assert values(out) == [[1.0, 3.0, 4.0], [2.0, 5.0, 6.0]]


def test_append_cross_self_rows_fastest() -> None:
    a = LabelTensor(torch.tensor([[1.0, 2.0], [3.0, 4.0]]), ["a", "b"])
    b = LabelTensor(torch.tensor([[10.0], [20.0], [30.0]]), ["c"])
    out = a.append(b, mode="cross")
    assert out.labels == ["a", "b", "c"]
    assert values(out) == [
        [1.0, 2.0, 10.0],
        [3.0, 4.0, 10.0],
        [1.0, 2.0, 20.0],
        [3.0, 4.0, 20.0],
        [1.0, 2.0, 30.0],
        [3.0, 4.0, 30.0],
    ]


@pytest.mark.parametrize("mode", ["std", "cross"])
def test_append_overlapping_labels(mode: str) -> None:
    a = LabelTensor(torch.rand(2, 2), ["a", "b"])
    b = LabelTensor(torch.rand(2, 2), ["b", "c"])
    with pytest.raises(RuntimeError, match=r"labels \['b'\] appear in both tensors"):
        a.append(b, mode=mode)


def test_append_std_row_mismatch() -> None:
    a = LabelTensor(torch.rand(2, 1), "a")
    b = LabelTensor(torch.rand(3, 1), "b")
    with pytest.raises(ValueError, match=r"needs the same rows; got shapes \(2, 1\) and \(3, 1\)"):
        a.append(b)


def test_append_unknown_mode() -> None:
    a = LabelTensor(torch.rand(2, 1), "a")
    b = LabelTensor(torch.rand(2, 1), "b")
    with pytest.raises(ValueError, match=r"mode='diag' is not supported"):
        a.append(b, mode="diag")


# -------------------------------------------------------------------------------- vstack
def test_vstack_reorders_columns_to_first() -> None:
    a = LabelTensor(torch.tensor([[1.0, 2.0]]), ["a", "b"])
    b = LabelTensor(torch.tensor([[6.0, 5.0], [8.0, 7.0]]), ["b", "a"])
    out = LabelTensor.vstack([a, b])
    assert out.labels == ["a", "b"]
    assert values(out) == [[1.0, 2.0], [5.0, 6.0], [7.0, 8.0]]


def test_vstack_label_mismatch() -> None:
    a = LabelTensor(torch.rand(1, 2), ["a", "b"])
    b = LabelTensor(torch.rand(1, 2), ["a", "c"])
    with pytest.raises(ValueError, match=r"label_tensors\[1\] has labels \['a', 'c'\]"):
        LabelTensor.vstack([a, b])


def test_vstack_empty_and_wrong_type() -> None:
    with pytest.raises(ValueError, match="at least one LabelTensor"):
        LabelTensor.vstack([])
    a = LabelTensor(torch.rand(1, 2), ["a", "b"])
    with pytest.raises(TypeError, match=r"label_tensors\[0\] must be a LabelTensor; got Tensor"):
        LabelTensor.vstack([torch.rand(1, 2), a])  # type: ignore[list-item]


# ------------------------------------------------------------------ label-keeping copies
def test_clone_keeps_labels_and_copies(t: LabelTensor) -> None:
    out = t.clone()
    assert isinstance(out, LabelTensor)
    assert out.labels == t.labels
    out[0, 0] = -1.0
    assert t[0, 0].item() == 0.0


def test_detach_keeps_labels() -> None:
    lt = LabelTensor(torch.rand(3, 2, requires_grad=True) * 1.0, ["a", "b"])
    out = lt.detach()
    assert isinstance(out, LabelTensor)
    assert out.labels == ["a", "b"]
    assert not out.requires_grad


def test_to_keeps_labels(t: LabelTensor) -> None:
    out = t.to(torch.float64)
    assert isinstance(out, LabelTensor)
    assert out.dtype == torch.float64
    assert out.labels == ["a", "b", "c"]
    assert values(out) == values(t)
    assert t.to("cpu").labels == ["a", "b", "c"]
    assert t.cpu().labels == ["a", "b", "c"]
    assert t.double().labels == ["a", "b", "c"]
    assert t.double().float().dtype == torch.float32


def test_requires_grad_keeps_labels(t: LabelTensor) -> None:
    out = t.requires_grad_()
    assert out is t
    assert out.requires_grad
    assert out.labels == ["a", "b", "c"]


def test_deepcopy_keeps_labels_and_is_independent(t: LabelTensor) -> None:
    t.requires_grad_()
    out = copy.deepcopy(t)
    assert isinstance(out, LabelTensor)
    assert out.labels == ["a", "b", "c"]
    assert out.requires_grad
    assert values(out) == values(t)
    with torch.no_grad():
        out[0, 0] = 100.0
    assert t[0, 0].item() == 0.0


def test_pickle_roundtrip(t: LabelTensor) -> None:
    out = pickle.loads(pickle.dumps(t))
    assert isinstance(out, LabelTensor)
    assert out.labels == ["a", "b", "c"]
    assert values(out) == values(t)


def test_torch_save_load_roundtrip(t: LabelTensor, tmp_path: Path) -> None:
    path = tmp_path / "lt.pt"
    torch.save(t, path)
    out = torch.load(path)  # default weights_only=True must accept LabelTensor
    assert isinstance(out, LabelTensor)
    assert out.labels == ["a", "b", "c"]
    assert values(out) == values(t)


def test_torch_save_load_in_containers(tmp_path: Path) -> None:
    path = tmp_path / "pts.pt"
    points = LabelTensor(torch.rand(3, 2), ["x", "t"])
    torch.save({"D": points, "u": [LabelTensor(torch.rand(3), "u")]}, path)
    out = torch.load(path)
    assert out["D"].labels == ["x", "t"]
    assert out["u"][0].labels == ["u"]
    torch.testing.assert_close(out["D"].tensor, points.tensor)


# ------------------------------------------------------------------------ PINA 0.1 files
def _pina01_file(name: str) -> Path:
    path = PINA01_DATA / name
    if not path.is_file():
        pytest.fail(
            f"PINA 0.1 data file {path} is missing: these tests need the shared data folder "
            "'shared/data/pina01' beside the repository clone (../shared/data/pina01)."
        )
    return path


def test_load_pina01_points() -> None:
    pts = torch.load(_pina01_file("pts_0.5_0.5"))
    assert isinstance(pts, LabelTensor)
    assert pts.shape == (2500, 4)
    assert pts.labels == ["x", "y", "mu1", "mu2"]
    assert torch.isfinite(pts.tensor).all()
    # The file holds the parameter point (mu1, mu2) = (0.5, 0.5) on every row.
    torch.testing.assert_close(pts.extract(["mu1", "mu2"]).tensor, torch.full((2500, 2), 0.5))
    # ... and a 50 x 50 grid of (x, y) over [-2, 2]^2.
    for name in ("x", "y"):
        column = pts.extract(name).tensor
        assert column.shape == (2500, 1)
        assert torch.unique(column).numel() == 50
        torch.testing.assert_close(column.min(), torch.tensor(-2.0))
        torch.testing.assert_close(column.max(), torch.tensor(2.0))


def test_load_pina01_solution() -> None:
    sol = torch.load(_pina01_file("pinn_solution_0.5_0.5"))
    assert isinstance(sol, LabelTensor)
    assert sol.shape == (2500, 1)
    assert sol.labels == ["u"]
    assert torch.isfinite(sol.tensor).all()
    assert type(sol * 2) is torch.Tensor


# ------------------------------------------------------- PINA 0.1 names: requires_grad_, select
def test_requires_grad_takes_pina01s_mode(t: LabelTensor) -> None:
    assert t.requires_grad_(mode=True) is t and t.requires_grad
    assert not t.requires_grad_(mode=False).requires_grad
    assert t.requires_grad_(True).requires_grad
    assert not t.requires_grad_(requires_grad=False).requires_grad  # torch's name
    assert t.labels == ["a", "b", "c"]


def test_requires_grad_both_names_is_a_type_error(t: LabelTensor) -> None:
    with pytest.raises(TypeError, match=r"got both mode=False and requires_grad=True"):
        t.requires_grad_(False, requires_grad=True)


def test_select_a_row_keeps_labels(t: LabelTensor) -> None:
    row = t.select(0, 2)
    assert type(row) is LabelTensor
    assert row.shape == (3,) and row.labels == ["a", "b", "c"]
    assert row.tolist() == [6.0, 7.0, 8.0]
    assert row.extract("b").tolist() == [7.0]


def test_select_on_nd_tensor_keeps_labels() -> None:
    lt = LabelTensor(torch.arange(24.0).reshape(2, 4, 3), ["a", "b", "c"])
    out = lt.select(1, -1)
    assert out.shape == (2, 3) and out.labels == ["a", "b", "c"]
    torch.testing.assert_close(out.tensor, lt.tensor[:, -1])


@pytest.mark.parametrize("dim", [1, -1])
def test_select_a_column_is_plain(t: LabelTensor, dim: int) -> None:
    out = t.select(dim, 1)
    assert type(out) is torch.Tensor
    assert out.tolist() == [1.0, 4.0, 7.0, 10.0, 13.0, 16.0]
