"""Train the tutorial's SimpleODE with frequent checkpoints; run by ``tests/test_checkpoints.py``.

Run in its own process, so that the test can kill it with SIGKILL:

    python train_with_checkpoints.py run ROOT [--save-interval S]
        Train "forever" (max_epochs=100000), writing the default checkpoint every ``S``
        seconds (``TimedCheckpoint(save_interval=S)``) in ``ROOT/run/checkpoints``, and
        printing ``epoch N`` to stdout after every epoch.

    python train_with_checkpoints.py resume ROOT CKPT EPOCHS OUT.json
        Resume from ``CKPT`` up to ``EPOCHS`` epochs, then train a fresh run of ``EPOCHS``
        epochs in one go, and write both results to ``OUT.json``: first epoch trained,
        final weights, logged losses per epoch, R3 points.

The run is deterministic on the CPU and uses everything a resume must restore: Adam's
state, an ExponentialLR scheduler, batch_size shuffling and R3Refinement's points.
"""

from __future__ import annotations

import argparse
import json
import sys

import torch
from _common import SimpleODE
from pytorch_lightning import seed_everything
from pytorch_lightning.callbacks import Callback

from pina import Trainer
from pina._checkpoint import TimedCheckpoint
from pina.callbacks import MetricTracker, R3Refinement
from pina.model import FeedForward
from pina.solvers import PINN


class PrintEpoch(Callback):
    def on_train_epoch_end(self, trainer, pl_module):
        print(f"epoch {trainer.current_epoch}", flush=True)


class FirstEpoch(Callback):
    def __init__(self) -> None:
        self.first: int | None = None

    def on_train_epoch_start(self, trainer, pl_module):
        if self.first is None:
            self.first = trainer.current_epoch


def train(root: str, max_epochs: int, callbacks: list, ckpt_path: str | None = None) -> dict:
    seed_everything(0, verbose=False)
    problem = SimpleODE()
    problem.discretise_domain(1, "random", locations=["x0"])
    problem.discretise_domain(20, "lh", locations=["D"])
    model = FeedForward(1, 1, layers=[10, 10])
    pinn = PINN(
        problem,
        model,
        optimizer_kwargs={"lr": 0.01},
        scheduler=torch.optim.lr_scheduler.ExponentialLR,
        scheduler_kwargs={"gamma": 0.999},
    )
    tracker, first = MetricTracker(), FirstEpoch()
    trainer = Trainer(
        pinn,
        batch_size=5,
        accelerator="cpu",
        deterministic=True,
        max_epochs=max_epochs,
        callbacks=[R3Refinement(sample_every=3), tracker, first, *callbacks],
        logger=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        default_root_dir=root,
    )
    trainer.train(ckpt_path=ckpt_path)
    return {
        "first_epoch": first.first,
        "global_step": trainer.global_step,
        "weights": [p.detach().flatten().tolist() for p in pinn.parameters()],
        "losses": tracker.metrics["mean_loss"].tolist(),
        "points": problem.input_pts["D"].tensor.flatten().tolist(),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["run", "resume"])
    parser.add_argument("root")
    parser.add_argument("ckpt", nargs="?")
    parser.add_argument("epochs", nargs="?", type=int)
    parser.add_argument("out", nargs="?")
    parser.add_argument("--save-interval", type=float, default=0.0)
    args = parser.parse_args()
    if args.mode == "run":
        checkpoint = TimedCheckpoint(
            save_interval=args.save_interval, dirpath=f"{args.root}/run/checkpoints"
        )
        train(f"{args.root}/run", 100_000, [checkpoint, PrintEpoch()])
        sys.exit("the run was meant to be killed before its end")
    resumed = train(f"{args.root}/resumed", args.epochs, [], ckpt_path=args.ckpt)
    straight = train(f"{args.root}/straight", args.epochs, [])
    with open(args.out, "w") as f:
        json.dump({"resumed": resumed, "straight": straight}, f)


if __name__ == "__main__":
    main()
