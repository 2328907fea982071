"""PINN on an InverseProblem: the unknown parameters are trained, clamped, saved and restored.

The problem is ``u' = k u`` on ``[0, 1]`` with data ``u = exp(1.5 x)`` at 5 points and the
unknown ``k`` searched in ``[0, 3]``: the data fix ``k = 1.5``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import torch
from pytorch_lightning import seed_everything
from pytorch_lightning.callbacks import Callback
from torch import nn

from pina import Condition, LabelTensor, Trainer
from pina.equation import Equation
from pina.geometry import CartesianDomain
from pina.model import FeedForward
from pina.operators import grad
from pina.problem import InverseProblem, SpatialProblem
from pina.solvers import PINN

K_TRUE = 1.5
LOW, HIGH = 0.0, 3.0
X_DATA = torch.linspace(0, 1, 5).reshape(-1, 1)
KEY = "_pina_unknown_parameters.k"


def growth(input_, output_, params_):
    u = output_.extract(["u"])
    return grad(output_, input_, components=["u"], d=["x"]) - params_["k"] * u


class Growth(SpatialProblem, InverseProblem):
    output_variables = ["u"]
    spatial_domain = CartesianDomain({"x": [0, 1]})
    unknown_parameter_domain = CartesianDomain({"k": [LOW, HIGH]})
    conditions = {
        "D": Condition(location=CartesianDomain({"x": [0, 1]}), equation=Equation(growth)),
        "data": Condition(
            input_points=LabelTensor(X_DATA, ["x"]),
            output_points=LabelTensor(torch.exp(K_TRUE * X_DATA), ["u"]),
        ),
    }


@pytest.fixture
def make_growth() -> Callable[[int], tuple[Growth, FeedForward]]:
    """``make_growth(seed)``: a Growth problem (20 grid points on D) and a [10, 10] tanh net."""

    def make(seed: int = 0) -> tuple[Growth, FeedForward]:
        seed_everything(seed, verbose=False)
        problem = Growth()
        problem.discretise_domain(20, "grid", locations=["D"])
        return problem, FeedForward(1, 1, layers=[10, 10])

    return make


def _k(problem: Growth) -> float:
    return float(problem.unknown_parameters["k"].detach())


# --------------------------------------------------------------------------- set-up
def test_unknown_parameter_is_registered_and_in_the_optimizer(make_growth) -> None:
    problem, model = make_growth()
    k = problem.unknown_parameters["k"]
    pinn = PINN(problem, model, optimizer_kwargs={"lr": 0.01})

    assert dict(pinn.named_parameters())[KEY] is k  # the problem's own Parameter, not a copy
    assert KEY in pinn.state_dict()
    groups = pinn.optimizers[0].param_groups
    assert len(groups) == 2
    assert groups[0]["params"] == list(pinn.neural_net.parameters())
    assert groups[1]["params"] == [k]
    assert groups[1]["lr"] == 0.01


def test_forward_problems_have_no_unknown_parameters(make_pinn) -> None:
    pinn = make_pinn()
    assert not any("unknown" in name for name in pinn.state_dict())
    assert len(pinn.optimizers[0].param_groups) == 1


def test_one_sgd_step_trains_the_model_and_k_on_physics_and_data(
    make_growth, trainer_kwargs
) -> None:
    lr = 0.1
    problem, model = make_growth()
    k = problem.unknown_parameters["k"]
    pinn = PINN(problem, model, optimizer=torch.optim.SGD, optimizer_kwargs={"lr": lr})

    # by hand: mean (u' - k u)^2 at the D points plus mean (u - exp(1.5 x))^2 at the data
    x = problem.input_pts["D"].tensor.detach().clone().requires_grad_()
    u = model(x)
    (u_x,) = torch.autograd.grad(u.sum(), x, create_graph=True)
    total = ((u_x - k * u) ** 2).mean() + ((model(X_DATA) - torch.exp(K_TRUE * X_DATA)) ** 2).mean()
    weights = [*model.parameters(), k]
    grads = torch.autograd.grad(total, weights)
    expected = [w.detach() - lr * g for w, g in zip(weights, grads)]
    assert LOW < float(expected[-1]) < HIGH  # no clamping in this step

    trainer = Trainer(pinn, max_epochs=1, **trainer_kwargs)
    trainer.train()
    assert trainer.global_step == 1
    for weight, want in zip(weights, expected):
        torch.testing.assert_close(weight.detach(), want, rtol=1e-5, atol=1e-7)
    assert set(trainer.logged_metrics) == {"D_loss", "data_loss", "mean_loss"}


# --------------------------------------------------------------------------- recovery
# Relative error |k - 1.5| / 1.5 after 500 epochs (Adam lr=0.02, 20 grid points on D, the 5
# data points, layers=[10, 10] tanh), measured for seeds 0..19 of make_growth:
# 0.0021 0.0017 0.0016 0.0005 0.0012 0.0001 0.0022 0.0015 0.0019 0.0015
# 0.0010 0.0023 0.0023 0.0006 0.0013 0.0016 0.0013 0.0021 0.0024 0.0004
# (worst 0.0024). The tolerance is about four times the worst. Seeds 1 and 3 start from
# k = 2.27 and k = 0.013, on either side of the truth.
@pytest.mark.parametrize("seed", [1, 3])
def test_inverse_pinn_recovers_k_from_data(make_growth, trainer_kwargs, seed) -> None:
    problem, model = make_growth(seed)
    start = _k(problem)
    assert abs(start - K_TRUE) / K_TRUE > 0.4
    pinn = PINN(problem, model, optimizer_kwargs={"lr": 0.02})
    Trainer(
        pinn, max_epochs=500, enable_checkpointing=False, logger=False, **trainer_kwargs
    ).train()
    assert abs(_k(problem) - K_TRUE) / K_TRUE < 0.01


# --------------------------------------------------------------------------- clamping
class _RecordK(Callback):
    def __init__(self) -> None:
        self.values: list[torch.Tensor] = []

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        self.values.append(pl_module.state_dict()[KEY].detach().clone())


@pytest.mark.parametrize("optimizer", [torch.optim.SGD, torch.optim.Adam])
def test_k_stays_in_its_range_after_every_step_with_a_huge_lr(
    make_growth, trainer_kwargs, optimizer
) -> None:
    problem, model = make_growth()
    record = _RecordK()
    pinn = PINN(problem, model, optimizer=optimizer, optimizer_kwargs={"lr": 0.01})
    # k has its own parameter group: a huge step for k only (the network would diverge)
    pinn.optimizers[0].param_groups[1]["lr"] = 1e3
    trainer = Trainer(pinn, max_epochs=6, batch_size=5, callbacks=[record], **trainer_kwargs)
    trainer.train()
    assert trainer.global_step == 6 * 5  # 25 points in batches of 5
    values = torch.cat(record.values)
    assert values.shape == (30,)
    assert bool(((values >= LOW) & (values <= HIGH)).all()), values
    assert bool(((values == LOW) | (values == HIGH)).any())  # the clamp acted


def test_lbfgs_trains_k_in_its_single_parameter_group(make_growth, trainer_kwargs) -> None:
    problem, model = make_growth()
    start = _k(problem)
    pinn = PINN(problem, model, optimizer=torch.optim.LBFGS, optimizer_kwargs={"lr": 0.1})
    (group,) = pinn.optimizers[0].param_groups
    assert group["params"][-1] is problem.unknown_parameters["k"]
    Trainer(pinn, max_epochs=2, **trainer_kwargs).train()
    assert _k(problem) != start
    assert LOW <= _k(problem) <= HIGH


# ------------------------------------------------------------------------- checkpoints
def test_k_is_saved_and_restored_by_load_from_checkpoint(
    make_growth, trainer_kwargs, tmp_path
) -> None:
    problem, model = make_growth()
    pinn = PINN(problem, model, optimizer_kwargs={"lr": 0.05})
    Trainer(pinn, max_epochs=3, **trainer_kwargs).train()
    (path,) = tmp_path.rglob("*.ckpt")
    trained = problem.unknown_parameters["k"].detach().clone()
    saved = torch.load(path, weights_only=False)["state_dict"][KEY]
    assert torch.equal(saved, trained)

    fresh, fresh_model = make_growth(seed=5)
    assert not torch.equal(fresh.unknown_parameters["k"], trained)
    loaded = PINN.load_from_checkpoint(str(path), problem=fresh, model=fresh_model)
    # restored in place: the new problem's own dict sees the trained value
    assert dict(loaded.named_parameters())[KEY] is fresh.unknown_parameters["k"]
    assert torch.equal(fresh.unknown_parameters["k"].detach(), trained)


def test_resume_from_checkpoint_continues_k_and_its_optimizer_state(
    make_growth, trainer_kwargs, tmp_path
) -> None:
    def run(seed: int, epochs: int, root: str, **fit: Any) -> Growth:
        problem, model = make_growth(seed)
        pinn = PINN(problem, model, optimizer_kwargs={"lr": 0.05})
        Trainer(pinn, max_epochs=epochs, **{**trainer_kwargs, "default_root_dir": root}).train(
            **fit
        )
        return problem

    straight = run(0, 5, str(tmp_path / "straight"))
    run(0, 3, str(tmp_path / "first"))
    (path,) = (tmp_path / "first").rglob("*.ckpt")
    resumed = run(9, 5, str(tmp_path / "resumed"), ckpt_path=str(path))  # other initial k
    torch.testing.assert_close(
        resumed.unknown_parameters["k"], straight.unknown_parameters["k"], rtol=1e-6, atol=1e-8
    )


def test_precision_64_moves_k_to_float64(make_growth, trainer_kwargs) -> None:
    problem, model = make_growth()
    k = problem.unknown_parameters["k"]
    pinn = PINN(problem, model)
    trainer = Trainer(pinn, max_epochs=2, precision="64-true", **trainer_kwargs)
    trainer.train()
    assert trainer.global_step == 2
    assert problem.unknown_parameters["k"] is k
    assert dict(pinn.named_parameters())[KEY] is k
    assert k.dtype == torch.float64
    assert all(p.dtype == torch.float64 for p in pinn.neural_net.parameters())
    assert LOW <= _k(problem) <= HIGH


# --------------------------------------------------------------------------- bad input
def test_k_set_outside_its_range_is_refused(make_growth) -> None:
    problem, model = make_growth()
    problem.unknown_parameters["k"].data.fill_(4.0)
    with pytest.raises(
        ValueError,
        match=r"Growth.unknown_parameters\['k'\]=4.0 is outside its range \[0.0, 3.0\] "
        "given by unknown_parameter_domain",
    ):
        PINN(problem, model)


def test_k_replaced_by_a_plain_tensor_is_refused(make_growth) -> None:
    problem, model = make_growth()
    problem.unknown_parameters["k"] = torch.tensor([1.0])  # type: ignore[assignment]
    with pytest.raises(
        TypeError,
        match=r"Growth.unknown_parameters\['k'\] must be a floating torch.nn.Parameter "
        r"of shape \(1,\); got tensor\(\[1.\]\)",
    ):
        PINN(problem, model)


def test_k_of_wrong_shape_or_missing_is_refused(make_growth) -> None:
    problem, model = make_growth()
    problem.unknown_parameters["k"] = nn.Parameter(torch.ones(2))
    with pytest.raises(
        ValueError, match=r"unknown_parameters\['k'\] must have shape \(1,\); got \(2,\)"
    ):
        PINN(problem, model)
    del problem.unknown_parameters["k"]
    with pytest.raises(
        ValueError,
        match=r"unknown_parameters has the names \[\], but unknown_parameter_domain has \['k'\]",
    ):
        PINN(problem, model)


def test_three_argument_equation_needs_an_inverse_problem(make_model) -> None:
    class Forward(SpatialProblem):
        output_variables = ["u"]
        spatial_domain = CartesianDomain({"x": [0, 1]})
        conditions = {
            "D": Condition(location=CartesianDomain({"x": [0, 1]}), equation=Equation(growth))
        }

    problem = Forward()
    problem.discretise_domain(5)
    with pytest.raises(
        ValueError,
        match="The equation of condition 'D' takes params_ .* Forward is not an InverseProblem",
    ):
        PINN(problem, make_model())
