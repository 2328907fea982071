"""Checkpoints: exact resumes, atomic writes, a killed run, NaN epochs, reproducibility.

* ``train(ckpt_path=...)``: N epochs, then N more resumed from the checkpoint, give bitwise
  the weights, losses and points of 2N epochs in one go (CPU, ``deterministic=True``), with
  schedulers, batch shuffling, SWA, R3Refinement, SwitchOptimizer, inverse problems and the
  SupervisedSolver.
* Checkpoint files are replaced atomically; the previous one is removed only afterwards.
* A training process killed with SIGKILL resumes from its last checkpoint exactly
  (``tests/scripts/train_with_checkpoints.py``).
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import torch
from _problems import Growth, SimpleODE, ode_equation
from pytorch_lightning import seed_everything
from pytorch_lightning.callbacks import Callback, StochasticWeightAveraging
from pytorch_lightning.plugins.io import TorchCheckpointIO

from pina import Condition, LabelTensor, Trainer
from pina._checkpoint import AtomicCheckpointIO, TimedCheckpoint
from pina.callbacks import MetricTracker, R3Refinement, SwitchOptimizer
from pina.equation import Equation
from pina.model import FeedForward
from pina.problem import AbstractProblem
from pina.solvers import PINN, SupervisedSolver

SCRIPT = Path(__file__).parent / "scripts" / "train_with_checkpoints.py"


# ----------------------------------------------------------------------------- problems
X_FIT = torch.linspace(-1, 1, 24).reshape(-1, 1)


class Fit(AbstractProblem):
    input_variables = ["x"]
    output_variables = ["u"]
    conditions = {
        "data": Condition(
            input_points=LabelTensor(X_FIT, ["x"]),
            output_points=LabelTensor(torch.sin(3 * X_FIT), ["u"]),
        )
    }


def _ode_pinn(model_seed: int, **kwargs: Any) -> PINN:
    seed_everything(0, verbose=False)
    problem = SimpleODE()
    problem.discretise_domain(1, "random", locations=["x0"])
    problem.discretise_domain(20, "lh", locations=["D"])
    torch.manual_seed(model_seed)
    return PINN(problem, FeedForward(1, 1, layers=[10, 10]), **kwargs)


def _growth_pinn(model_seed: int) -> PINN:
    seed_everything(0, verbose=False)
    problem = Growth()  # k drawn here; the resumed run must get the trained k back
    problem.discretise_domain(20, "grid", locations=["D"])
    torch.manual_seed(model_seed)
    return PINN(problem, FeedForward(1, 1, layers=[10, 10]), optimizer_kwargs={"lr": 0.02})


def _supervised(model_seed: int) -> SupervisedSolver:
    seed_everything(0, verbose=False)
    torch.manual_seed(model_seed)
    return SupervisedSolver(
        Fit(), FeedForward(1, 1, layers=[10, 10]), optimizer_kwargs={"lr": 0.01}
    )


def _fit(
    solver: Any,
    root: Path,
    epochs: int,
    callbacks: list[Callback],
    ckpt_path: str | None = None,
    **options: Any,
) -> tuple[Trainer, MetricTracker]:
    tracker = MetricTracker()
    trainer = Trainer(
        solver,
        accelerator="cpu",
        deterministic=True,
        max_epochs=epochs,
        callbacks=[tracker, *callbacks],
        logger=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        default_root_dir=str(root),
        **options,
    )
    trainer.train(ckpt_path=ckpt_path)
    return trainer, tracker


EXP_LR = {
    "scheduler": torch.optim.lr_scheduler.ExponentialLR,
    "scheduler_kwargs": {"gamma": 0.8},
}
CASES: dict[str, tuple[Callable[[int], Any], Callable[[], list[Callback]], int | None]] = {
    # name: (solver factory taking a model seed, callbacks factory, batch_size)
    "pinn": (_ode_pinn, list, None),
    "pinn-batches-exponential-lr": (lambda s: _ode_pinn(s, **EXP_LR), list, 5),
    "swa-started-before-the-resume": (
        _ode_pinn,
        lambda: [StochasticWeightAveraging(swa_lrs=0.005, swa_epoch_start=2)],
        5,
    ),
    "swa-starting-after-the-resume": (
        _ode_pinn,
        lambda: [StochasticWeightAveraging(swa_lrs=0.005, swa_epoch_start=4)],
        5,
    ),
    "r3-refinement": (_ode_pinn, lambda: [R3Refinement(sample_every=2)], 6),
    "switched-to-lbfgs-before-the-resume": (
        _ode_pinn,
        lambda: [SwitchOptimizer(torch.optim.LBFGS, {"lr": 0.1, "max_iter": 5}, epoch_switch=2)],
        None,
    ),
    "switching-after-the-resume": (
        _ode_pinn,
        lambda: [SwitchOptimizer(torch.optim.SGD, {"lr": 0.01}, epoch_switch=4)],
        5,
    ),
    "inverse-problem": (_growth_pinn, list, 5),
    "supervised": (_supervised, list, 5),
}


@pytest.mark.parametrize("case", list(CASES))
def test_resumed_run_is_bitwise_the_uninterrupted_one(tmp_path, case):
    build, callbacks, batch_size = CASES[case]
    n = 3
    straight = build(0)
    trainer, tracker = _fit(straight, tmp_path / "a", 2 * n, callbacks(), batch_size=batch_size)

    _fit(build(0), tmp_path / "b", n, callbacks(), batch_size=batch_size)
    (path,) = (tmp_path / "b").rglob("*.ckpt")
    resumed = build(1)  # other initial weights: the checkpoint must win
    trainer_r, tracker_r = _fit(
        resumed, tmp_path / "c", 2 * n, callbacks(), ckpt_path=str(path), batch_size=batch_size
    )

    assert trainer_r.global_step == trainer.global_step > 0
    assert trainer_r.current_epoch == trainer.current_epoch == 2 * n
    for (name, a), b in zip(straight.named_parameters(), resumed.parameters()):
        assert torch.equal(a, b), name
    metrics, metrics_r = tracker.metrics, tracker_r.metrics
    assert set(metrics) == set(metrics_r)
    for name in metrics:  # the tracker's history is in the checkpoint: all 2n epochs
        assert metrics_r[name].shape == (2 * n,)
        assert torch.equal(metrics_r[name], metrics[name]), name
    points, points_r = straight.problem.input_pts, resumed.problem.input_pts
    assert set(points) == set(points_r)
    for name in points:
        assert torch.equal(points_r[name].tensor, points[name].tensor), name
    if case == "r3-refinement":  # the resumed run started from the refined points
        assert not torch.equal(points["D"].tensor, build(0).problem.input_pts["D"].tensor)
    if case.startswith("switch"):
        assert [type(o) for o in trainer_r.optimizers] == [type(o) for o in trainer.optimizers]
        assert trainer_r.lr_scheduler_configs == trainer.lr_scheduler_configs == []


def test_load_from_checkpoint_restores_pinn_and_supervised_solver(tmp_path):
    grid = LabelTensor(torch.linspace(-1, 1, 11).reshape(-1, 1), ["x"])
    pinn = _ode_pinn(0)
    _fit(pinn, tmp_path / "pinn", 3, [])
    (path,) = (tmp_path / "pinn").rglob("*.ckpt")
    # the problem and the model (any weights) must be given; other arguments take defaults
    model = FeedForward(1, 1, layers=[10, 10])
    loaded = PINN.load_from_checkpoint(str(path), problem=pinn.problem, model=model)
    assert torch.equal(loaded(grid).tensor, pinn(grid).tensor)

    supervised = _supervised(0)
    _fit(supervised, tmp_path / "sup", 3, [], batch_size=8)
    (path,) = (tmp_path / "sup").rglob("*.ckpt")
    model = FeedForward(1, 1, layers=[10, 10])
    loaded_s = SupervisedSolver.load_from_checkpoint(str(path), problem=Fit(), model=model)
    assert isinstance(loaded_s, SupervisedSolver)
    assert loaded_s(grid).labels == ["u"]
    assert torch.equal(loaded_s(grid).tensor, supervised(grid).tensor)
    # a model of another shape does not fit the saved weights
    with pytest.raises(RuntimeError, match="size mismatch"):
        SupervisedSolver.load_from_checkpoint(str(path), problem=Fit(), model=FeedForward(1, 1))


# ----------------------------------------------------------------------------- atomic writes
def test_trainer_writes_checkpoints_atomically_unless_given_its_own_io(make_pinn, trainer_kwargs):
    assert type(Trainer(make_pinn(), **trainer_kwargs).strategy.checkpoint_io) is (
        AtomicCheckpointIO
    )
    mine = TorchCheckpointIO()
    assert Trainer(make_pinn(), plugins=[mine], **trainer_kwargs).strategy.checkpoint_io is mine


def test_interrupted_write_leaves_the_previous_file(tmp_path):
    io = AtomicCheckpointIO()
    path = tmp_path / "ckpts" / "last.ckpt"
    io.save_checkpoint({"step": torch.tensor(1), "w": torch.ones(1000)}, path)
    assert torch.load(path)["step"] == 1
    # pickling fails half-way, after the tensor data is written: as a crash during the write
    broken = {"step": torch.tensor(2), "w": torch.zeros(1000), "f": lambda: None}
    with pytest.raises(Exception, match="lambda"):
        io.save_checkpoint(broken, path)
    with pytest.raises(Exception, match="lambda"):
        io.save_checkpoint(broken, tmp_path / "ckpts" / "new.ckpt")
    assert sorted(p.name for p in path.parent.iterdir()) == ["last.ckpt"]  # no partial file
    assert torch.load(path)["step"] == 1
    io.save_checkpoint({"step": torch.tensor(3)}, path)
    assert torch.load(path)["step"] == 3
    assert sorted(p.name for p in path.parent.iterdir()) == ["last.ckpt"]


class _Journal(AtomicCheckpointIO):
    def __init__(self) -> None:
        super().__init__()
        self.events: list[tuple[str, str, bool]] = []

    def save_checkpoint(self, checkpoint, path, storage_options=None):
        super().save_checkpoint(checkpoint, path, storage_options)
        self.events.append(("saved", Path(path).name, Path(path).exists()))

    def remove_checkpoint(self, path):
        files = {p.name for p in Path(path).parent.iterdir()}
        self.events.append(("removing", Path(path).name, len(files) == 2))
        super().remove_checkpoint(path)


def test_previous_checkpoint_is_removed_only_after_the_new_one_is_written(
    make_pinn, trainer_kwargs
):
    journal = _Journal()
    every_epoch = TimedCheckpoint(save_interval=0)
    trainer = Trainer(
        make_pinn(), max_epochs=3, callbacks=[every_epoch], plugins=[journal], **trainer_kwargs
    )
    trainer.train()
    assert journal.events == [
        ("saved", "epoch=0-step=1.ckpt", True),
        ("saved", "epoch=1-step=2.ckpt", True),
        ("removing", "epoch=0-step=1.ckpt", True),  # both files on disk at that moment
        ("saved", "epoch=2-step=3.ckpt", True),
        ("removing", "epoch=1-step=2.ckpt", True),
    ]


# ----------------------------------------------------------------------------- killed run
def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("LOCAL_RANK", "NODE_RANK")}
    env.update(OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    return env


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL (POSIX)")
def test_run_killed_with_sigkill_resumes_from_its_last_checkpoint(tmp_path):
    out = tmp_path / "stdout.txt"
    with open(out, "w") as stdout:
        proc = subprocess.Popen(
            [sys.executable, str(SCRIPT), "run", str(tmp_path), "--save-interval", "0"],
            cwd=tmp_path,
            env=_env(),
            stdout=stdout,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 120
            # a checkpoint is written after every epoch: wait for a few
            while len(re.findall(r"epoch \d+", out.read_text())) < 6:
                assert proc.poll() is None, "the training process ended before being killed"
                assert time.monotonic() < deadline, "no epoch finished within 120 s"
                time.sleep(0.02)
            proc.send_signal(signal.SIGKILL)
        finally:
            proc.kill()
            proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL

    folder = tmp_path / "run" / "checkpoints"
    files = sorted(folder.glob("*.ckpt"))
    # one file, or two if killed between writing the new one and removing the old one
    assert 1 <= len(files) <= 2
    epochs = {p: torch.load(p, weights_only=False)["epoch"] for p in files}  # none is corrupt
    last = max(epochs, key=epochs.get)
    saved_epoch = epochs[last]
    printed = [int(e) for e in re.findall(r"epoch (\d+)", out.read_text())]
    # the epoch printed last may have been killed before its checkpoint: at most 1 lost
    assert saved_epoch <= printed[-1] <= saved_epoch + 1
    assert len([p for p in folder.iterdir() if p.suffix == ".tmp"]) <= 1

    epochs_total = saved_epoch + 5
    result_file = tmp_path / "result.json"
    subprocess.run(
        [sys.executable, str(SCRIPT), "resume", str(tmp_path), str(last)]
        + [str(epochs_total), str(result_file)],
        cwd=tmp_path,
        env=_env(),
        check=True,
        capture_output=True,
        timeout=300,
    )
    result = json.loads(result_file.read_text())
    resumed, straight = result["resumed"], result["straight"]
    assert resumed["first_epoch"] == saved_epoch + 1
    assert resumed["global_step"] == straight["global_step"] == 5 * epochs_total  # 5 steps/epoch
    assert resumed["weights"] == straight["weights"]
    assert resumed["losses"] == straight["losses"]  # the checkpoint's history, then the rest
    assert resumed["points"] == straight["points"]  # R3's refined points


# ----------------------------------------------------------------------------- NaN
def test_nan_epoch_keeps_the_last_good_checkpoint(trainer_kwargs, tmp_path):
    poisoned = {"on": False}

    def ode(input_, output_):
        residual = ode_equation(input_, output_)
        return residual * float("nan") if poisoned["on"] else residual

    class Poisoned(SimpleODE):
        conditions = {
            **SimpleODE.conditions,
            "D": Condition(location=SimpleODE.spatial_domain, equation=Equation(ode)),
        }

    class PoisonAtEpoch3(Callback):
        def __init__(self) -> None:
            self.weights: list[torch.Tensor] = []

        def on_train_epoch_start(self, trainer, pl_module):
            poisoned["on"] = trainer.current_epoch == 3
            if poisoned["on"]:
                self.weights = [p.detach().clone() for p in pl_module.parameters()]

    torch.manual_seed(0)
    problem = Poisoned()
    problem.discretise_domain(1, "random", locations=["x0"])
    problem.discretise_domain(20, "lh", locations=["D"])
    poison = PoisonAtEpoch3()
    trainer = Trainer(
        PINN(problem, FeedForward(1, 1, layers=[10, 10])),
        max_epochs=6,
        callbacks=[poison, TimedCheckpoint(save_interval=0)],
        **trainer_kwargs,
    )
    with pytest.raises(FloatingPointError, match=r"condition 'D' is nan at epoch 3"):
        trainer.train()
    files = list(tmp_path.rglob("*.ckpt*"))
    assert [p.name for p in files] == ["epoch=2-step=3.ckpt"]

    poisoned["on"] = False
    loaded = PINN.load_from_checkpoint(
        str(files[0]), problem=problem, model=FeedForward(1, 1, layers=[10, 10])
    )
    for got, want in zip(loaded.parameters(), poison.weights):
        assert torch.isfinite(got).all()
        assert torch.equal(got, want)  # the weights the NaN epoch started from


# ----------------------------------------------------------------------------- seeds
def test_seed_everything_reproduces_the_supervised_solver(tmp_path):
    def run(seed: int, root: str) -> tuple[dict[str, torch.Tensor], list[torch.Tensor]]:
        seed_everything(seed, verbose=False)
        solver = SupervisedSolver(Fit(), FeedForward(1, 1, layers=[10, 10]))
        _, tracker = _fit(solver, tmp_path / root, 4, [], batch_size=5)
        return tracker.metrics, [p.detach().clone() for p in solver.parameters()]

    metrics_a, weights_a = run(7, "a")
    metrics_b, weights_b = run(7, "b")
    metrics_c, weights_c = run(8, "c")
    for name in ("data_loss", "mean_loss"):
        assert metrics_a[name].shape == (4,)
        assert torch.equal(metrics_a[name], metrics_b[name])
        assert not torch.equal(metrics_a[name], metrics_c[name])
    assert all(torch.equal(a, b) for a, b in zip(weights_a, weights_b))
    assert not any(torch.equal(a, c) for a, c in zip(weights_a, weights_c))
