"""What every PINN variant shares with PINN: metrics, steps, checkpoints, inverse problems.

GPINN, RBAPINN, SAPINN and CompetitivePINN run on the tutorial's SimpleODE (``u' = u``,
``u(0) = 1``); CausalPINN, which needs time, on ``Decay`` (``u_t = -u``, ``u(0) = 1``).
SAPINN and CompetitivePINN use manual optimization: two optimizer steps (model, then
adversary) per training step, each counted by ``global_step``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import torch
from pytorch_lightning.callbacks import Callback
from pytorch_lightning.utilities.exceptions import MisconfigurationException
from torch import nn

from pina import Condition, LabelTensor, Trainer
from pina.equation import Equation, FixedValue
from pina.geometry import CartesianDomain
from pina.model import FeedForward
from pina.operators import grad
from pina.problem import InverseProblem, SpatialProblem, TimeDependentProblem
from pina.solvers import GPINN, PINN, RBAPINN, SAPINN, CausalPINN, CompetitivePINN

CLASSES: dict[str, type] = {
    "GPINN": GPINN,
    "CausalPINN": CausalPINN,
    "RBAPINN": RBAPINN,
    "SAPINN": SAPINN,
    "CompetitivePINN": CompetitivePINN,
}
VARIANTS = list(CLASSES)
MANUAL = ["SAPINN", "CompetitivePINN"]
K_TRUE, LOW, HIGH = 1.5, 0.0, 3.0


def _decay(input_, output_):
    return grad(output_, input_, components=["u"], d=["t"]) + output_.extract(["u"])


class Decay(TimeDependentProblem):
    output_variables = ["u"]
    temporal_domain = CartesianDomain({"t": [0, 1]})
    conditions = {
        "t0": Condition(location=CartesianDomain({"t": 0.0}), equation=FixedValue(1.0)),
        "D": Condition(location=CartesianDomain({"t": [0, 1]}), equation=Equation(_decay)),
    }


def _growth_conditions(variable: str) -> dict[str, Condition]:
    """``u' = k u`` on [0, 1] with data ``u = exp(1.5 s)`` at 5 points."""
    points = torch.linspace(0, 1, 5).reshape(-1, 1)

    def growth(input_, output_, params_):
        u_s = grad(output_, input_, components=["u"], d=[variable])
        return u_s - params_["k"] * output_.extract(["u"])

    return {
        "D": Condition(location=CartesianDomain({variable: [0, 1]}), equation=Equation(growth)),
        "data": Condition(
            input_points=LabelTensor(points, [variable]),
            output_points=LabelTensor(torch.exp(K_TRUE * points), ["u"]),
        ),
    }


class SpaceGrowth(SpatialProblem, InverseProblem):
    output_variables = ["u"]
    spatial_domain = CartesianDomain({"x": [0, 1]})
    unknown_parameter_domain = CartesianDomain({"k": [LOW, HIGH]})
    conditions = _growth_conditions("x")


class TimeGrowth(TimeDependentProblem, InverseProblem):
    output_variables = ["u"]
    temporal_domain = CartesianDomain({"t": [0, 1]})
    unknown_parameter_domain = CartesianDomain({"k": [LOW, HIGH]})
    conditions = _growth_conditions("t")


def _growth_problem(time: bool) -> SpaceGrowth | TimeGrowth:
    """The inverse problem, ``k`` unknown in [0, 3] (the data fix ``k = 1.5``)."""
    torch.manual_seed(3)  # k starts at 0.013, far below 1.5
    problem = TimeGrowth() if time else SpaceGrowth()
    problem.discretise_domain(20, "grid", locations=["D"])
    return problem


def _optimizer_kwargs(name: str, lr: float) -> dict[str, Any]:
    if name == "SAPINN":
        return {"optimizer_model_kwargs": {"lr": lr}, "optimizer_weights_kwargs": {"lr": lr}}
    if name == "CompetitivePINN":
        return {"optimizer_model_kwargs": {"lr": lr}, "optimizer_discriminator_kwargs": {"lr": lr}}
    return {"optimizer_kwargs": {"lr": lr}}


@pytest.fixture
def make_variant(make_problem) -> Callable[..., Any]:
    """``make_variant(name, seed=0, problem=None, lr=0.01, model_seed=seed, **kwargs)``."""

    def make(
        name: str,
        seed: int = 0,
        problem: Any = None,
        lr: float = 0.01,
        model_seed: int | None = None,
        **kwargs: Any,
    ) -> Any:
        if problem is None:
            if name == "CausalPINN":
                torch.manual_seed(seed)
                problem = Decay()
                problem.discretise_domain(1, "grid", locations=["t0"])
                problem.discretise_domain(20, "grid", locations=["D"])
            else:
                problem = make_problem(seed=seed)
        torch.manual_seed(seed if model_seed is None else model_seed)
        model = FeedForward(len(problem.input_variables), 1, layers=[10, 10])
        return CLASSES[name](problem, model, **_optimizer_kwargs(name, lr), **kwargs)

    return make


def _steps_per_training_step(name: str) -> int:
    return 2 if name in MANUAL else 1


# ----------------------------------------------------------------------- metrics and steps
@pytest.mark.parametrize("name", VARIANTS)
def test_metrics_steps_and_checkpoint_match_pinn(name, make_variant, trainer_kwargs, tmp_path):
    solver = make_variant(name)
    trainer = Trainer(solver, max_epochs=3, **trainer_kwargs)
    trainer.train()

    pinn = PINN(solver.problem, FeedForward(1, 1, layers=[4]))
    pinn_trainer = Trainer(
        pinn, max_epochs=1, **{**trainer_kwargs, "default_root_dir": str(tmp_path / "pinn")}
    )
    pinn_trainer.train()
    assert set(trainer.logged_metrics) == set(pinn_trainer.logged_metrics)
    assert trainer.global_step == 3 * _steps_per_training_step(name)
    folder = tmp_path / "lightning_logs" / "version_0" / "checkpoints"
    step = trainer.global_step
    assert [p.name for p in folder.iterdir()] == [f"epoch=2-step={step}.ckpt"]


@pytest.mark.parametrize("name", VARIANTS)
def test_logged_losses_are_pinn_losses(name, make_variant, trainer_kwargs):
    # lr = 0: nothing moves but the RBA weights, so each epoch logs the plain PINN losses
    # of the initial network, whatever weighting the variant applies to its objective.
    solver = make_variant(name, lr=0.0)
    problem = solver.problem
    expected = {}
    for condition, points in problem.input_pts.items():
        pts = points.detach().requires_grad_()
        residual = problem.conditions[condition].equation.residual(pts, solver(pts))
        expected[f"{condition}_loss"] = float((residual**2).mean().detach())
    trainer = Trainer(solver, max_epochs=2, **trainer_kwargs)
    trainer.train()
    logged = trainer.logged_metrics
    for key, value in expected.items():
        assert float(logged[key]) == pytest.approx(value, rel=1e-5)
    assert float(logged["mean_loss"]) == pytest.approx(sum(expected.values()) / 2, rel=1e-5)


# ----------------------------------------------------------------------------- checkpoints
@pytest.mark.parametrize("name", VARIANTS)
def test_load_from_checkpoint_restores_the_solver(name, make_variant, trainer_kwargs, tmp_path):
    solver = make_variant(name)
    Trainer(solver, max_epochs=3, **trainer_kwargs).train()
    (path,) = tmp_path.rglob("*.ckpt")

    fresh = make_variant(name, seed=7)
    model = fresh.models[0].torchmodel
    kwargs: dict[str, Any] = {"problem": fresh.problem, "model": model}
    loaded = CLASSES[name].load_from_checkpoint(str(path), **kwargs)
    trained, restored = solver.state_dict(), loaded.state_dict()
    assert trained.keys() == restored.keys()
    for key, value in trained.items():
        assert torch.equal(restored[key], value), key
    if name in ("SAPINN", "RBAPINN"):
        assert any(key.startswith("_weights.") for key in restored)
    x = LabelTensor(torch.linspace(0, 1, 7).reshape(-1, 1), solver.problem.input_variables)
    torch.testing.assert_close(loaded(x).tensor, solver(x).tensor)


@pytest.mark.parametrize("name", VARIANTS)
def test_resuming_from_a_checkpoint_continues_exactly(name, make_variant, trainer_kwargs, tmp_path):
    def run(epochs: int, root: str, model_seed: int = 0, **fit: Any) -> Any:
        # same points; the resumed run starts from other weights (and SAPINN weights)
        solver = make_variant(name, model_seed=model_seed)
        kwargs = {**trainer_kwargs, "default_root_dir": root}
        Trainer(solver, max_epochs=epochs, **kwargs).train(**fit)
        return solver

    straight = run(4, str(tmp_path / "straight"))
    run(2, str(tmp_path / "first"))
    (path,) = (tmp_path / "first").rglob("*.ckpt")
    resumed = run(4, str(tmp_path / "resumed"), model_seed=5, ckpt_path=str(path))
    for key, value in straight.state_dict().items():
        torch.testing.assert_close(resumed.state_dict()[key], value, rtol=1e-6, atol=1e-7)


# ------------------------------------------------------------------------ inverse problems
class _RecordK(Callback):
    def __init__(self) -> None:
        self.values: list[float] = []

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        self.values.append(float(pl_module.problem.unknown_parameters["k"].detach()))


@pytest.mark.parametrize("name", VARIANTS)
def test_inverse_problem_moves_k_towards_the_truth_and_keeps_it_clamped(
    name, make_variant, trainer_kwargs
):
    problem = _growth_problem(time=name == "CausalPINN")
    k = problem.unknown_parameters["k"]
    start = float(k.detach())
    solver = make_variant(name, problem=problem, lr=0.02)
    assert dict(solver.named_parameters())["_pina_unknown_parameters.k"] is k
    Trainer(solver, max_epochs=150, logger=False, **trainer_kwargs).train()
    assert abs(float(k.detach()) - K_TRUE) < 0.5 * abs(start - K_TRUE)

    # a huge step for k alone: the clamp must keep it in [0, 3] after every step
    solver.optimizers[0].param_groups[1]["lr"] = 1e3
    record = _RecordK()
    Trainer(solver, max_epochs=5, callbacks=[record], logger=False, **trainer_kwargs).train()
    assert all(LOW <= value <= HIGH for value in record.values)
    assert any(value in (LOW, HIGH) for value in record.values)


# ------------------------------------------------------------------------ extra features
class SinFeature(nn.Module):
    def forward(self, x: LabelTensor) -> LabelTensor:
        return LabelTensor(torch.sin(torch.pi * x.tensor[:, :1]), ["sin"])


@pytest.mark.parametrize("name", VARIANTS)
def test_extra_features_reach_the_model(name, make_variant, make_problem, trainer_kwargs):
    problem = Decay() if name == "CausalPINN" else make_problem()
    if name == "CausalPINN":
        problem.discretise_domain(1, "grid", locations=["t0"])
        problem.discretise_domain(20, "grid", locations=["D"])
    model = FeedForward(2, 1, layers=[10, 10])
    solver = CLASSES[name](problem, model, extra_features=[SinFeature()])
    trainer = Trainer(solver, max_epochs=2, **trainer_kwargs)
    trainer.train()
    assert torch.isfinite(trainer.logged_metrics["mean_loss"])
    if name == "CompetitivePINN":  # the discriminator gets its own copy of the features
        feats = [m.extra_features[0] for m in solver.models]
        assert isinstance(feats[1], SinFeature) and feats[0] is not feats[1]


# --------------------------------------------------------------- options refused up front
@pytest.mark.parametrize("name", MANUAL)
@pytest.mark.parametrize(
    ("option", "message"),
    [
        ({"gradient_clip_val": 0.5}, r"gradient_clip_val=0.5"),
        ({"accumulate_grad_batches": 2}, r"accumulate_grad_batches=2"),
    ],
)
def test_manual_optimization_refuses_automatic_only_options(
    name, option, message, make_variant, trainer_kwargs
):
    solver = make_variant(name)
    before = [p.detach().clone() for p in solver.parameters()]
    trainer = Trainer(solver, max_epochs=2, **option, **trainer_kwargs)
    with pytest.raises(MisconfigurationException, match=message):
        trainer.train()
    assert trainer.global_step == 0
    assert all(torch.equal(a, b) for a, b in zip(before, solver.parameters()))


@pytest.mark.parametrize("name", MANUAL)
def test_manual_optimization_refuses_lbfgs(name, make_problem):
    model = FeedForward(1, 1, layers=[4])
    with pytest.raises(ValueError, match=rf"{name} takes one gradient step .* LBFGS"):
        CLASSES[name](make_problem(), model, optimizer_model=torch.optim.LBFGS)


@pytest.mark.parametrize("name", ["SAPINN", "RBAPINN"])
def test_full_batch_size_is_bitwise_the_default_run(name, make_variant, trainer_kwargs) -> None:
    runs = []
    for batch_size in (None, 21):  # 21 = every point of SimpleODE: one step per epoch
        torch.manual_seed(3)
        solver = make_variant(name)
        Trainer(solver, max_epochs=3, batch_size=batch_size, **trainer_kwargs).train()
        runs.append(solver)
    for a, b in zip(runs[0].state_dict().values(), runs[1].state_dict().values()):
        assert torch.equal(a, b)


def test_rbapinn_updates_each_weight_once_per_epoch_with_mini_batches(
    make_variant, trainer_kwargs
) -> None:
    # From weights 1, one epoch with batch_size=5 updates each point's weight once:
    # lambda_i = gamma + eta * |r_i| / max_batch |r_j|, so every weight lies in
    # [gamma, gamma + eta], and in each step the point of largest residual gets gamma + eta.
    solver = make_variant("RBAPINN")
    gamma, eta = solver.gamma, solver.eta
    Trainer(solver, max_epochs=1, batch_size=5, **trainer_kwargs).train()
    weights = solver.weights["D"].flatten()
    assert weights.shape == (20,)
    assert bool(((weights >= gamma - 1e-7) & (weights <= gamma + eta + 1e-7)).all())
    top = torch.isclose(weights, torch.tensor(gamma + eta), rtol=0, atol=1e-7).sum()
    assert int(top) == 5  # one maximum per step (D's 20 points make 5 steps of 4)
    assert float(solver.weights["x0"]) == pytest.approx(gamma + eta)


@pytest.mark.parametrize("name", ["SAPINN", "RBAPINN"])
def test_mini_batch_training_learns_the_closed_form(name, make_variant, trainer_kwargs) -> None:
    solver = make_variant(name, lr=0.01)
    Trainer(solver, max_epochs=300, batch_size=7, **trainer_kwargs).train()
    x = LabelTensor(torch.linspace(0, 1, 101).reshape(-1, 1), ["x"])
    with torch.no_grad():
        u = solver(x).tensor
    error = torch.linalg.vector_norm(u - torch.exp(x.tensor)) / torch.linalg.vector_norm(
        torch.exp(x.tensor)
    )
    assert float(error) < 0.05


def test_sapinn_trains_again_after_resampling_to_another_count(
    make_variant, trainer_kwargs
) -> None:
    # Regression: the weights were resized at the second fit but Adam kept moments of the
    # old shape, and crashed in its first step.
    solver = make_variant("SAPINN")
    Trainer(solver, max_epochs=2, **trainer_kwargs).train()
    solver.problem.discretise_domain(33, "random", locations=["D"])
    Trainer(solver, max_epochs=2, batch_size=8, **trainer_kwargs).train()
    assert solver.weights["D"].shape == (33, 1)
    state = solver.optimizer_weights.state[solver.weights["D"]]
    assert state["exp_avg"].shape == (33, 1)


@pytest.mark.parametrize("name", MANUAL)
def test_manual_optimization_steps_both_schedulers_once_per_epoch(
    name, make_problem, trainer_kwargs
) -> None:
    second = "weights" if name == "SAPINN" else "discriminator"
    solver = CLASSES[name](
        make_problem(),
        FeedForward(1, 1, layers=[4]),
        optimizer_model_kwargs={"lr": 0.1},
        **{
            f"optimizer_{second}_kwargs": {"lr": 0.2},
            "scheduler_model": torch.optim.lr_scheduler.StepLR,
            "scheduler_model_kwargs": {"step_size": 1, "gamma": 0.5},
            f"scheduler_{second}": torch.optim.lr_scheduler.StepLR,
            f"scheduler_{second}_kwargs": {"step_size": 1, "gamma": 0.1},
        },
    )
    Trainer(solver, max_epochs=3, **trainer_kwargs).train()
    assert solver.optimizers[0].param_groups[0]["lr"] == pytest.approx(0.1 * 0.5**3)
    assert solver.optimizers[1].param_groups[0]["lr"] == pytest.approx(0.2 * 0.1**3)
