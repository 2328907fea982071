"""Conditions on given points: data (input + output points), equations on given points, and
problems mixing them with physics conditions, trained by PINN end to end."""

from __future__ import annotations

import pytest
import torch

from pina import Condition, LabelTensor, Trainer
from pina.callbacks import MetricTracker
from pina.equation import Equation, FixedValue
from pina.geometry import CartesianDomain
from pina.model import FeedForward
from pina.operators import grad
from pina.problem import AbstractProblem, InverseProblem, SpatialProblem
from pina.solvers import PINN

X = torch.tensor([[0.1], [0.4], [0.6], [0.9]])


def _two_outputs_data_problem() -> AbstractProblem:
    """Data only: outputs ``u, v``, data given for ``v`` only."""

    class Data(SpatialProblem):
        output_variables = ["u", "v"]
        spatial_domain = CartesianDomain({"x": [0, 1]})
        conditions = {
            "data": Condition(
                input_points=LabelTensor(X, ["x"]),
                output_points=LabelTensor(torch.sin(3 * X), ["v"]),
            )
        }

    return Data()


# ------------------------------------------------------------------ input + output points
def test_data_only_problem_trains_on_the_given_output_columns(trainer_kwargs) -> None:
    problem = _two_outputs_data_problem()
    assert problem.have_sampled_points  # nothing to sample
    torch.manual_seed(0)
    model = FeedForward(1, 2, layers=[10])
    with torch.no_grad():
        start = float(((model(X)[:, 1:] - torch.sin(3 * X)) ** 2).mean())  # the v column
    tracker = MetricTracker()
    pinn = PINN(problem, model, optimizer_kwargs={"lr": 0.03})
    trainer = Trainer(pinn, max_epochs=200, callbacks=[tracker], **trainer_kwargs)
    trainer.train()
    losses = tracker.metrics["data_loss"]
    assert set(trainer.logged_metrics) == {"data_loss", "mean_loss"}
    assert float(losses[0]) == pytest.approx(start, rel=1e-5)
    assert float(losses[-1]) < start / 20


def test_data_labelled_with_an_unknown_output_is_refused(make_model) -> None:
    class Data(SpatialProblem):
        output_variables = ["u"]
        spatial_domain = CartesianDomain({"x": [0, 1]})
        conditions = {
            "data": Condition(
                input_points=LabelTensor(X, ["x"]), output_points=LabelTensor(X, ["w"])
            )
        }

    with pytest.raises(
        ValueError,
        match=r"condition 'data' has output_points labelled \['w'\], but the output variables "
        r"of Data are \['u'\]",
    ):
        PINN(Data(), make_model())


# ---------------------------------------------------------------- input points + equation
def test_equation_on_given_points_equals_the_same_equation_on_a_sampled_location(
    simple_ode_class, make_problem, make_model, trainer_kwargs
) -> None:
    # SimpleODE's x0 condition (u(0) = 1 on the location {x = 0}) written on given points
    class GivenX0(simple_ode_class):
        conditions = {
            **simple_ode_class.conditions,
            "x0": Condition(
                input_points=LabelTensor(torch.zeros(1, 1), ["x"]), equation=FixedValue(1)
            ),
        }

    sampled = make_problem(mode="grid")
    given = GivenX0()
    assert given.not_sampled_points == ["D"]
    given.discretise_domain(20, "grid")  # locations='all' skips x0, which has its points
    assert given.have_sampled_points
    assert torch.equal(given.input_pts["D"].tensor, sampled.input_pts["D"].tensor)
    assert torch.equal(given.input_pts["x0"].tensor, sampled.input_pts["x0"].tensor)

    pinns = [PINN(problem, make_model()) for problem in (sampled, given)]
    trainers = [Trainer(pinn, max_epochs=5, **trainer_kwargs) for pinn in pinns]
    for trainer in trainers:
        trainer.train()
    for a, b in zip(pinns[0].parameters(), pinns[1].parameters()):
        torch.testing.assert_close(a, b, rtol=0, atol=0)
    assert set(trainers[1].logged_metrics) == {"x0_loss", "D_loss", "mean_loss"}


def test_equation_with_params_on_given_points_trains_the_unknown(trainer_kwargs) -> None:
    # u' = k u written on given points; data u = exp(x) (k = 1), k in [0, 3]
    def growth(input_, output_, params_):
        return grad(output_, input_, components=["u"], d=["x"]) - params_["k"] * output_.extract(
            ["u"]
        )

    class Inverse(SpatialProblem, InverseProblem):
        output_variables = ["u"]
        spatial_domain = CartesianDomain({"x": [0, 1]})
        unknown_parameter_domain = CartesianDomain({"k": [0, 3]})
        conditions = {
            "ode": Condition(input_points=LabelTensor(X, ["x"]), equation=Equation(growth)),
            "data": Condition(
                input_points=LabelTensor(X, ["x"]), output_points=LabelTensor(torch.exp(X), ["u"])
            ),
        }

    torch.manual_seed(0)
    problem = Inverse()
    model = FeedForward(1, 1, layers=[10])
    k = problem.unknown_parameters["k"]
    lr = 0.1
    x = X.clone().requires_grad_()
    u = model(x)
    (u_x,) = torch.autograd.grad(u.sum(), x, create_graph=True)
    total = ((u_x - k * u) ** 2).mean() + ((u - torch.exp(X)) ** 2).mean()
    (k_grad,) = torch.autograd.grad(total, [k])
    expected = k.detach() - lr * k_grad

    pinn = PINN(problem, model, optimizer=torch.optim.SGD, optimizer_kwargs={"lr": lr})
    trainer = Trainer(pinn, max_epochs=1, **trainer_kwargs)
    trainer.train()
    torch.testing.assert_close(k.detach(), expected, rtol=1e-5, atol=1e-7)
    assert set(trainer.logged_metrics) == {"ode_loss", "data_loss", "mean_loss"}


# ------------------------------------------------------------------ physics + data, batched
def test_mixed_problem_logs_every_condition_every_epoch(
    make_problem_with_data, make_model, trainer_kwargs
) -> None:
    problem, _ = make_problem_with_data(x=torch.linspace(0.05, 0.95, 7).reshape(-1, 1))
    tracker = MetricTracker()
    pinn = PINN(problem, make_model(), optimizer_kwargs={"lr": 0.01})
    trainer = Trainer(pinn, max_epochs=30, batch_size=7, callbacks=[tracker], **trainer_kwargs)
    trainer.train()
    assert trainer.global_step == 30 * 4  # 28 points in steps of 7
    metrics = tracker.metrics
    assert set(metrics) == {"x0_loss", "D_loss", "data_loss", "mean_loss"}
    for name, values in metrics.items():
        assert values.shape == (30,), name
        assert torch.isfinite(values).all(), name
    assert float(metrics["data_loss"][-1]) < float(metrics["data_loss"][0]) / 2
    assert float(metrics["mean_loss"][-1]) < float(metrics["mean_loss"][0])


# ------------------------------------------------------------------------------ add_points
def test_a_trainer_created_after_add_points_trains_on_the_new_points(
    make_problem, make_model, trainer_kwargs, ode_losses
) -> None:
    problem = make_problem(n_d=5)
    old_points = {name: pts.tensor.clone() for name, pts in problem.input_pts.items()}
    model = make_model()
    pinn = PINN(problem, model, optimizer_kwargs={"lr": 0.0})  # lr=0: logs the initial losses
    before = Trainer(pinn, max_epochs=1, **trainer_kwargs)  # takes the 5 points now
    problem.add_points({"D": LabelTensor(torch.tensor([[0.15], [0.35], [0.55]]), ["x"])})
    assert problem.input_pts["D"].shape == (8, 1)
    after = Trainer(pinn, max_epochs=1, **trainer_kwargs)

    after.train()
    assert float(after.logged_metrics["D_loss"]) == pytest.approx(
        float(ode_losses(model, problem)["D"].detach()), rel=1e-6
    )
    # As documented in add_points: a Trainer created before keeps the points it was given.
    before.train()
    assert float(before.logged_metrics["D_loss"]) == pytest.approx(
        float(ode_losses(model, old_points)["D"].detach()), rel=1e-6
    )
