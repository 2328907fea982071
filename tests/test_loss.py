"""LpLoss and PowerLoss: hand-computed values, reductions, zero references, PINN use, errors."""

from __future__ import annotations

import math

import pytest
import torch
from torch.nn.modules.loss import _Loss

import pina.loss as loss_module
from pina.loss import LossInterface, LpLoss, PowerLoss
from pina.trainer import Trainer

# two samples (rows) of two entries; input is the reference, target the compared values
INPUT = [[1.0, 2.0], [3.0, 4.0]]
TARGET = [[0.0, 1.0], [1.0, 1.0]]  # |input - target| = [[1, 1], [2, 3]]

# per-sample losses by hand
LP = {
    1: [2.0, 5.0],
    2: [math.sqrt(2.0), math.sqrt(13.0)],
    3: [2.0 ** (1 / 3), 35.0 ** (1 / 3)],
}
LP_INPUT_NORM = {1: [3.0, 7.0], 2: [math.sqrt(5.0), 5.0], 3: [9.0 ** (1 / 3), 91.0 ** (1 / 3)]}
POWER = {1: [1.0, 2.5], 2: [1.0, 6.5], 3: [1.0, 17.5]}  # mean over the two entries
POWER_INPUT = {1: [1.5, 3.5], 2: [2.5, 12.5], 3: [4.5, 45.5]}


def reduce(values: list[float], reduction: str) -> torch.Tensor:
    t = torch.tensor(values, dtype=torch.float64)
    return {"mean": t.mean(), "sum": t.sum(), "none": t}[reduction]


def tensors() -> tuple[torch.Tensor, torch.Tensor]:
    return torch.tensor(INPUT, dtype=torch.float64), torch.tensor(TARGET, dtype=torch.float64)


def test_all_is_exact_and_the_interface_is_an_abstract_torch_loss() -> None:
    assert loss_module.__all__ == ["LossInterface", "LpLoss", "PowerLoss"]
    assert issubclass(LossInterface, _Loss)
    assert issubclass(LpLoss, LossInterface) and issubclass(PowerLoss, LossInterface)
    with pytest.raises(TypeError, match="abstract"):
        LossInterface()  # type: ignore[abstract]


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("p", [1, 2, 3])
def test_lp_loss_by_hand(p: int, reduction: str) -> None:
    x, y = tensors()
    torch.testing.assert_close(LpLoss(p=p, reduction=reduction)(x, y), reduce(LP[p], reduction))
    relative = [e / n for e, n in zip(LP[p], LP_INPUT_NORM[p])]
    torch.testing.assert_close(
        LpLoss(p=p, reduction=reduction, relative=True)(x, y), reduce(relative, reduction)
    )


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("p", [1, 2, 3])
def test_power_loss_by_hand(p: int, reduction: str) -> None:
    x, y = tensors()
    torch.testing.assert_close(
        PowerLoss(p=p, reduction=reduction)(x, y), reduce(POWER[p], reduction)
    )
    relative = [e / n for e, n in zip(POWER[p], POWER_INPUT[p])]
    torch.testing.assert_close(
        PowerLoss(p=p, reduction=reduction, relative=True)(x, y), reduce(relative, reduction)
    )


def test_defaults_power_two_is_mse_and_lp_infinity_is_max() -> None:
    x, y = torch.rand(6, 3), torch.rand(6, 3)
    loss = PowerLoss()
    assert (loss.p, loss.reduction, loss.relative) == (2, "mean", False)
    torch.testing.assert_close(loss(x, y), torch.nn.functional.mse_loss(x, y))
    torch.testing.assert_close(
        LpLoss(p=float("inf"), reduction="none")(x, y), (x - y).abs().amax(dim=-1)
    )


def test_leading_dimensions_are_samples() -> None:
    x, y = torch.rand(2, 5, 3), torch.rand(2, 5, 3)
    per_sample = (x - y).norm(dim=-1)
    assert LpLoss(reduction="none")(x, y).shape == (2, 5)
    torch.testing.assert_close(LpLoss()(x, y), per_sample.mean())
    assert LpLoss(reduction="sum")(x, y).shape == ()
    torch.testing.assert_close(LpLoss(reduction="sum")(x, y), per_sample.sum())


# ------------------------------------------------------------------ zero references
@pytest.mark.parametrize("cls", [LpLoss, PowerLoss])
@pytest.mark.parametrize("p", [1, 2, 3])
def test_pinn_call_with_zero_reference_is_the_finite_absolute_loss(cls, p: int) -> None:
    residual = torch.randn(20, 2, dtype=torch.float64, requires_grad=True)
    relative = cls(p=p, relative=True)(torch.zeros_like(residual), residual)
    absolute = cls(p=p)(torch.zeros_like(residual), residual)
    torch.testing.assert_close(relative, absolute)
    (grad,) = torch.autograd.grad(relative, residual)
    assert torch.isfinite(grad).all() and grad.abs().sum() > 0


@pytest.mark.parametrize("cls", [LpLoss, PowerLoss])
def test_zero_residual_gives_zero_loss_and_finite_gradient(cls) -> None:
    residual = torch.zeros(4, 3, dtype=torch.float64, requires_grad=True)
    value = cls(relative=True)(torch.zeros_like(residual), residual)
    assert value.item() == 0.0
    (grad,) = torch.autograd.grad(value, residual)
    assert torch.isfinite(grad).all()


def test_zero_reference_falls_back_per_sample() -> None:
    x = torch.tensor([[0.0, 0.0], [3.0, 4.0]], dtype=torch.float64)
    y = torch.tensor([[3.0, 4.0], [0.0, 0.0]], dtype=torch.float64)
    # sample 0: reference zero -> absolute 5; sample 1: target zero -> 5 / 5 = 1
    torch.testing.assert_close(
        LpLoss(relative=True, reduction="none")(x, y), torch.tensor([5.0, 1.0]).double()
    )
    torch.testing.assert_close(
        PowerLoss(relative=True, reduction="none")(x, y), torch.tensor([12.5, 1.0]).double()
    )


def test_relative_gradcheck_with_zero_and_nonzero_references() -> None:
    x = torch.tensor([[0.0, 0.0], [1.0, -2.0]], dtype=torch.float64, requires_grad=True)
    y = torch.tensor([[0.5, 1.5], [0.3, 0.7]], dtype=torch.float64, requires_grad=True)
    for loss in (LpLoss(p=3, relative=True), PowerLoss(p=3, relative=True)):
        # perturbations of the zero reference would leave the zero branch: check y only,
        # and x on the non-zero sample
        assert torch.autograd.gradcheck(lambda t, loss=loss: loss(x.detach(), t), (y,))
        assert torch.autograd.gradcheck(
            lambda s, loss=loss: loss(torch.cat([x[:1].detach(), s]), y.detach()),
            (x[1:].detach().clone().requires_grad_(),),
        )


def test_pinn_trains_with_relative_lp_loss(make_pinn, trainer_kwargs) -> None:
    pinn = make_pinn(loss=LpLoss(relative=True))
    trainer = Trainer(pinn, max_epochs=3, **trainer_kwargs)
    trainer.train()
    metrics = trainer.logged_metrics
    assert {"x0_loss", "D_loss", "mean_loss"} <= set(metrics)
    assert all(torch.isfinite(torch.as_tensor(v)).all() for v in metrics.values())


# ------------------------------------------------------------------ errors
@pytest.mark.parametrize("cls", [LpLoss, PowerLoss])
@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"p": "fro"}, TypeError, "p must be a real number; got 'fro'"),
        ({"p": True}, TypeError, "p must be a real number"),
        ({"p": 0}, ValueError, "p=0 is not valid; p must be a positive"),
        ({"p": float("nan")}, ValueError, "p=nan is not valid"),
        ({"relative": 1}, TypeError, "relative must be a bool; got 1"),
    ],
)
def test_constructor_errors(cls, kwargs, error, match) -> None:
    with pytest.raises(error, match=match):
        cls(**kwargs)


@pytest.mark.parametrize("cls", [LpLoss, PowerLoss])
@pytest.mark.parametrize("reduction", ["avg", "max", None, 1])
def test_reduction_is_checked_when_the_loss_is_called(cls, reduction) -> None:
    # As torch's own losses (and PINA 0.1): any reduction constructs, a bad one fails on call.
    loss = cls(reduction=reduction)
    assert loss.reduction == reduction
    with pytest.raises(
        ValueError,
        match=rf"reduction={reduction!r} is not supported; choose one of \['mean', 'none', 'sum'\]",
    ):
        loss(torch.rand(3, 2), torch.rand(3, 2))
    # ... and fixing the attribute afterwards makes it usable, as on torch.nn.MSELoss.
    loss.reduction = "sum"
    assert loss(torch.ones(3, 2), torch.zeros(3, 2)).shape == ()


def test_power_loss_refuses_infinite_power() -> None:
    with pytest.raises(ValueError, match="p must be a positive finite number"):
        PowerLoss(p=float("inf"))


def test_call_errors() -> None:
    loss = LpLoss()
    with pytest.raises(TypeError, match="input must be a torch.Tensor of shape"):
        loss(0, torch.rand(3, 1))
    with pytest.raises(TypeError, match="target must be a torch.Tensor"):
        loss(torch.rand(3, 1), [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=r"shape \(3, 2\) and target of shape \(4, 2\) do not"):
        loss(torch.rand(3, 2), torch.rand(4, 2))
    loss.reduction = "max"
    with pytest.raises(ValueError, match="reduction='max' is not supported"):
        loss(torch.rand(3, 2), torch.rand(3, 2))
