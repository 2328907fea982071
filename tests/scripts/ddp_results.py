"""Train on 2 CPU processes and write what the user's process reads after ``trainer.train()``.

Run by ``tests/test_multiprocess_results.py`` in its own process, never inside pytest:

    python ddp_results.py STRATEGY OUT.json [--num-nodes N] [--devices D]

``STRATEGY`` is ``ddp`` or ``ddp_spawn``. With ``--num-nodes 2 --devices 1`` the script is
started once per node by ``torchrun`` (or another launcher). The training: the inverse problem
``Growth`` with ``SAPINN`` (per-point weights that are parameters), mini-batches, a
validation split, ``MetricTracker``, ``R3Refinement``, the default logger and checkpoint.

After it, the process that called ``trainer.train()`` (rank 0 under ``ddp``, the main
process under ``ddp_spawn``) records what a user reads there: the tracker's history,
``logged_metrics``/``callback_metrics``/``progress_bar_metrics``, ``current_epoch``/
``global_step``, the solver's ``state_dict``, the per-point weights, the problem's points and
unknown parameters, the data module's splits, the checkpoint callback's paths and the
logger's folder (relative to the run's folder) and the warnings about them that ``train()``
gave. Every rank also records the points of each of its steps, the metrics it logged at every
epoch end and its final ``state_dict``; rank 0 gathers them. ``OUT.json`` holds
``{"main": ..., "ranks": [...]}``.
"""

from __future__ import annotations

import argparse
import json
import os
import warnings
from typing import Any

import torch
import torch.distributed as dist
from _common import Growth, end_process
from pytorch_lightning.callbacks import Callback

from pina import Trainer
from pina.callbacks import MetricTracker, R3Refinement
from pina.model import FeedForward
from pina.solvers import SAPINN


def _values(t: torch.Tensor) -> list[float]:
    return t.detach().flatten().tolist()


class StepRecorder(Callback):
    """Per rank: the points of every step, the epoch-end metrics and the final weights."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.steps: list[dict[str, list[float]]] = []
        self.logged: list[dict[str, float]] = []

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx):
        self.steps.append({n: _values(part.input.tensor) for n, part in batch.items()})

    def on_train_epoch_end(self, trainer, pl_module):
        self.logged.append({k: float(v) for k, v in trainer.logged_metrics.items()})

    def on_train_end(self, trainer, pl_module):
        mine = {
            "rank": trainer.global_rank,
            "world_size": trainer.world_size,
            "num_nodes": trainer.num_nodes,
            "steps": self.steps,
            "logged": self.logged,
            "final": {k: _values(v) for k, v in pl_module.state_dict().items()},
        }
        ranks: list[Any] = [None] * trainer.world_size
        dist.all_gather_object(ranks, mine)
        if trainer.global_rank == 0:  # under ddp_spawn, in the worker of rank 0
            with open(self.path, "w") as f:
                json.dump(sorted(ranks, key=lambda r: r["rank"]), f)


def _relative(path: str | None, root: str) -> str | None:
    return None if not path else os.path.relpath(path, root)


def _main_view(trainer: Trainer, tracker: MetricTracker, root: str, caught: list) -> dict:
    solver = trainer.solver
    problem = solver.problem
    checkpoint = trainer.checkpoint_callback
    return {
        "global_rank": trainer.global_rank,
        "tracker": {k: _values(v) for k, v in tracker.metrics.items()},
        "logged": {k: float(v) for k, v in trainer.logged_metrics.items()},
        "callback": {k: float(v) for k, v in trainer.callback_metrics.items()},
        "progress_bar": {k: float(v) for k, v in trainer.progress_bar_metrics.items()},
        "current_epoch": trainer.current_epoch,
        "global_step": trainer.global_step,
        "state": {k: _values(v) for k, v in solver.state_dict().items()},
        "weights": {n: _values(solver.weights[n]) for n in problem.conditions},
        "input_pts": {
            n: {"labels": list(p.labels), "values": _values(p.tensor)}
            for n, p in problem.input_pts.items()
        },
        "unknown": {k: _values(v) for k, v in problem.unknown_parameters.items()},
        "splits": {
            n: {s: idx.tolist() for s, idx in entry.items()}
            for n, entry in trainer.datamodule.state_dict()["splits"].items()
        },
        "replaced": trainer.datamodule.replaced,
        "checkpoint": None
        if checkpoint is None
        else {
            "dirpath": _relative(checkpoint.dirpath, root),
            "best_model_path": _relative(checkpoint.best_model_path, root),
            "last_model_path": _relative(checkpoint.last_model_path, root),
        },
        "log_dir": _relative(trainer.logger.log_dir, root) if trainer.logger else None,
        "warnings": [str(w.message) for w in caught if "dirpath" in str(w.message)],
    }


def _train(args: argparse.Namespace, root: str) -> dict:
    tracker = MetricTracker()
    recorder = StepRecorder(os.path.join(root, "ranks.json"))
    torch.manual_seed(0)
    problem = Growth()
    problem.discretise_domain(20, "lh", locations=["D"])
    solver = SAPINN(
        problem,
        FeedForward(1, 1, layers=[10, 10]),
        optimizer_model_kwargs={"lr": 0.01},
        optimizer_weights_kwargs={"lr": 0.1},
    )
    trainer = Trainer(
        solver,
        batch_size=4,
        train_size=0.8,
        val_size=0.2,
        max_epochs=4,
        num_sanity_val_steps=0,
        callbacks=[recorder, tracker, R3Refinement(sample_every=2)],
        accelerator="cpu",
        devices=args.devices,
        num_nodes=args.num_nodes,
        strategy=args.strategy,
        enable_progress_bar=False,
        enable_model_summary=False,
        default_root_dir=root,
    )
    initial = {
        "input_pts": {n: _values(p.tensor) for n, p in problem.input_pts.items()},
        "unknown": {k: _values(v) for k, v in problem.unknown_parameters.items()},
        "weights": {n: _values(solver.weights[n]) for n in problem.conditions},
    }
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        trainer.train()
    view = _main_view(trainer, tracker, root, caught)
    view["initial"] = initial
    return view


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("strategy", choices=["ddp", "ddp_spawn"])
    parser.add_argument("out")
    parser.add_argument("--num-nodes", type=int, default=1)
    parser.add_argument("--devices", type=int, default=2)
    args = parser.parse_args()
    root = os.path.dirname(os.path.abspath(args.out))
    view = _train(args, root)
    if view["global_rank"] != 0:
        return
    with open(os.path.join(root, "ranks.json")) as f:
        ranks = json.load(f)
    with open(args.out, "w") as f:
        json.dump({"main": view, "ranks": ranks}, f)


if __name__ == "__main__":
    main()
    end_process()
