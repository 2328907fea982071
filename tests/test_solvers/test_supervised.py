"""SupervisedSolver: fits against closed forms, the weighted step, metrics, batching of N-D
fields, refused physics, checkpoints."""

from __future__ import annotations

import pytest
import torch

from pina import Condition, LabelTensor, Trainer
from pina.callbacks import MetricTracker
from pina.equation import FixedValue
from pina.geometry import CartesianDomain
from pina.model import FeedForward
from pina.problem import AbstractProblem, SpatialProblem
from pina.solvers import SupervisedSolver


def _data_problem(
    data: dict[str, tuple[torch.Tensor, torch.Tensor]],
    inputs: list[str],
    outputs: list[str],
    weights: dict[str, float] | None = None,
) -> AbstractProblem:
    """A problem with one data condition per entry ``name: (input, output)``."""
    weights = weights or {}

    class Data(AbstractProblem):
        input_variables = inputs
        output_variables = outputs
        conditions = {
            name: Condition(
                input_points=LabelTensor(x, inputs),
                output_points=LabelTensor(y, outputs),
                data_weight=weights.get(name, 1.0),
            )
            for name, (x, y) in data.items()
        }

    return Data()


# ----------------------------------------------------------------------------- fits
def test_learns_a_linear_map_to_the_least_squares_solution(trainer_kwargs) -> None:
    # noisy linear data: the minimiser of the MSE is the least-squares solution (closed form)
    generator = torch.Generator().manual_seed(0)
    x = torch.rand(64, 3, generator=generator, dtype=torch.float64)
    a = torch.tensor([[1.0, -2.0], [0.5, 3.0], [-1.5, 0.25]], dtype=torch.float64)
    y = x @ a + torch.tensor([0.3, -0.7], dtype=torch.float64)
    y = y + 0.05 * torch.randn(y.shape, generator=generator, dtype=torch.float64)
    design = torch.cat([x, torch.ones(64, 1, dtype=torch.float64)], dim=1)
    solution = torch.linalg.lstsq(design, y).solution  # (4, 2): weights then bias

    problem = _data_problem({"data": (x, y)}, ["a", "b", "c"], ["u", "v"])
    model = torch.nn.Linear(3, 2)
    solver = SupervisedSolver(
        problem,
        model,
        optimizer=torch.optim.LBFGS,
        optimizer_kwargs={
            "lr": 1.0,
            "max_iter": 100,
            "tolerance_grad": 1e-14,
            "tolerance_change": 1e-16,
            "line_search_fn": "strong_wolfe",
        },
    )
    Trainer(solver, max_epochs=3, precision="64-true", **trainer_kwargs).train()
    assert model.weight.dtype == torch.float64
    # the MSE is flat to float64 precision within ~1e-8 of its minimiser
    torch.testing.assert_close(model.weight.detach(), solution[:3].T, rtol=0, atol=1e-7)
    torch.testing.assert_close(model.bias.detach(), solution[3], rtol=0, atol=1e-7)


def test_learns_a_nonlinear_map(trainer_kwargs) -> None:
    torch.manual_seed(0)
    x = torch.linspace(0, torch.pi, 40).reshape(-1, 1)
    problem = _data_problem({"data": (x, torch.sin(x))}, ["x"], ["u"])
    model = FeedForward(1, 1, layers=[16, 16], func=torch.nn.Tanh)
    solver = SupervisedSolver(problem, model, optimizer_kwargs={"lr": 0.03})
    Trainer(solver, max_epochs=400, **trainer_kwargs).train()

    test = torch.linspace(0.05, torch.pi - 0.05, 97).reshape(-1, 1)  # between the data points
    with torch.no_grad():
        prediction = solver(LabelTensor(test, ["x"]))
    assert prediction.labels == ["u"]
    norm = torch.linalg.vector_norm
    error = norm(prediction.tensor - torch.sin(test)) / norm(torch.sin(test))
    # measured 1.5% (seeds 0-3: 0.4% to 1.5%)
    assert float(error) < 0.05


# ------------------------------------------------------------------- the training step
def test_one_sgd_step_is_the_gradient_of_the_weighted_sum(trainer_kwargs) -> None:
    torch.manual_seed(0)
    data = {
        "a": (torch.rand(10, 2), torch.rand(10, 1)),
        "b": (torch.rand(7, 2), torch.rand(7, 1)),
        "c": (torch.rand(3, 2), torch.rand(3, 1)),
    }
    weights = {"a": 2.0, "b": 0.5, "c": 1.0}
    problem = _data_problem(data, ["p", "q"], ["u"], weights)
    model = FeedForward(2, 1, layers=[5], func=torch.nn.Tanh)
    lr = 0.1
    losses = {name: ((model(x) - y) ** 2).mean() for name, (x, y) in data.items()}
    total = sum(weights[name] * loss for name, loss in losses.items())
    grads = torch.autograd.grad(total, list(model.parameters()))
    expected = [p.detach() - lr * g for p, g in zip(model.parameters(), grads)]

    solver = SupervisedSolver(
        problem, model, optimizer=torch.optim.SGD, optimizer_kwargs={"lr": lr}
    )
    tracker = MetricTracker()
    trainer = Trainer(solver, max_epochs=1, callbacks=[tracker], **trainer_kwargs)
    trainer.train()
    assert trainer.global_step == 1  # every condition in one step
    for param, want in zip(model.parameters(), expected):
        torch.testing.assert_close(param.detach(), want, rtol=1e-6, atol=1e-7)
    # logged: each condition's unweighted loss, and their mean
    logged = trainer.logged_metrics
    assert set(logged) == {"a_loss", "b_loss", "c_loss", "mean_loss"}
    for name, loss in losses.items():
        assert float(logged[f"{name}_loss"]) == pytest.approx(float(loss), rel=1e-6)
    mean = sum(float(v) for v in losses.values()) / 3
    assert float(logged["mean_loss"]) == pytest.approx(mean, rel=1e-6)
    assert set(tracker.metrics) == set(logged)


def test_physics_conditions_are_refused(make_model) -> None:
    class Mixed(SpatialProblem):
        output_variables = ["u"]
        spatial_domain = CartesianDomain({"x": [0, 1]})
        conditions = {
            "data": Condition(
                input_points=LabelTensor(torch.rand(4, 1), ["x"]),
                output_points=LabelTensor(torch.rand(4, 1), ["u"]),
            ),
            "x0": Condition(location=CartesianDomain({"x": 0.0}), equation=FixedValue(1)),
        }

    with pytest.raises(ValueError, match=r"data conditions .* only; the conditions \['x0'\]"):
        SupervisedSolver(Mixed(), make_model())


def test_a_wrong_loss_is_refused(make_model) -> None:
    problem = _data_problem({"d": (torch.rand(3, 1), torch.rand(3, 1))}, ["x"], ["u"])
    with pytest.raises(TypeError, match=r"loss must be a torch loss module instance"):
        SupervisedSolver(problem, make_model(), loss=torch.nn.MSELoss)  # the class


# ------------------------------------------------------------------------- batching
class _SeenSamples(SupervisedSolver):
    """Records, for every step, the ids of the samples (the constant value of each field)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.seen: list[list[torch.Tensor]] = []

    def training_step(self, batch, batch_idx):
        if batch_idx == 0:
            self.seen.append([])
        inputs = batch["fields"].input
        outputs = batch["fields"].target
        assert inputs.shape[1:] == (16, 16, 1) and outputs.shape[1:] == (16, 16, 1)
        assert inputs.labels == ["a"] and outputs.labels == ["u"]
        self.seen[-1].append(inputs.tensor[:, 0, 0, 0].detach().clone())
        return super().training_step(batch, batch_idx)


def test_batches_of_fields_use_every_sample_once_per_epoch_and_reshuffle(trainer_kwargs) -> None:
    n, epochs = 200, 3
    ids = torch.arange(n, dtype=torch.float32).reshape(n, 1, 1, 1)
    fields = ids.expand(n, 16, 16, 1).contiguous()  # sample i is the constant field i
    problem = _data_problem({"fields": (fields, 2 * fields + 1)}, ["a"], ["u"])
    torch.manual_seed(0)
    solver = _SeenSamples(problem, torch.nn.Linear(1, 1), optimizer_kwargs={"lr": 1e-4})
    trainer = Trainer(solver, batch_size=64, max_epochs=epochs, **trainer_kwargs)
    trainer.train()

    steps = -(-n // 64)  # 4 steps of 50 samples
    assert trainer.global_step == epochs * steps
    assert len(solver.seen) == epochs
    orders = []
    for epoch in solver.seen:
        assert [len(step) for step in epoch] == [50] * steps
        order = torch.cat(epoch)
        assert torch.equal(order.sort().values, torch.arange(n, dtype=torch.float32))
        orders.append(order)
    assert not torch.equal(orders[0], orders[1]) and not torch.equal(orders[1], orders[2])
    assert not torch.equal(orders[0], torch.arange(n, dtype=torch.float32))


# ----------------------------------------------------------------------- checkpoints
def _solver(seed: int) -> SupervisedSolver:
    torch.manual_seed(123)  # the same data for every seed
    x = torch.rand(30, 2)
    problem = _data_problem({"data": (x, torch.sin(3 * x[:, :1]) * x[:, 1:])}, ["p", "q"], ["u"])
    torch.manual_seed(seed)
    model = FeedForward(2, 1, layers=[8], func=torch.nn.Tanh)
    return SupervisedSolver(problem, model, optimizer_kwargs={"lr": 0.01})


def _fit(solver, epochs: int, root, trainer_kwargs, **fit) -> Trainer:
    kwargs = {**trainer_kwargs, "default_root_dir": str(root), "deterministic": True}
    trainer = Trainer(solver, max_epochs=epochs, **kwargs)
    trainer.train(**fit)
    return trainer


def test_resume_from_checkpoint_equals_an_uninterrupted_run(trainer_kwargs, tmp_path) -> None:
    straight = _solver(seed=0)
    _fit(straight, 6, tmp_path / "straight", trainer_kwargs)
    _fit(_solver(seed=0), 3, tmp_path / "first", trainer_kwargs)
    (path,) = (tmp_path / "first").rglob("*.ckpt")
    assert path.name == "epoch=2-step=3.ckpt"

    resumed = _solver(seed=1)  # other initial weights: the checkpoint must win
    trainer = _fit(resumed, 6, tmp_path / "resumed", trainer_kwargs, ckpt_path=str(path))
    assert trainer.global_step == 6
    # weights and Adam's state restored: 3 + 3 epochs are bitwise 6 epochs
    for a, b in zip(resumed.parameters(), straight.parameters()):
        assert torch.equal(a, b)


def test_load_from_checkpoint_restores_the_outputs(trainer_kwargs, tmp_path) -> None:
    solver = _solver(seed=0)
    _fit(solver, 3, tmp_path, trainer_kwargs)
    (path,) = tmp_path.rglob("*.ckpt")
    fresh = _solver(seed=5)
    loaded = SupervisedSolver.load_from_checkpoint(
        str(path), problem=fresh.problem, model=FeedForward(2, 1, layers=[8], func=torch.nn.Tanh)
    )
    x = LabelTensor(torch.rand(11, 2), ["p", "q"])
    expected = solver(x)
    assert torch.equal(loaded(x).tensor, expected.tensor)
    assert not torch.equal(fresh(x).tensor, expected.tensor)
