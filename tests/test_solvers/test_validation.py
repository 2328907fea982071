"""Validation and test loops: metrics against direct computations on the split's points."""

from __future__ import annotations

import math

import pytest
import torch
from pytorch_lightning import Callback
from pytorch_lightning.callbacks import EarlyStopping, ModelCheckpoint

from pina import LabelTensor, Trainer
from pina.callbacks import MetricTracker
from pina.problem.zoo import SupervisedProblem
from pina.solvers import PINN, SupervisedSolver


def _split_points(trainer, name, split):
    record = trainer.datamodule.conditions[name]
    return record.input[record.splits[split]]


def _rel_l2(model, points):
    x = points.tensor
    with torch.no_grad():
        u = model(x)
    truth = torch.exp(x)
    return float(torch.linalg.vector_norm(u - truth) / torch.linalg.vector_norm(truth))


@pytest.mark.parametrize("inference_mode", [True, False])
def test_validation_and_test_metrics_are_the_losses_on_their_splits(
    make_pinn, make_problem, ode_losses, trainer_kwargs, inference_mode
):
    pinn = make_pinn(problem=make_problem(n_d=50), optimizer_kwargs={"lr": 0.01})
    trainer = Trainer(
        pinn,
        train_size=0.6,
        val_size=0.2,
        test_size=0.2,
        max_epochs=3,
        inference_mode=inference_mode,
        **trainer_kwargs,
    )
    counts = {s: int(idx.numel()) for s, idx in trainer.datamodule.conditions["D"].splits.items()}
    assert counts == {"train": 30, "val": 10, "test": 10}
    # one point: too small to split, it stays whole in training
    assert trainer.datamodule.conditions["x0"].splits["val"].numel() == 0
    trainer.train()
    model = pinn.neural_net.torchmodel
    for split, prefix in (("val", "val"), ("test", "test")):
        points = _split_points(trainer, "D", split)
        expected = float(ode_losses(model, {"D": points.tensor})["D"])
        got = trainer.validate() if split == "val" else trainer.test()
        (metrics,) = got
        assert metrics[f"D_{prefix}_loss"] == pytest.approx(expected, rel=1e-5)
        assert metrics[f"{prefix}_loss"] == pytest.approx(expected, rel=1e-5)  # only D
        assert "x0_" + prefix + "_loss" not in metrics
        assert metrics[f"{prefix}_rel_l2"] == pytest.approx(_rel_l2(model, points), rel=1e-5)
        assert float(trainer.callback_metrics[f"{prefix}_rel_l2"]) == pytest.approx(
            metrics[f"{prefix}_rel_l2"]
        )


def test_validation_during_fit_uses_the_weights_of_that_epoch(
    make_pinn, make_problem, ode_losses, trainer_kwargs
):
    class Expected(Callback):
        def __init__(self):
            self.expected, self.logged = [], []

        def on_validation_start(self, trainer, pl_module):
            if trainer.sanity_checking:
                return
            with torch.enable_grad():
                points = _split_points(trainer, "D", "val").tensor
                losses = ode_losses(pl_module.neural_net.torchmodel, {"D": points})
            self.expected.append(float(losses["D"]))

        def on_validation_end(self, trainer, pl_module):
            if not trainer.sanity_checking:
                self.logged.append(float(trainer.callback_metrics["val_loss"]))

    pinn = make_pinn(problem=make_problem(n_d=40), optimizer_kwargs={"lr": 0.01})
    expected, tracker = Expected(), MetricTracker()
    trainer = Trainer(
        pinn,
        batch_size=7,
        train_size=0.75,
        val_size=0.25,
        max_epochs=6,
        check_val_every_n_epoch=2,
        callbacks=[expected, tracker],
        **trainer_kwargs,
    )
    trainer.train()
    assert len(expected.logged) == 3  # epochs 1, 3, 5
    assert expected.logged == pytest.approx(expected.expected, rel=1e-5)
    # MetricTracker: one value per validation run, one training value per epoch
    assert tracker.metrics["val_loss"].shape == (3,)
    assert tracker.metrics["mean_loss"].shape == (6,)
    assert tracker.metrics["val_loss"].tolist() == pytest.approx(expected.logged)


def test_early_stopping_on_val_loss_stops(make_pinn, make_problem, trainer_kwargs):
    # lr = 0: the validation loss never improves, so patience=2 stops after 3 validations
    pinn = make_pinn(problem=make_problem(n_d=30), optimizer_kwargs={"lr": 0.0})
    stop = EarlyStopping(monitor="val_loss", patience=2, mode="min")
    trainer = Trainer(
        pinn, train_size=0.8, val_size=0.2, max_epochs=50, callbacks=[stop], **trainer_kwargs
    )
    trainer.train()
    assert trainer.current_epoch == 3
    assert stop.stopped_epoch == 2


def test_model_checkpoint_monitors_val_rel_l2(make_pinn, make_problem, trainer_kwargs, tmp_path):
    pinn = make_pinn(problem=make_problem(n_d=30), optimizer_kwargs={"lr": 0.01})
    tracker = MetricTracker()
    checkpoint = ModelCheckpoint(dirpath=tmp_path / "ckpt", monitor="val_rel_l2", mode="min")
    trainer = Trainer(
        pinn,
        train_size=0.8,
        val_size=0.2,
        max_epochs=5,
        callbacks=[tracker, checkpoint],
        **trainer_kwargs,
    )
    trainer.train()
    errors = tracker.metrics["val_rel_l2"]
    assert errors.shape == (5,)
    assert float(checkpoint.best_model_score) == pytest.approx(float(errors.min()))
    assert checkpoint.best_model_path.endswith(".ckpt")


def test_without_splits_there_is_no_validation(make_pinn, trainer_kwargs):
    trainer = Trainer(make_pinn(), max_epochs=2, **trainer_kwargs)
    trainer.train()
    assert not any(k.startswith("val") for k in trainer.callback_metrics)
    assert trainer.validate() == []


def test_supervised_validation_is_the_mse_on_the_val_rows(trainer_kwargs):
    torch.manual_seed(0)
    x = torch.rand(40, 1)
    problem = SupervisedProblem(x, 3 * x - 1)
    solver = SupervisedSolver(problem, torch.nn.Linear(1, 1))
    trainer = Trainer(solver, train_size=0.5, val_size=0.5, max_epochs=2, **trainer_kwargs)
    trainer.train()
    (metrics,) = trainer.validate()
    rows = trainer.datamodule.conditions["data"].splits["val"]
    with torch.no_grad():
        prediction = solver.neural_net.torchmodel(x[rows])
    expected = float(((prediction - (3 * x[rows] - 1)) ** 2).mean())
    assert metrics["data_val_loss"] == pytest.approx(expected, rel=1e-5)
    assert metrics["val_loss"] == pytest.approx(expected, rel=1e-5)


def test_a_fit_stopped_mid_epoch_leaks_nothing_into_the_next(
    make_pinn, ode_losses, parameters_of, trainer_kwargs
):
    # Regression: with batch_size=5 and max_steps=2 the first fit stops in the middle of
    # its epoch; the next fit's x0_loss must be that of its own step only. x0 (one point)
    # is in the first step of every epoch, so it is the loss at the weights the fit starts.
    pinn = make_pinn(optimizer_kwargs={"lr": 0.05})
    Trainer(pinn, batch_size=5, max_steps=2, **trainer_kwargs).train()
    expected = ode_losses(pinn.neural_net.torchmodel, pinn.problem)["x0"]
    trainer = Trainer(pinn, batch_size=5, max_epochs=1, **trainer_kwargs)
    trainer.train()
    assert float(trainer.logged_metrics["x0_loss"]) == pytest.approx(float(expected), rel=1e-5)


def test_bad_split_sizes_fail_before_training(make_pinn):
    pinn = make_pinn()
    with pytest.raises(ValueError, match=r"train_size \+ val_size \+ test_size must be at most 1"):
        Trainer(pinn, train_size=0.9, val_size=0.2, accelerator="cpu")
    with pytest.raises(ValueError, match=r"val_size must be a fraction in \[0, 1\].*got -0.1"):
        Trainer(pinn, val_size=-0.1, accelerator="cpu")
    with pytest.raises(TypeError, match=r"test_size must be a number in \[0, 1\].*got '0.1'"):
        Trainer(pinn, test_size="0.1", accelerator="cpu")


def test_resume_with_splits_is_bitwise_exact(make_pinn, make_problem, trainer_kwargs, tmp_path):
    def run(max_epochs, folder):
        torch.manual_seed(7)
        pinn = make_pinn(problem=make_problem(n_d=30, seed=0))
        checkpoint = ModelCheckpoint(dirpath=tmp_path / folder, save_last=True)
        trainer = Trainer(
            pinn,
            batch_size=6,
            train_size=0.7,
            val_size=0.3,
            max_epochs=max_epochs,
            callbacks=[checkpoint],
            **trainer_kwargs,
        )
        trainer.train()
        return pinn, trainer

    straight, _ = run(4, "straight")
    run(2, "ck")
    torch.manual_seed(99)  # another global state: the split and shuffling come from the checkpoint
    pinn = make_pinn(problem=make_problem(n_d=30, seed=0))
    trainer = Trainer(
        pinn, batch_size=6, train_size=0.7, val_size=0.3, max_epochs=4, **trainer_kwargs
    )
    trainer.train(ckpt_path=str(tmp_path / "ck" / "last.ckpt"))
    for a, b in zip(straight.parameters(), pinn.parameters()):
        assert torch.equal(a, b)
    assert math.isfinite(float(trainer.callback_metrics["val_loss"]))


def test_derivatives_in_test_loop_with_labeltensor_truth(trainer_kwargs, make_problem):
    # A truth returning a LabelTensor labelled with the output variable works too.
    problem = make_problem(n_d=20)
    problem.truth_solution = lambda pts: LabelTensor(torch.exp(pts.extract(["x"]).tensor), ["u"])
    pinn = PINN(
        problem, torch.nn.Sequential(torch.nn.Linear(1, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))
    )
    trainer = Trainer(pinn, train_size=0.5, test_size=0.5, max_epochs=1, **trainer_kwargs)
    trainer.train()
    (metrics,) = trainer.test()
    assert set(metrics) == {"D_test_loss", "test_loss", "test_rel_l2"}
    assert all(math.isfinite(v) for v in metrics.values())


def test_validation_metrics_reach_the_logger(make_pinn, make_problem, trainer_kwargs, tmp_path):
    import csv

    from pytorch_lightning.loggers import CSVLogger

    pinn = make_pinn(problem=make_problem(n_d=30))
    logger = CSVLogger(save_dir=str(tmp_path), name="csv")
    trainer = Trainer(
        pinn,
        train_size=0.8,
        val_size=0.2,
        max_epochs=4,
        check_val_every_n_epoch=2,
        logger=logger,
        **trainer_kwargs,
    )
    trainer.train()
    with open(logger.experiment.metrics_file_path) as f:
        rows = list(csv.DictReader(f))
    validated = [r for r in rows if r.get("val_loss")]
    assert [int(r["epoch"]) for r in validated] == [1, 3]
    assert float(validated[-1]["val_rel_l2"]) == pytest.approx(
        float(trainer.callback_metrics["val_rel_l2"]), rel=1e-6
    )
    assert len([r for r in rows if r.get("mean_loss")]) == 4


def test_training_metrics_fall_back_to_self_log(make_pinn, trainer_kwargs, hand_losses):
    # The adapter's self.log path (used if Lightning stops exposing its metric dicts)
    # gives the same epoch values as the fast path.
    pinn = make_pinn()
    pinn._publisher._fast = False
    trainer = Trainer(pinn, max_epochs=3, callbacks=[hand_losses], **trainer_kwargs)
    trainer.train()
    for expected, logged in zip(hand_losses.expected, hand_losses.logged):
        for name, value in expected.items():
            assert float(logged[name]) == pytest.approx(value, rel=1e-5)
    assert float(trainer.callback_metrics["mean_loss"]) == pytest.approx(
        (hand_losses.expected[-1]["x0_loss"] + hand_losses.expected[-1]["D_loss"]) / 2, rel=1e-5
    )


def test_batch_norm_models_get_one_forward_pass_per_condition(make_problem):
    from pina.data import PinaDataModule

    class Counting(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.norm = torch.nn.BatchNorm1d(1)
            self.linear = torch.nn.Linear(1, 1)
            self.rows: list[int] = []

        def forward(self, x):
            self.rows.append(x.shape[0])
            return self.linear(self.norm(x))

    problem = make_problem()
    plain = torch.nn.Linear(1, 1)
    counting = Counting().eval()  # (training-mode batch norm refuses a 1-row pass)
    (batch,) = list(PinaDataModule(problem).loader("train"))
    shared = PINN(problem, plain).evaluate(batch)
    assert [t.output.shape[0] for t in shared] == [1, 20]
    PINN(problem, counting).evaluate(batch)
    assert counting.rows == [1, 20]  # not one pass over the 21 rows together
