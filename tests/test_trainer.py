"""The Trainer on the tutorial's SimpleODE: each Lightning feature the tutorial shows, by value."""

from __future__ import annotations

import math
import re

import pytest
import torch
from pytorch_lightning import seed_everything
from pytorch_lightning.accelerators import CPUAccelerator
from pytorch_lightning.callbacks import (
    Callback,
    EarlyStopping,
    ModelCheckpoint,
    StochasticWeightAveraging,
    Timer,
)
from pytorch_lightning.loggers import TensorBoardLogger
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from torch.optim.lr_scheduler import ConstantLR
from torch.optim.swa_utils import SWALR

from pina import LabelTensor, Trainer
from pina._checkpoint import TimedCheckpoint
from pina.callbacks import MetricTracker
from pina.model import FeedForward
from pina.solvers import PINN

METRICS = ("x0_loss", "D_loss", "mean_loss")


class WeightsAtEpochStart(Callback):
    def __init__(self):
        self.weights: list[list[torch.Tensor]] = []

    def on_train_epoch_start(self, trainer, pl_module):
        self.weights.append([p.detach().clone() for p in pl_module.parameters()])


class CountSteps(Callback):
    def __init__(self):
        self.steps = 0

    def on_before_optimizer_step(self, trainer, pl_module, optimizer):
        self.steps += 1


def _grid() -> LabelTensor:
    return LabelTensor(torch.linspace(0, 1, 101).reshape(-1, 1), ["x"])


def _checkpoints(root) -> list[str]:
    return sorted(p.name for p in root.rglob("*.ckpt"))


# ---------------------------------------------------------------------------- construction
def test_default_max_epochs_is_1000(make_pinn, trainer_kwargs):
    seen = {}

    class StopAtOnce(Callback):
        def on_train_start(self, trainer, pl_module):
            seen["max_epochs"] = trainer.max_epochs
            seen["max_steps"] = trainer.max_steps
            trainer.should_stop = True

    trainer = Trainer(make_pinn(), callbacks=[StopAtOnce()], **trainer_kwargs)
    trainer.train()
    assert seen == {"max_epochs": 1000, "max_steps": -1}
    assert trainer.max_epochs == 1000
    assert trainer.global_step == 0


def test_accelerator_cpu_trains_on_cpu(make_pinn, trainer_kwargs):
    pinn = make_pinn()
    trainer = Trainer(pinn, max_epochs=2, **trainer_kwargs)
    assert isinstance(trainer.accelerator, CPUAccelerator)
    trainer.train()
    assert trainer.solver is pinn
    assert pinn.device == torch.device("cpu")
    assert all(p.device.type == "cpu" for p in pinn.parameters())
    assert trainer.global_step == 2


def test_not_a_solver_is_a_type_error(make_model):
    with pytest.raises(TypeError, match="solver must be a pina solver.*got FeedForward"):
        Trainer(make_model(), accelerator="cpu")


def test_unsampled_location_is_reported_before_training(simple_ode_class, make_model, tmp_path):
    problem = simple_ode_class()
    problem.discretise_domain(20, "lh", locations=["D"])
    pinn = PINN(problem, make_model())
    with pytest.raises(RuntimeError, match=r"\['x0'\].*discretise_domain"):
        Trainer(pinn, accelerator="cpu", default_root_dir=str(tmp_path))
    assert not any(tmp_path.iterdir())


def test_user_callback_comes_first_as_in_the_tutorial(make_pinn, trainer_kwargs):
    timer = Timer()
    trainer = Trainer(make_pinn(), max_epochs=3, callbacks=[timer], **trainer_kwargs)
    trainer.train()
    assert trainer.callbacks[0] is timer
    assert trainer.callbacks[0].time_elapsed("train") > 0.0
    assert trainer.callbacks[0].time_elapsed("validate") == 0.0


# ---------------------------------------------------------------------------- logged metrics
def test_logged_metrics_are_the_losses_of_the_same_epoch(make_pinn, trainer_kwargs, hand_losses):
    trainer = Trainer(make_pinn(), max_epochs=4, callbacks=[hand_losses], **trainer_kwargs)
    trainer.train()

    assert len(hand_losses.logged) == len(hand_losses.expected) == 4
    for logged, expected in zip(hand_losses.logged, hand_losses.expected):
        assert set(logged) == set(METRICS)
        for name in ("x0_loss", "D_loss"):
            assert float(logged[name]) == pytest.approx(expected[name], rel=1e-5, abs=1e-9)
        mean = (logged["x0_loss"] + logged["D_loss"]) / 2
        assert float(logged["mean_loss"]) == pytest.approx(float(mean), rel=1e-6)
    # 4 different epochs, not one value repeated: the loss goes down
    means = [float(m["mean_loss"]) for m in hand_losses.logged]
    assert means == sorted(means, reverse=True) and len(set(means)) == 4

    final = hand_losses.logged[-1]
    assert set(trainer.logged_metrics) == set(METRICS)
    assert set(trainer.progress_bar_metrics) == set(METRICS)
    for name in METRICS:
        assert float(trainer.logged_metrics[name]) == float(final[name])
        assert trainer.progress_bar_metrics[name] == pytest.approx(float(final[name]), rel=1e-6)


def test_tensorboard_has_one_value_per_epoch(make_pinn, tmp_path, hand_losses):
    logger = TensorBoardLogger(save_dir=str(tmp_path), name="simpleode")
    trainer = Trainer(
        make_pinn(),
        accelerator="cpu",
        max_epochs=5,
        logger=logger,
        callbacks=[hand_losses],
        enable_model_summary=False,
        enable_progress_bar=False,
        default_root_dir=str(tmp_path),
    )
    trainer.train()

    events = EventAccumulator(logger.log_dir)
    events.Reload()
    assert set(METRICS) <= set(events.Tags()["scalars"])
    for name in METRICS:
        scalars = events.Scalars(name)
        assert [s.step for s in scalars] == [0, 1, 2, 3, 4]
        values = [s.value for s in scalars]
        assert values == pytest.approx([float(m[name]) for m in hand_losses.logged], rel=1e-6)
        if name != "mean_loss":
            assert values == pytest.approx([e[name] for e in hand_losses.expected], rel=1e-5)
    means = [s.value for s in events.Scalars("mean_loss")]
    pairs = zip(events.Scalars("x0_loss"), events.Scalars("D_loss"))
    assert means == pytest.approx([(a.value + b.value) / 2 for a, b in pairs], rel=1e-6)


def test_progress_bar_shows_the_last_epoch(make_pinn, tmp_path, capfd):
    trainer = Trainer(
        make_pinn(),
        accelerator="cpu",
        max_epochs=3,
        enable_model_summary=False,
        default_root_dir=str(tmp_path),
        logger=False,
    )
    trainer.train()
    out = capfd.readouterr().out  # Lightning's TQDM bar writes to stdout
    lines = [line for line in re.split(r"[\r\n]", out) if line.startswith("Epoch")]
    last = lines[-1]
    assert last.startswith("Epoch 2: 100%")
    assert "1/1" in last
    for name in METRICS:
        assert f"{name}=" in last
    shown = float(re.search(r"mean_loss=([0-9.e+-]+)", last).group(1))
    assert shown == pytest.approx(float(trainer.logged_metrics["mean_loss"]), rel=1e-2)


# ---------------------------------------------------------------------------- callbacks
def test_early_stopping_stops_by_its_rule(make_pinn, trainer_kwargs):
    patience, min_delta = 10, 1e-4  # with lr=0.01 it stops after 100-200 epochs
    stopper = EarlyStopping("mean_loss", patience=patience, min_delta=min_delta)
    tracker = MetricTracker()
    pinn = make_pinn(optimizer_kwargs={"lr": 0.01})
    trainer = Trainer(pinn, max_epochs=-1, callbacks=[stopper, tracker], **trainer_kwargs)
    trainer.train()

    losses = tracker.metrics["mean_loss"].tolist()
    # replay the rule: improvement means current < best - min_delta; stop after `patience`
    # epochs in a row without one
    best, wait, stop = math.inf, 0, None
    for epoch, value in enumerate(losses):
        if value < best - min_delta:
            best, wait = value, 0
        else:
            wait += 1
            if wait >= patience:
                stop = epoch
                break
    assert stop is not None
    assert stopper.stopped_epoch == stop == len(losses) - 1
    assert trainer.current_epoch == stop + 1
    assert losses[-1] < losses[0] / 100


def test_seed_everything_deterministic_is_bitwise_reproducible(make_problem, tmp_path):
    problem = make_problem()

    def run(seed):
        seed_everything(seed, workers=True)
        # built after seeding, as in the tutorial; batch_size=5 makes the shuffling matter
        model = FeedForward(
            layers=[10, 10], func=torch.nn.Tanh, output_dimensions=1, input_dimensions=1
        )
        pinn = PINN(problem, model)
        tracker = MetricTracker()
        trainer = Trainer(
            pinn,
            batch_size=5,
            accelerator="cpu",
            deterministic=True,
            max_epochs=6,
            callbacks=[tracker],
            enable_model_summary=False,
            enable_progress_bar=False,
            logger=False,
            default_root_dir=str(tmp_path),
        )
        trainer.train()
        return tracker.metrics, [p.detach().clone() for p in pinn.parameters()]

    metrics_a, weights_a = run(42)
    metrics_b, weights_b = run(42)
    metrics_c, weights_c = run(43)
    for name in METRICS:
        assert metrics_a[name].shape == (6,)
        assert torch.equal(metrics_a[name], metrics_b[name])
        assert not torch.equal(metrics_a[name], metrics_c[name])
    assert all(torch.equal(a, b) for a, b in zip(weights_a, weights_b))
    assert not any(torch.equal(a, c) for a, c in zip(weights_a, weights_c))


def test_stochastic_weight_averaging_swaps_scheduler_and_averages(make_pinn, trainer_kwargs):
    max_epochs = 10  # swa_epoch_start=0.7: averaging over the weights of epochs 7, 8, 9
    weights = WeightsAtEpochStart()
    schedulers: list[type] = []

    class SchedulerType(Callback):
        def on_train_epoch_end(self, trainer, pl_module):
            schedulers.append(type(trainer.lr_scheduler_configs[0].scheduler))

    pinn = make_pinn()
    swa = StochasticWeightAveraging(swa_lrs=0.005)
    trainer = Trainer(
        pinn,
        max_epochs=max_epochs,
        callbacks=[weights, swa, SchedulerType()],
        **trainer_kwargs,
    )
    trainer.train()

    assert schedulers == [ConstantLR] * 7 + [SWALR] * 3
    assert isinstance(trainer.lr_scheduler_configs[0].scheduler, SWALR)
    assert trainer.optimizers[0].param_groups[0]["lr"] != pytest.approx(1e-3)
    averaged = [torch.stack(ws).mean(dim=0) for ws in zip(*weights.weights[7:10])]
    final = list(pinn.parameters())
    for mean, param in zip(averaged, final):
        torch.testing.assert_close(param.detach(), mean, rtol=1e-5, atol=1e-7)
    # the average is not simply the last weights
    assert not all(torch.equal(w, p.detach()) for w, p in zip(weights.weights[9], final))


@pytest.mark.parametrize("algorithm", ["norm", "value"])
def test_gradient_clipping_limits_the_sgd_step(make_pinn, trainer_kwargs, algorithm):
    lr, clip = 1.0, 1e-3

    def one_step(**clipping):
        pinn = make_pinn(optimizer=torch.optim.SGD, optimizer_kwargs={"lr": lr})
        before = [p.detach().clone() for p in pinn.parameters()]
        Trainer(pinn, max_epochs=1, **clipping, **trainer_kwargs).train()
        return [p.detach() - b for p, b in zip(pinn.parameters(), before)]

    free = one_step()  # -lr * g
    clipped = one_step(gradient_clip_val=clip, gradient_clip_algorithm=algorithm)
    grads = [-d / lr for d in free]
    if algorithm == "norm":
        norm = torch.linalg.vector_norm(torch.cat([g.flatten() for g in grads]))
        assert norm > 100 * clip
        expected = [-lr * g * clip / norm for g in grads]
    else:
        expected = [-lr * g.clamp(-clip, clip) for g in grads]
    for got, want in zip(clipped, expected):
        torch.testing.assert_close(got, want, rtol=1e-3, atol=1e-7)
    total = torch.linalg.vector_norm(torch.cat([d.flatten() for d in clipped]))
    assert total <= lr * clip * math.sqrt(sum(d.numel() for d in clipped)) * (1 + 1e-3)


def test_accumulate_grad_batches_counts_optimizer_steps(make_pinn, trainer_kwargs):
    counter = CountSteps()
    pinn = make_pinn()
    trainer = Trainer(
        pinn,
        batch_size=5,
        accumulate_grad_batches=2,
        max_epochs=2,
        callbacks=[counter],
        **trainer_kwargs,
    )
    trainer.train()
    assert trainer.num_training_batches == 5  # ceil(21 / 5)
    assert trainer.global_step == counter.steps == 2 * 3  # ceil(5 / 2) steps per epoch


def test_accumulated_sgd_step_is_the_mean_of_the_batch_gradients(
    make_pinn, trainer_kwargs, ode_losses
):
    # 21 points in 5 batches: x0 alone in one batch, D in 5 batches of 4 points. Lightning
    # divides each batch loss by 5 before accumulating, so the one step of the epoch is
    # -lr * grad(x0_loss / 5 + D_loss) whatever the shuffling.
    lr = 0.1
    pinn = make_pinn(optimizer=torch.optim.SGD, optimizer_kwargs={"lr": lr})
    model = pinn.neural_net.torchmodel
    losses = ode_losses(model, pinn.problem)
    target = losses["x0"] / 5 + losses["D"]
    grads = torch.autograd.grad(target, list(model.parameters()))
    expected = [p.detach() - lr * g for p, g in zip(model.parameters(), grads)]

    trainer = Trainer(pinn, batch_size=5, accumulate_grad_batches=5, max_epochs=1, **trainer_kwargs)
    trainer.train()
    assert trainer.global_step == 1
    for param, want in zip(model.parameters(), expected):
        torch.testing.assert_close(param.detach(), want, rtol=1e-5, atol=1e-7)


def test_precision_64_true(make_pinn, trainer_kwargs, hand_losses):
    pinn = make_pinn()
    trainer = Trainer(
        pinn, precision="64-true", max_epochs=3, callbacks=[hand_losses], **trainer_kwargs
    )
    trainer.train()
    assert all(p.dtype == torch.float64 for p in pinn.parameters())
    assert pinn.dtype == torch.float64
    for logged, expected in zip(hand_losses.logged, hand_losses.expected):
        for name in METRICS:
            assert torch.isfinite(logged[name])
        # the by-hand losses use the float32 points on the float64 model
        assert float(logged["D_loss"]) == pytest.approx(expected["D_loss"], rel=1e-5)
    out = pinn(_grid().to(torch.float64))
    assert out.dtype == torch.float64


def test_precision_bf16_mixed_on_cpu(make_pinn, trainer_kwargs):
    tracker = MetricTracker()
    pinn = make_pinn(optimizer_kwargs={"lr": 0.01})
    trainer = Trainer(
        pinn, precision="bf16-mixed", max_epochs=20, callbacks=[tracker], **trainer_kwargs
    )
    trainer.train()
    assert trainer.global_step == 20
    assert all(p.dtype == torch.float32 for p in pinn.parameters())
    for name in METRICS:
        values = tracker.metrics[name]
        assert values.shape == (20,)
        assert torch.isfinite(values).all()
    mean = tracker.metrics["mean_loss"]
    assert mean[-1] < mean[0] / 2


# ---------------------------------------------------------------------------- checkpoints
def test_default_checkpoint_is_lightnings_file_of_the_last_epoch(
    make_pinn, trainer_kwargs, tmp_path
):
    trainer = Trainer(make_pinn(), max_epochs=3, **trainer_kwargs)
    assert [type(c) for c in trainer.checkpoint_callbacks] == [TimedCheckpoint]
    trainer.train()
    folder = tmp_path / "lightning_logs" / "version_0" / "checkpoints"
    assert sorted(p.name for p in folder.iterdir()) == ["epoch=2-step=3.ckpt"]
    assert _checkpoints(tmp_path) == ["epoch=2-step=3.ckpt"]
    assert trainer.checkpoint_callback.best_model_path == str(folder / "epoch=2-step=3.ckpt")


def test_resume_from_default_checkpoint_continues(
    make_problem, make_pinn, trainer_kwargs, tmp_path
):
    problem = make_problem()
    straight = make_pinn(problem=problem)
    Trainer(
        straight, max_epochs=5, **{**trainer_kwargs, "default_root_dir": str(tmp_path / "a")}
    ).train()

    first = make_pinn(problem=problem)
    Trainer(first, max_epochs=3, **trainer_kwargs).train()
    path = tmp_path / "lightning_logs" / "version_0" / "checkpoints" / "epoch=2-step=3.ckpt"
    assert path.exists()

    resumed = make_pinn(seed=1, problem=problem)  # other initial weights: the file must win
    trainer = Trainer(resumed, max_epochs=5, **trainer_kwargs)
    trainer.train(ckpt_path=str(path))
    assert trainer.global_step == 5
    assert trainer.current_epoch == 5
    # Adam's state came back too: 3 + 2 epochs equal 5 epochs in a row
    for a, b in zip(resumed.parameters(), straight.parameters()):
        torch.testing.assert_close(a, b, rtol=1e-6, atol=1e-8)
    resumed_file = tmp_path / "lightning_logs" / "version_1" / "checkpoints" / "epoch=4-step=5.ckpt"
    assert resumed_file.exists()


def test_load_from_checkpoint_restores_outputs(
    make_problem, make_pinn, make_model, trainer_kwargs, tmp_path
):
    problem = make_problem()
    pinn = make_pinn(problem=problem)
    Trainer(pinn, max_epochs=4, **trainer_kwargs).train()
    path = tmp_path / "lightning_logs" / "version_0" / "checkpoints" / "epoch=3-step=4.ckpt"

    loaded = PINN.load_from_checkpoint(str(path), problem=problem, model=make_model(seed=7))
    assert isinstance(loaded, PINN)
    grid = _grid()
    expected, got = pinn(grid), loaded(grid)
    assert got.labels == ["u"]
    assert torch.equal(got.tensor, expected.tensor)
    fresh = PINN(problem, make_model(seed=7))
    assert not torch.equal(fresh(grid).tensor, expected.tensor)


def test_user_model_checkpoint_replaces_the_default(make_pinn, trainer_kwargs, tmp_path):
    mine = ModelCheckpoint(dirpath=str(tmp_path / "mine"), every_n_epochs=1, save_top_k=-1)
    trainer = Trainer(make_pinn(), max_epochs=3, callbacks=[mine], **trainer_kwargs)
    assert trainer.checkpoint_callbacks == [mine]
    assert not any(isinstance(c, TimedCheckpoint) for c in trainer.callbacks)
    trainer.train()
    assert sorted(p.name for p in (tmp_path / "mine").iterdir()) == [
        "epoch=0-step=1.ckpt",
        "epoch=1-step=2.ckpt",
        "epoch=2-step=3.ckpt",
    ]
    assert _checkpoints(tmp_path / "lightning_logs") == []


def test_enable_checkpointing_false_writes_nothing(make_pinn, trainer_kwargs, tmp_path):
    trainer = Trainer(make_pinn(), max_epochs=2, enable_checkpointing=False, **trainer_kwargs)
    assert trainer.checkpoint_callbacks == []
    trainer.train()
    assert _checkpoints(tmp_path) == []


# ---------------------------------------------------------------------------- update_points
class BatchPoints(Callback):
    def __init__(self):
        self.points: list[dict[str, torch.Tensor]] = []

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx):
        self.points.append({name: part.input.tensor.clone() for name, part in batch.items()})


def test_update_points_before_training_may_change_the_count(make_pinn, trainer_kwargs):
    pinn = make_pinn()
    record = BatchPoints()
    trainer = Trainer(pinn, batch_size=7, max_epochs=1, callbacks=[record], **trainer_kwargs)
    pinn.problem.discretise_domain(30, "grid", locations=["D"])
    trainer.update_points("D")
    trainer.train()
    assert trainer.num_training_batches == 5  # ceil(31 / 7)
    seen = torch.cat([p["D"] for p in record.points]).flatten().sort().values
    assert torch.equal(seen, torch.linspace(0, 1, 30))


def test_update_points_during_training_from_the_next_epoch(make_pinn, trainer_kwargs):
    new = LabelTensor(torch.linspace(0, 1, 20).reshape(-1, 1), ["x"])

    class Replace(Callback):
        def on_train_epoch_end(self, trainer, pl_module):
            if trainer.current_epoch == 0:
                pl_module.problem.input_pts["D"] = new
                trainer.update_points()  # every physics condition

    pinn = make_pinn()
    old = pinn.problem.input_pts["D"].tensor.clone()
    record = BatchPoints()
    trainer = Trainer(
        pinn, max_epochs=2, precision="64-true", callbacks=[Replace(), record], **trainer_kwargs
    )
    trainer.train()
    assert torch.equal(record.points[0]["D"], old.double())
    assert torch.equal(record.points[1]["D"], new.tensor.double())


def test_update_points_errors(make_pinn, trainer_kwargs):
    pinn = make_pinn()
    trainer = Trainer(pinn, batch_size=7, max_epochs=1, **trainer_kwargs)
    with pytest.raises(ValueError, match=r"\['E'\] are not physics conditions; choose from"):
        trainer.update_points(["D", "E"])
    with pytest.raises(TypeError, match=r"names must be None, a condition name or a list"):
        trainer.update_points(3)

    class Grow(Callback):
        def on_train_epoch_end(self, trainer, pl_module):
            pl_module.problem.discretise_domain(40, "random", locations=["D"])
            trainer.update_points("D")

    trainer = Trainer(pinn, batch_size=7, max_epochs=1, callbacks=[Grow()], **trainer_kwargs)
    with pytest.raises(ValueError, match=r"would make 6 steps per epoch instead of 3"):
        trainer.train()
