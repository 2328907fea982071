"""Epoch metrics reach every place an epoch-level ``self.log`` reaches, with Lightning's steps."""

from __future__ import annotations

import csv
import math
from typing import Any

import pytest
import torch
from pytorch_lightning.callbacks import ModelCheckpoint
from pytorch_lightning.loggers import CSVLogger, Logger, TensorBoardLogger
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from pina import Trainer
from pina.callbacks import MetricTracker
from pina.solvers import PINN, CompetitivePINN

METRICS = ("x0_loss", "D_loss", "mean_loss")


class PINNWithOwnMetric(PINN):
    """A user's solver that logs one more metric the Lightning way."""

    def training_step(self, batch: dict[str, Any], batch_idx: int) -> torch.Tensor:
        loss = super().training_step(batch, batch_idx)
        self.log("own", loss.detach(), on_step=False, on_epoch=True, prog_bar=True)
        return loss


class CompetitivePINNWithOwnMetric(CompetitivePINN):
    """The same on a solver with manual optimization (two optimizers per step)."""

    def training_step(self, batch: dict[str, Any], batch_idx: int) -> torch.Tensor:
        loss = super().training_step(batch, batch_idx)
        self.log("own", loss.detach(), on_step=False, on_epoch=True, prog_bar=True)
        return loss


class PINNWithOwnValMetric(PINN):
    """A user's solver that logs a validation metric the Lightning way."""

    def validation_step(self, batch: Any, batch_idx: int) -> None:
        super().validation_step(batch, batch_idx)
        self.log("own_val", float(batch_idx), on_step=False, on_epoch=True, batch_size=1)


class CompetitivePINNWithOwnValMetric(CompetitivePINN):
    """The same on a solver with manual optimization."""

    def validation_step(self, batch: Any, batch_idx: int) -> None:
        super().validation_step(batch, batch_idx)
        self.log("own_val", float(batch_idx), on_step=False, on_epoch=True, batch_size=1)


class RecordingLogger(Logger):
    """A real Lightning logger that remembers its calls, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[tuple[int | None, dict[str, float]]] = []
        self.calls: list[str] = []

    @property
    def name(self) -> str:
        return "recording"

    @property
    def version(self) -> int:
        return 0

    def log_hyperparams(self, params: Any, *args: Any, **kwargs: Any) -> None:
        pass

    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        self.rows.append((step, dict(metrics)))
        self.calls.append("log")

    def save(self) -> None:
        self.calls.append("save")

    def finalize(self, status: str) -> None:
        self.calls.append("finalize")
        super().finalize(status)  # Lightning's Logger.finalize saves


@pytest.mark.parametrize("solver_class", [PINNWithOwnMetric, CompetitivePINNWithOwnMetric])
def test_steps_and_values_match_lightnings_own_epoch_logging(
    make_problem, make_model, tmp_path, trainer_kwargs, solver_class
):
    # 20 + 1 points in batches of 8: 3 steps per epoch; with automatic optimization an
    # optimizer step every 2 batches (and at the epoch's end), with manual optimization
    # two optimizer steps per batch: the step axis is not the epoch index.
    solver = solver_class(make_problem(), make_model())
    logger = TensorBoardLogger(save_dir=str(tmp_path), name="run")
    tracker = MetricTracker()
    accumulate = {"accumulate_grad_batches": 2} if solver.automatic_optimization else {}
    trainer = Trainer(
        solver,
        batch_size=8,
        max_epochs=4,
        logger=logger,
        callbacks=[tracker],
        **accumulate,
        **trainer_kwargs,
    )
    trainer.train()

    events = EventAccumulator(logger.log_dir)
    events.Reload()
    lightning_steps = [s.step for s in events.Scalars("own")]
    assert len(lightning_steps) == 4 and lightning_steps == sorted(set(lightning_steps))
    for name in METRICS:
        scalars = events.Scalars(name)
        assert [s.step for s in scalars] == lightning_steps
        expected = tracker.metrics[name].tolist()
        assert [s.value for s in scalars] == pytest.approx(expected, rel=1e-6)
    # "epoch" is written by Lightning (with "own") and by pina at the same steps, same values.
    epochs = {(s.step, s.value) for s in events.Scalars("epoch")}
    assert sorted(epochs) == list(zip(lightning_steps, [0.0, 1.0, 2.0, 3.0]))
    assert set(METRICS) | {"own"} <= set(trainer.logged_metrics)
    assert set(METRICS) | {"own"} <= set(trainer.progress_bar_metrics)
    assert "epoch" not in trainer.logged_metrics  # as with Lightning's self.log


@pytest.mark.parametrize("solver_class", [PINNWithOwnValMetric, CompetitivePINNWithOwnValMetric])
def test_validation_metrics_are_logged_at_lightnings_steps(
    make_problem, make_model, tmp_path, trainer_kwargs, solver_class
):
    # Validation metrics take the fast path during fit: the same TensorBoard steps as a
    # validation metric logged with self.log, every other epoch.
    solver = solver_class(make_problem(n_d=40), make_model())
    logger = TensorBoardLogger(save_dir=str(tmp_path), name="run")
    trainer = Trainer(
        solver,
        batch_size=8,
        train_size=0.75,
        val_size=0.25,
        max_epochs=4,
        check_val_every_n_epoch=2,
        logger=logger,
        **trainer_kwargs,
    )
    trainer.train()
    events = EventAccumulator(logger.log_dir)
    events.Reload()
    lightning_steps = [s.step for s in events.Scalars("own_val")]
    assert len(lightning_steps) == 2
    for name in ("val_loss", "D_val_loss", "val_rel_l2"):
        assert [s.step for s in events.Scalars(name)] == lightning_steps
    assert float(trainer.callback_metrics["val_loss"]) == pytest.approx(
        events.Scalars("val_loss")[-1].value, rel=1e-6
    )
    assert "val_loss" in trainer.progress_bar_metrics


def test_csv_logger_gets_one_row_per_epoch(make_pinn, tmp_path, trainer_kwargs):
    logger = CSVLogger(save_dir=str(tmp_path), name="csv")
    tracker = MetricTracker()
    trainer = Trainer(
        make_pinn(), max_epochs=5, logger=logger, callbacks=[tracker], **trainer_kwargs
    )
    trainer.train()

    with open(f"{logger.log_dir}/metrics.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [int(r["epoch"]) for r in rows] == [0, 1, 2, 3, 4]
    assert [int(r["step"]) for r in rows] == [0, 1, 2, 3, 4]
    for name in METRICS:
        assert [float(r[name]) for r in rows] == pytest.approx(
            tracker.metrics[name].tolist(), rel=1e-6
        )


def test_model_checkpoint_monitors_mean_loss(make_pinn, tmp_path, trainer_kwargs):
    tracker = MetricTracker()
    best = ModelCheckpoint(dirpath=str(tmp_path / "best"), monitor="mean_loss", mode="min")
    pinn = make_pinn(optimizer_kwargs={"lr": 0.05})  # large steps: the loss is not monotone
    trainer = Trainer(
        pinn, max_epochs=30, logger=False, callbacks=[tracker, best], **trainer_kwargs
    )
    trainer.train()

    losses = tracker.metrics["mean_loss"]
    assert float(best.best_model_score) == pytest.approx(float(losses.min()), rel=1e-6)
    assert f"epoch={int(losses.argmin())}-" in best.best_model_path


@pytest.mark.parametrize(
    "interval, calls",
    [
        (0.0, ["log", "save"] * 5),  # saved after every epoch
        (math.inf, ["log", "save"] + ["log"] * 4),  # the first epoch at once, then never
    ],
)
def test_loggers_are_saved_by_time_and_at_the_end(make_pinn, trainer_kwargs, interval, calls):
    logger = RecordingLogger()
    pinn = make_pinn()
    pinn._publisher.save_interval = interval
    trainer = Trainer(pinn, max_epochs=5, logger=logger, **trainer_kwargs)
    trainer.train()

    assert [step for step, _ in logger.rows] == [0, 1, 2, 3, 4]
    assert [row["epoch"] for _, row in logger.rows] == [0, 1, 2, 3, 4]
    assert all(set(row) == set(METRICS) | {"epoch"} for _, row in logger.rows)
    first = logger.calls.index("log")
    end = logger.calls.index("finalize")
    assert logger.calls[first:end] == calls
    assert logger.calls[end:] == ["finalize", "save"]  # Lightning saves what is left


def test_metrics_without_a_logger(make_pinn, trainer_kwargs):
    trainer = Trainer(make_pinn(), max_epochs=2, logger=False, **trainer_kwargs)
    trainer.train()
    assert set(trainer.logged_metrics) == set(METRICS)
    assert set(trainer.callback_metrics) == set(METRICS)
    assert all(isinstance(v, torch.Tensor) and v.ndim == 0 for v in trainer.logged_metrics.values())
    assert all(isinstance(v, float) for v in trainer.progress_bar_metrics.values())
