"""DataNormalizer: the model works on normalised data; predictions and losses in data units."""

from __future__ import annotations

from typing import Any

import pytest
import pytorch_lightning as pl
import torch
from pytorch_lightning.callbacks import ModelCheckpoint
from torch import Tensor, nn

from pina import Condition, LabelTensor, Trainer
from pina.callbacks import DataNormalizer
from pina.model.network import Network
from pina.operators import grad
from pina.problem import AbstractProblem, SupervisedProblem
from pina.solvers import PINN, ReducedOrderModelSolver, SupervisedSolver


@pytest.fixture
def quiet(trainer_kwargs: dict[str, Any]) -> dict[str, Any]:
    return {**trainer_kwargs, "logger": False, "enable_checkpointing": False}


def _two_conditions() -> AbstractProblem:
    """Inputs (x, t), outputs (u, v, p); data conditions 'a' (u, v) and 'b' (v, u) of other
    sizes and scales; p has no data."""
    gen = torch.Generator().manual_seed(0)
    xa, xb = torch.rand(12, 2, generator=gen) * 100, torch.rand(8, 2, generator=gen) - 50
    ya, yb = torch.randn(12, 2, generator=gen) * 1e3, torch.randn(8, 2, generator=gen) + 7

    class TwoData(AbstractProblem):
        input_variables = ["x", "t"]
        output_variables = ["u", "v", "p"]
        conditions = {
            "a": Condition(
                input_points=LabelTensor(xa, ["x", "t"]), output_points=LabelTensor(ya, ["u", "v"])
            ),
            "b": Condition(
                input_points=LabelTensor(xb, ["x", "t"]), output_points=LabelTensor(yb, ["v", "u"])
            ),
        }

    return TwoData()


def _linear_data(n: int = 40) -> tuple[Tensor, Tensor]:
    """``y = 1000 x + 5000`` on ``x`` in ``[0, 10]``, shapes ``(n, 1)``."""
    x = torch.linspace(0, 10, n).reshape(-1, 1)
    return x, 1000 * x + 5000


def _linear_solver(seed: int = 0, lr: float = 0.05) -> SupervisedSolver:
    x, y = _linear_data()
    torch.manual_seed(seed)
    return SupervisedSolver(SupervisedProblem(x, y), nn.Linear(1, 1), optimizer_kwargs={"lr": lr})


def _rel(a: Tensor, b: Tensor) -> float:
    return float((a - b).detach().norm() / b.norm())


class Quadratic(nn.Module):
    """``z -> a z^2`` with a trainable ``a`` (closed-form derivatives)."""

    def __init__(self) -> None:
        super().__init__()
        self.a = nn.Parameter(torch.tensor(0.7))

    def forward(self, z: Tensor) -> Tensor:
        return self.a * z.as_subclass(Tensor) ** 2


# ------------------------------------------------------------------------- statistics
def test_statistics_are_those_of_the_training_split_pooled_over_data_conditions(quiet) -> None:
    problem = _two_conditions()
    solver = SupervisedSolver(problem, nn.Linear(2, 3))
    normalizer = DataNormalizer()
    torch.manual_seed(0)
    trainer = Trainer(
        solver, train_size=0.75, val_size=0.25, max_epochs=1, callbacks=[normalizer], **quiet
    )
    trainer.train()
    a, b = trainer.datamodule.conditions["a"], trainer.datamodule.conditions["b"]
    ia, ib = a.splits["train"], b.splits["train"]
    assert (len(ia), len(ib)) == (9, 6)
    xa, ya = problem.conditions["a"].input_points.tensor, problem.conditions["a"].output_points
    xb, yb = problem.conditions["b"].input_points.tensor, problem.conditions["b"].output_points
    x = torch.cat([xa[ia], xb[ib]])
    torch.testing.assert_close(normalizer.shift["input"], torch.mean(x, dim=0))
    torch.testing.assert_close(normalizer.scale["input"], torch.std(x, dim=0))
    u = torch.cat([ya.extract("u").tensor[ia], yb.extract("u").tensor[ib]])
    v = torch.cat([ya.extract("v").tensor[ia], yb.extract("v").tensor[ib]])
    expected_shift = torch.tensor([u.mean(), v.mean(), 0.0])  # p has no data: 0 and 1
    expected_scale = torch.tensor([u.std(), v.std(), 1.0])
    torch.testing.assert_close(normalizer.shift["target"], expected_shift)
    torch.testing.assert_close(normalizer.scale["target"], expected_scale)
    # the validation rows are left out: the statistics of all rows differ
    everything = torch.cat([xa, xb])
    assert not torch.allclose(normalizer.shift["input"], everything.mean(dim=0))
    # the model's Network carries the same values, as buffers in its state_dict
    stats = solver.neural_net.normalization
    torch.testing.assert_close(stats["input_shift"], normalizer.shift["input"])
    torch.testing.assert_close(stats["output_scale"], normalizer.scale["target"])
    keys = set(solver.state_dict())
    assert {"_pina_models.0.input_shift", "_pina_models.0.output_scale"} <= keys


def test_fields_are_reduced_over_every_dimension_but_the_last(quiet) -> None:
    gen = torch.Generator().manual_seed(0)
    x = torch.rand(8, 5, 2, generator=gen) * torch.tensor([10.0, 0.01])
    y = torch.randn(8, 5, 1, generator=gen) * 300 + 40
    problem = SupervisedProblem(x, y)
    normalizer = DataNormalizer()
    torch.manual_seed(0)
    trainer = Trainer(
        SupervisedSolver(problem, nn.Linear(2, 1)),
        train_size=0.75,
        val_size=0.25,
        max_epochs=1,
        callbacks=[normalizer],
        **quiet,
    )
    trainer.train()
    rows = trainer.datamodule.conditions["data"].splits["train"]
    torch.testing.assert_close(normalizer.shift["input"], x[rows].reshape(-1, 2).mean(dim=0))
    torch.testing.assert_close(normalizer.scale["input"], x[rows].reshape(-1, 2).std(dim=0))
    torch.testing.assert_close(normalizer.shift["target"], y[rows].reshape(-1, 1).mean(dim=0))
    torch.testing.assert_close(normalizer.scale["target"], y[rows].reshape(-1, 1).std(dim=0))


def test_other_statistics_and_a_constant_column(quiet) -> None:
    # min-max scaling; the constant column t = 3 gets scale 1 (its model input is 0)
    x = torch.cat([torch.linspace(-2, 6, 10).reshape(-1, 1), torch.full((10, 1), 3.0)], dim=1)
    problem = SupervisedProblem(x, x[:, :1] * 7, input_variables=["x", "t"])

    def spread(values: Tensor, dim: int) -> Tensor:
        return values.amax(dim=dim) - values.amin(dim=dim)

    normalizer = DataNormalizer(apply_to="input", shift_fn=torch.min, scale_fn=spread)
    solver = SupervisedSolver(problem, nn.Linear(2, 1))
    Trainer(solver, max_epochs=1, callbacks=[normalizer], **quiet).train()
    torch.testing.assert_close(normalizer.shift["input"], torch.tensor([-2.0, 3.0]))
    torch.testing.assert_close(normalizer.scale["input"], torch.tensor([8.0, 1.0]))
    assert "target" not in normalizer.shift
    assert set(solver.neural_net.normalization) == {"input_shift", "input_scale"}
    seen = []
    handle = solver.neural_net.torchmodel.register_forward_hook(
        lambda module, args, out: seen.append(args[0].as_subclass(Tensor))
    )
    out = solver(LabelTensor(x, ["x", "t"]))
    handle.remove()
    torch.testing.assert_close(seen[0], torch.stack([(x[:, 0] + 2) / 8, x[:, 1] * 0], dim=1))
    # no output map: the prediction is the model's own output
    torch.testing.assert_close(out.tensor, solver.neural_net.torchmodel(seen[0]))


# ---------------------------------------------------------------- units of the outputs
def test_predictions_are_in_the_data_units_and_the_model_works_at_order_one(quiet) -> None:
    x, y = _linear_data()
    solver = _linear_solver()
    normalizer = DataNormalizer()
    Trainer(solver, max_epochs=300, callbacks=[normalizer], **quiet).train()
    prediction = solver(LabelTensor(x, ["x0"])).tensor
    assert _rel(prediction, y) < 1e-3  # measured 3e-8
    z = (x - normalizer.shift["input"]) / normalizer.scale["input"]
    raw = solver.neural_net.torchmodel(z).detach()
    assert raw.abs().max() < 2.0 < y.min()  # O(1), while y is in [5000, 15000]
    torch.testing.assert_close(
        raw * normalizer.scale["target"] + normalizer.shift["target"], prediction.detach()
    )
    # the same training without the normaliser is nowhere near (the bias moves 0.05 per step)
    plain = _linear_solver()
    Trainer(plain, max_epochs=300, **quiet).train()
    assert _rel(plain(LabelTensor(x, ["x0"])).tensor, y) > 0.5  # measured 0.99


def test_losses_are_computed_in_the_data_units(quiet) -> None:
    x, y = _linear_data()
    solver = _linear_solver()
    torch.manual_seed(0)
    trainer = Trainer(
        solver,
        train_size=0.75,
        val_size=0.25,
        max_epochs=5,
        callbacks=[DataNormalizer()],
        **quiet,
    )
    trainer.train()
    (metrics,) = trainer.validate(verbose=False)
    rows = trainer.datamodule.conditions["data"].splits["val"]
    with torch.no_grad():
        expected = ((solver(LabelTensor(x[rows], ["x0"])).tensor - y[rows]) ** 2).mean()
    assert expected > 1e3  # in (units of y)^2, after 5 epochs
    assert metrics["val_loss"] == pytest.approx(float(expected), rel=1e-5)


def test_physics_residuals_go_through_the_affine_maps_exactly(quiet, make_problem_with_data):
    # u = a ((x - s) / sigma)^2 * sigma_out + s_out: u' = 2 a sigma_out (x - s) / sigma^2
    problem, x_data = make_problem_with_data(
        output=1000 * torch.exp(torch.tensor([[0.25], [0.5], [0.75]]))
    )
    solver = PINN(problem, Quadratic())
    normalizer = DataNormalizer()
    Trainer(solver, max_epochs=2, callbacks=[normalizer], **quiet).train()
    s, sigma = normalizer.shift["input"], normalizer.scale["input"]
    torch.testing.assert_close(s, torch.tensor([0.5]))  # the data's x only, not D's points
    torch.testing.assert_close(sigma, torch.tensor([0.25]))
    s_out, sigma_out = normalizer.shift["target"], normalizer.scale["target"]
    a = solver.neural_net.torchmodel.a.detach()
    assert a != 0.7  # trained
    pts = LabelTensor(torch.linspace(0, 1, 7).reshape(-1, 1), ["x"]).requires_grad_()
    u = solver(pts)
    xs = pts.tensor.detach()
    u_closed = a * ((xs - s) / sigma) ** 2 * sigma_out + s_out
    du_closed = 2 * a * sigma_out * (xs - s) / sigma**2
    torch.testing.assert_close(u.tensor.detach(), u_closed)
    torch.testing.assert_close(grad(u, pts).tensor.detach(), du_closed)
    residual = problem.conditions["D"].equation.residual(pts, u)
    torch.testing.assert_close(residual.detach(), du_closed - u_closed)


# ---------------------------------------------------------------------- state, resuming
def test_resuming_from_a_checkpoint_restores_the_statistics(quiet, tmp_path) -> None:
    first = DataNormalizer()
    solver = _linear_solver(seed=0)
    torch.manual_seed(0)
    Trainer(
        solver,
        train_size=0.75,
        val_size=0.25,
        max_epochs=2,
        callbacks=[first, ModelCheckpoint(dirpath=tmp_path, filename="run")],
        **{**quiet, "enable_checkpointing": True},
    ).train()
    path = tmp_path / "run.ckpt"
    saved = torch.load(path, weights_only=False)
    torch.testing.assert_close(saved["callbacks"]["DataNormalizer"], first.state_dict())

    second = DataNormalizer()
    resumed = _linear_solver(seed=3)
    torch.manual_seed(1)  # another split: its statistics differ from the checkpoint's
    trainer = Trainer(
        resumed,
        train_size=0.75,
        val_size=0.25,
        max_epochs=3,
        callbacks=[second, ModelCheckpoint(dirpath=tmp_path, filename="resumed")],
        **{**quiet, "enable_checkpointing": True},
    )
    x, _ = _linear_data()
    fresh = x[trainer.datamodule.conditions["data"].splits["train"]]
    assert not torch.allclose(fresh.mean(dim=0), first.shift["input"])
    trainer.train(ckpt_path=str(path))
    assert trainer.current_epoch == 3
    for stats, other in ((second.shift, first.shift), (second.scale, first.scale)):
        for side in ("input", "target"):
            torch.testing.assert_close(stats[side], other[side])
    net, net_first = resumed.neural_net.normalization, solver.neural_net.normalization
    for key, value in net_first.items():
        torch.testing.assert_close(net[key], value)


def test_load_from_checkpoint_restores_the_normalised_model(quiet, tmp_path) -> None:
    solver = _linear_solver()
    Trainer(
        solver,
        max_epochs=20,
        callbacks=[DataNormalizer(), ModelCheckpoint(dirpath=tmp_path, filename="run")],
        **{**quiet, "enable_checkpointing": True},
    ).train()
    fresh = _linear_solver(seed=4)
    loaded = SupervisedSolver.load_from_checkpoint(
        str(tmp_path / "run.ckpt"), problem=fresh.problem, model=nn.Linear(1, 1)
    )
    x = LabelTensor(_linear_data()[0], ["x0"])
    assert torch.equal(loaded(x).tensor, solver(x).tensor)
    assert set(loaded.neural_net.normalization) == set(solver.neural_net.normalization)


def test_loaded_state_is_applied_instead_of_recomputed(quiet) -> None:
    first = DataNormalizer()
    torch.manual_seed(0)
    Trainer(
        _linear_solver(), train_size=0.75, val_size=0.25, max_epochs=1, callbacks=[first], **quiet
    ).train()
    with pytest.raises(ValueError, match=r"for \('input', 'target'\) but apply_to=\('target',\)"):
        DataNormalizer("target").load_state_dict(first.state_dict())
    second = DataNormalizer()
    second.load_state_dict(first.state_dict())
    solver = _linear_solver(seed=2)
    torch.manual_seed(5)
    Trainer(solver, train_size=0.5, val_size=0.5, max_epochs=1, callbacks=[second], **quiet).train()
    torch.testing.assert_close(solver.neural_net.normalization["input_shift"], first.shift["input"])
    torch.testing.assert_close(second.scale["target"], first.scale["target"])


def test_a_model_trained_with_statistics_keeps_them(quiet) -> None:
    solver = _linear_solver()
    torch.manual_seed(0)
    Trainer(
        solver, train_size=0.75, val_size=0.25, max_epochs=2, callbacks=[DataNormalizer()], **quiet
    ).train()
    before = {k: v.clone() for k, v in solver.neural_net.normalization.items()}
    again = DataNormalizer()
    torch.manual_seed(7)
    Trainer(solver, train_size=0.5, val_size=0.5, max_epochs=1, callbacks=[again], **quiet).train()
    for key, value in solver.neural_net.normalization.items():
        torch.testing.assert_close(value, before[key])
    torch.testing.assert_close(again.shift["input"], before["input_shift"])
    with pytest.raises(
        ValueError,
        match=r"normalised already for \('input', 'target'\).*"
        r"apply_to=\('input',\)",
    ):
        Trainer(solver, max_epochs=1, callbacks=[DataNormalizer("input")], **quiet).train()


def test_network_without_statistics_keeps_its_state_dict_keys() -> None:
    net = Network(nn.Linear(1, 1), ["x"], ["u"])
    assert set(net.state_dict()) == {"_model.weight", "_model.bias"}
    assert net.normalization == {}
    net.set_normalization(output_shift=torch.tensor([2.0]), output_scale=torch.tensor([3.0]))
    assert set(net.state_dict()) == {
        "_model.weight",
        "_model.bias",
        "output_shift",
        "output_scale",
    }
    x = LabelTensor(torch.tensor([[1.0], [2.0]]), ["x"])
    torch.testing.assert_close(net(x).tensor, net.torchmodel(x.tensor) * 3 + 2)
    fresh = Network(nn.Linear(1, 1), ["x"], ["u"])
    fresh.load_state_dict(net.state_dict())
    torch.testing.assert_close(fresh(x).tensor, net(x).tensor)


# ---------------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (
            {"apply_to": "inputs"},
            ValueError,
            r"apply_to='inputs' is not supported; choose .*"
            r"\['input', 'target'\]",
        ),
        ({"apply_to": ()}, ValueError, r"apply_to=\(\) is not supported"),
        ({"apply_to": ("input", "input")}, ValueError, r"once each"),
        (
            {"apply_to": 3},
            TypeError,
            r"apply_to must be 'input', 'target' or a tuple of them; "
            r"got 3",
        ),
        ({"apply_to": ("input", 1)}, TypeError, r"got \('input', 1\)"),
        ({"shift_fn": "mean"}, TypeError, r"shift_fn must be a callable.*got 'mean'"),
        ({"scale_fn": None}, TypeError, r"scale_fn must be a callable.*got None"),
    ],
)
def test_bad_arguments(kwargs: dict[str, Any], error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        DataNormalizer(**kwargs)


def test_a_problem_without_data_conditions_is_refused(quiet, make_pinn) -> None:
    trainer = Trainer(make_pinn(), max_epochs=1, callbacks=[DataNormalizer()], **quiet)
    with pytest.raises(ValueError, match=r"needs data conditions.*\['x0', 'D'\]"):
        trainer.train()


def test_a_plain_lightning_trainer_is_refused(quiet) -> None:
    solver = _linear_solver()
    loader = Trainer(solver, **quiet).datamodule.train_dataloader()
    trainer = pl.Trainer(max_epochs=1, limit_val_batches=0, callbacks=[DataNormalizer()], **quiet)
    with pytest.raises(TypeError, match=r"needs a pina.trainer.Trainer.*datamodule=NoneType"):
        trainer.fit(solver, train_dataloaders=loader)


def test_a_reduced_order_model_solver_is_refused(quiet) -> None:
    class Reduction(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encode = nn.Linear(4, 2)
            self.decode = nn.Linear(2, 4)

    mu = torch.linspace(1, 2, 6).reshape(-1, 1)
    problem = SupervisedProblem(mu, mu * torch.ones(1, 4))
    rom = ReducedOrderModelSolver(problem, Reduction(), nn.Linear(1, 2))
    trainer = Trainer(rom, max_epochs=1, callbacks=[DataNormalizer()], **quiet)
    with pytest.raises(TypeError, match=r"not ReducedOrderModelSolver"):
        trainer.train()


def test_bad_statistics_are_refused(quiet) -> None:
    scalar = DataNormalizer(shift_fn=lambda values, dim: values.mean())
    solver = SupervisedSolver(_two_conditions(), nn.Linear(2, 3))
    trainer = Trainer(solver, max_epochs=1, callbacks=[scalar], **quiet)
    with pytest.raises(
        ValueError, match=r"shift_fn\(values, dim=0\) must return one value per column \(2\)"
    ):
        trainer.train()
    x = torch.tensor([[1.0], [2.0]])
    single = Trainer(  # one training row: torch.std is nan
        SupervisedSolver(SupervisedProblem(x, x), nn.Linear(1, 1)),
        train_size=0.5,
        val_size=0.5,
        max_epochs=1,
        callbacks=[DataNormalizer()],
        **quiet,
    )
    with (
        pytest.raises(ValueError, match=r"scale_fn gives non-finite statistics \[nan\]"),
        pytest.warns(UserWarning, match="degrees of freedom"),
    ):
        single.train()


def test_network_set_normalization_checks_its_arguments() -> None:
    net = Network(nn.Linear(2, 1), ["x", "y"], ["u"])
    with pytest.raises(ValueError, match=r"Give both input_shift and input_scale"):
        net.set_normalization(input_shift=torch.zeros(2))
    with pytest.raises(ValueError, match=r"input_scale must have shape \(2,\).*got shape \(3,\)"):
        net.set_normalization(input_shift=torch.zeros(2), input_scale=torch.ones(3))
    with pytest.raises(ValueError, match=r"output_scale finite and non-zero"):
        net.set_normalization(output_shift=torch.zeros(1), output_scale=torch.zeros(1))
    with pytest.raises(TypeError, match=r"output_shift must be a torch.Tensor; got list"):
        net.set_normalization(output_shift=[0.0], output_scale=torch.ones(1))  # type: ignore[arg-type]
    assert net.normalization == {}
