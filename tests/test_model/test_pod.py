"""PODBlock: exact reconstruction of low-rank data, orthonormal basis, scaling, state and errors."""

from __future__ import annotations

import pytest
import torch

from pina.label_tensor import LabelTensor
from pina.model.layers.pod import PODBlock


@pytest.fixture(autouse=True)
def _seed() -> None:
    torch.manual_seed(0)


def low_rank(n: int, d: int, r: int) -> torch.Tensor:
    """An ``(n, d)`` float64 matrix of rank ``r``."""
    return torch.randn(n, r, dtype=torch.float64) @ torch.randn(r, d, dtype=torch.float64)


@pytest.mark.parametrize("scale", [True, False])
def test_rank_r_data_is_reconstructed_exactly(scale: bool) -> None:
    X = low_rank(12, 30, 3)
    pod = PODBlock(rank=3, scale_coefficients=scale)
    pod.fit(X)
    coefficients = pod.reduce(X)
    assert coefficients.shape == (12, 3)
    torch.testing.assert_close(pod.expand(coefficients), X)
    # New fields in the span of the snapshots are reconstructed too.
    Y = torch.randn(5, 12, dtype=torch.float64) @ X
    torch.testing.assert_close(pod.expand(pod.reduce(Y)), Y)


def test_basis_is_orthonormal_and_ordered_by_energy() -> None:
    X = torch.randn(20, 15, dtype=torch.float64)
    pod = PODBlock(rank=6, scale_coefficients=False)
    pod.fit(X)
    basis = pod.basis
    assert basis is not None and basis.shape == (6, 15)
    torch.testing.assert_close(basis @ basis.T, torch.eye(6, dtype=torch.float64))
    # The coefficient energies are the squared singular values, in decreasing order.
    energy = pod.reduce(X).square().sum(dim=0)
    singular = torch.linalg.svdvals(X)[:6]
    torch.testing.assert_close(energy, singular.square())
    assert torch.all(energy[:-1] >= energy[1:])


def test_truncation_is_the_best_rank_r_approximation() -> None:
    X = torch.randn(10, 8, dtype=torch.float64)
    pod = PODBlock(rank=3, scale_coefficients=False)
    pod.fit(X)
    error = torch.linalg.matrix_norm(X - pod.expand(pod.reduce(X)))
    # Eckart-Young: the error is the norm of the discarded singular values.
    torch.testing.assert_close(error, torch.linalg.svdvals(X)[3:].norm())


def test_unscaled_coefficients_are_projections_on_the_basis() -> None:
    X = torch.randn(7, 9, dtype=torch.float64)
    pod = PODBlock(rank=4, scale_coefficients=False)
    pod.fit(X)
    assert pod.scaler is None and pod.scale_coefficients is False
    assert pod.basis is not None
    torch.testing.assert_close(pod.reduce(X), X @ pod.basis.T)


def test_scaled_coefficients_have_zero_mean_and_unit_std() -> None:
    X = torch.randn(25, 10, dtype=torch.float64) + 3.0
    pod = PODBlock(rank=4)
    pod.fit(X)
    scaler = pod.scaler
    assert scaler is not None and pod.basis is not None
    raw = X @ pod.basis.T
    torch.testing.assert_close(scaler["mean"], raw.mean(dim=0))
    torch.testing.assert_close(scaler["std"], raw.std(dim=0))
    coefficients = pod.reduce(X)
    torch.testing.assert_close(coefficients.mean(dim=0), torch.zeros(4, dtype=torch.float64))
    torch.testing.assert_close(coefficients.std(dim=0), torch.ones(4, dtype=torch.float64))
    torch.testing.assert_close(pod(X), coefficients)  # forward is reduce


def test_rank_can_change_after_fitting() -> None:
    X = low_rank(10, 20, 5)
    pod = PODBlock(rank=2)
    pod.fit(X)
    full = PODBlock(rank=5)
    full.fit(X)
    pod.rank = 5
    assert pod.basis is not None and full.basis is not None and pod.scaler is not None
    assert pod.basis.shape == (5, 20) and pod.scaler["mean"].shape == (5,)
    torch.testing.assert_close(pod.basis, full.basis)
    torch.testing.assert_close(pod.expand(pod.reduce(X)), X)
    with pytest.raises(ValueError, match=r"rank=11 is larger than .* = 10; choose rank <= 10"):
        pod.rank = 11
    assert pod.rank == 5


def test_single_fields_give_rows() -> None:
    X = low_rank(6, 8, 2)
    pod = PODBlock(rank=2)
    pod.fit(X)
    coefficients = pod.reduce(X[0])
    assert coefficients.shape == (1, 2)
    torch.testing.assert_close(pod.expand(coefficients[0]), X[:1])


def test_label_tensor_input_and_gradient_through_reduce() -> None:
    X = torch.randn(6, 3, dtype=torch.float64)
    pod = PODBlock(rank=2, scale_coefficients=False)
    pod.fit(LabelTensor(X, ["a", "b", "c"]))
    assert list(pod.parameters()) == []
    x = X.clone().requires_grad_(True)
    pod.reduce(x).sum().backward()
    assert pod.basis is not None and x.grad is not None
    torch.testing.assert_close(x.grad, pod.basis.sum(dim=0).expand(6, 3))


def test_fit_does_not_keep_the_graph() -> None:
    X = torch.randn(6, 4, requires_grad=True)
    pod = PODBlock(rank=2)
    pod.fit(X * 2)
    assert pod.basis is not None and not pod.basis.requires_grad


def test_state_dict_round_trip_and_dtype_moves(tmp_path) -> None:
    X = torch.randn(8, 5)
    pod = PODBlock(rank=3)
    pod.fit(X)
    assert set(pod.state_dict()) == {"_basis", "_coefficient_mean", "_coefficient_std"}
    path = tmp_path / "pod.pt"
    torch.save(pod.state_dict(), path)
    fresh = PODBlock(rank=3)
    fresh.load_state_dict(torch.load(path))
    torch.testing.assert_close(fresh.reduce(X), pod.reduce(X))
    fresh.double()
    assert fresh.basis is not None and fresh.scaler is not None
    assert fresh.basis.dtype == torch.float64 and fresh.scaler["std"].dtype == torch.float64
    torch.testing.assert_close(fresh.reduce(X.double()), pod.reduce(X).double())


def test_state_dict_must_match_scaling() -> None:
    scaled = PODBlock(rank=2)
    scaled.fit(torch.randn(6, 4))
    with pytest.raises(RuntimeError, match=r"Unexpected key\(s\).*_coefficient_mean"):
        PODBlock(rank=2, scale_coefficients=False).load_state_dict(scaled.state_dict())
    unscaled = PODBlock(rank=2, scale_coefficients=False)
    unscaled.fit(torch.randn(6, 4))
    with pytest.raises(RuntimeError, match=r"Missing key\(s\).*_coefficient_mean"):
        PODBlock(rank=2).load_state_dict(unscaled.state_dict())
    with pytest.raises(RuntimeError, match=r"rank=5 is larger than .* = 4"):
        PODBlock(rank=5).load_state_dict(scaled.state_dict())


def test_constant_coefficient_is_not_divided_by_zero() -> None:
    X = torch.ones(4, 3)  # rank 1: the only coefficient is the same for every snapshot
    pod = PODBlock(rank=1)
    pod.fit(X)
    assert pod.scaler is not None
    torch.testing.assert_close(pod.scaler["std"], torch.ones(1))
    torch.testing.assert_close(pod.expand(pod.reduce(X)), X)


def test_unfitted_layer() -> None:
    pod = PODBlock(rank=2)
    assert pod.basis is None and pod.scaler is None and pod.rank == 2
    assert pod._basis is None and pod._scaler is None
    with pytest.raises(RuntimeError, match=r"PODBlock is not fitted; call fit\(X\)"):
        pod.reduce(torch.randn(3, 4))
    with pytest.raises(RuntimeError, match=r"not fitted"):
        pod.expand(torch.randn(3, 2))


@pytest.mark.parametrize(
    "rank, snapshots, error, match",
    [
        (5, torch.randn(3, 10), ValueError, r"rank=5 is larger than .* = 3; .*n_snapshots=3"),
        (4, torch.randn(10, 2), ValueError, r"rank=4 is larger than .* = 2; .*n_features=2"),
        (1, torch.randn(1, 4), ValueError, r"needs at least 2 snapshots"),
        (1, torch.randn(2, 3, 4), ValueError, r"X must have shape \(n_snapshots, n_features\)"),
        (1, torch.ones(3, 4, dtype=torch.long), TypeError, r"X must be a floating-point"),
        (1, [[1.0, 2.0]], TypeError, r"X must be a floating-point"),
    ],
)
def test_fit_errors(rank: int, snapshots: object, error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        PODBlock(rank).fit(snapshots)


def test_shape_errors_after_fit() -> None:
    pod = PODBlock(rank=2)
    pod.fit(torch.randn(5, 4))
    with pytest.raises(ValueError, match=r"X must have shape \(\*, 4\).*got shape \(3, 5\)"):
        pod.reduce(torch.randn(3, 5))
    with pytest.raises(ValueError, match=r"coeff must have shape \(\*, rank=2\); got shape"):
        pod.expand(torch.randn(3, 3))


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"rank": 0}, ValueError, r"rank=0 must be an int >= 1"),
        ({"rank": 2.0}, TypeError, r"rank must be an int; got 2.0"),
        ({"rank": 2, "scale_coefficients": "yes"}, TypeError, r"scale_coefficients must be"),
    ],
)
def test_constructor_errors(kwargs: dict, error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        PODBlock(**kwargs)
    pod = PODBlock(2)
    if "rank" in kwargs and len(kwargs) == 1:
        with pytest.raises(error, match=match):
            pod.rank = kwargs["rank"]


# ------------------------------------------------------------------ PINA 0.1 attributes
# Shapes, keys and values below were checked against pina-mathlab 0.1.1 on the same data
# (the rank-r projector and the coefficient statistics agree to 1e-14).
@pytest.mark.parametrize("n, d", [(10, 30), (40, 5)])
def test_full_basis_and_scaler_before_truncation(n: int, d: int) -> None:
    X = torch.randn(n, d, dtype=torch.float64)
    pod = PODBlock(rank=2)
    pod.fit(X)
    k = min(n, d)
    assert pod._basis is not None and pod._basis.shape == (k, d)
    torch.testing.assert_close(pod._basis @ pod._basis.T, torch.eye(k, dtype=torch.float64))
    torch.testing.assert_close(pod.basis, pod._basis[:2])
    full = pod._scaler
    assert full is not None and list(full) == ["std", "mean"]  # 0.1's key order
    coefficients = X @ pod._basis.T
    torch.testing.assert_close(full["std"], coefficients.std(dim=0))
    torch.testing.assert_close(full["mean"], coefficients.mean(dim=0))
    scaler = pod.scaler
    assert scaler is not None and list(scaler) == ["mean", "std"]
    torch.testing.assert_close(scaler["std"], full["std"][:2])
    torch.testing.assert_close(scaler["mean"], full["mean"][:2])
    # A higher rank reads further into the same full basis and scaler.
    pod.rank = k
    torch.testing.assert_close(pod.basis, pod._basis)


def test_unscaled_layer_has_no_full_scaler() -> None:
    pod = PODBlock(rank=2, scale_coefficients=False)
    pod.fit(torch.randn(6, 4))
    assert pod._scaler is None and pod.scaler is None and pod._basis is not None


def test_full_scaler_can_be_set_and_is_saved() -> None:
    X = torch.randn(6, 4)
    pod = PODBlock(rank=2)
    pod.fit(X)
    basis = pod.basis
    assert basis is not None
    pod._scaler = {"std": torch.full((4,), 2.0), "mean": torch.zeros(4)}
    torch.testing.assert_close(pod.reduce(X), X @ basis.T / 2.0)
    fresh = PODBlock(rank=2)
    fresh.load_state_dict(pod.state_dict())
    assert fresh._scaler is not None
    torch.testing.assert_close(fresh._scaler["std"], torch.full((4,), 2.0))
    pod._scaler = None
    assert pod.scaler is None and set(pod.state_dict()) == {"_basis"}
    torch.testing.assert_close(pod.reduce(X), X @ basis.T)
    with pytest.raises(TypeError, match=r"_scaler must be None or a dict"):
        pod._scaler = {"std": torch.ones(4)}
    with pytest.raises(ValueError, match=r"_scaler\['mean'\] must have shape \(4,\), one per mode"):
        pod._scaler = {"std": torch.ones(4), "mean": torch.zeros(2)}
