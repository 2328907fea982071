"""R3Refinement on 2 CPU processes (DDP); run by ``tests/test_callbacks/test_r3_refinement.py``.

Run in its own process (``strategy='ddp'`` starts the other rank by running this script
again):

    python ddp_r3.py OUT.json

Each rank seeds torch's global generator with its rank before training, so the ranks'
R3 generators differ: only the broadcast from rank 0 keeps their points the same. Rank 0
writes ``OUT.json`` with, per rank, the problem's D points at the start of every epoch and
at the end, and the D points of every step (grouped by epoch).
"""

from __future__ import annotations

import json
import os
import sys

import torch
import torch.distributed as dist
from _common import SimpleODE, end_process
from pytorch_lightning.callbacks import Callback

from pina import Trainer
from pina.callbacks import R3Refinement
from pina.model import FeedForward
from pina.solvers import PINN


class Report(Callback):
    def __init__(self, path: str) -> None:
        self.path = path
        self.steps: list[list[list[float]]] = []
        self.points: list[list[float]] = []

    def setup(self, trainer, pl_module, stage):
        # before R3Refinement's setup (it comes after in the callbacks), which seeds its
        # generator from the global one
        torch.manual_seed(trainer.global_rank)

    def on_train_epoch_start(self, trainer, pl_module):
        self.points.append(pl_module.problem.input_pts["D"].tensor.flatten().tolist())

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx):
        if batch_idx == 0:
            self.steps.append([])
        inputs = batch["D"].input if "D" in batch else None
        self.steps[-1].append([] if inputs is None else inputs.tensor.flatten().tolist())

    def on_train_end(self, trainer, pl_module):
        self.points.append(pl_module.problem.input_pts["D"].tensor.flatten().tolist())
        mine = {"rank": trainer.global_rank, "steps": self.steps, "points": self.points}
        ranks = [None] * trainer.world_size
        dist.all_gather_object(ranks, mine)
        if trainer.global_rank == 0:
            with open(self.path, "w") as f:
                json.dump(sorted(ranks, key=lambda r: r["rank"]), f)


def main() -> None:
    out = sys.argv[1]
    torch.manual_seed(0)
    problem = SimpleODE()
    problem.discretise_domain(1, "random", locations=["x0"])
    problem.discretise_domain(20, "lh", locations=["D"])
    pinn = PINN(problem, FeedForward(1, 1, layers=[10, 10]), optimizer_kwargs={"lr": 0.01})
    trainer = Trainer(
        pinn,
        batch_size=4,
        accelerator="cpu",
        devices=2,
        strategy="ddp",
        max_epochs=3,
        callbacks=[Report(out), R3Refinement(sample_every=1)],
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        default_root_dir=os.path.dirname(os.path.abspath(out)),
    )
    trainer.train()


if __name__ == "__main__":
    main()
    end_process()
