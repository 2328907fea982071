"""Train SimpleODE with train/val/test splits on 2 CPU processes; write what the ranks saw.

Run by ``tests/test_multiprocess_validation.py`` in its own process (never inside pytest).

    python ddp_validation.py SOLVER OUT.json [--batch-size N] [--epochs E]

SOLVER is ``PINN``, ``SAPINN`` or ``RBAPINN``. Rank 0 writes ``OUT.json`` with the problem's
points, every condition's splits, the final model weights and, per rank, the solver's
per-point weights (if any), the metrics of the last validation run during training and those
``trainer.validate()`` and ``trainer.test()`` return afterwards.
"""

from __future__ import annotations

import argparse
import json
import os

import torch
import torch.distributed as dist
from _common import SimpleODE, end_process
from pytorch_lightning.callbacks import Callback

from pina import Trainer
from pina.model import FeedForward
from pina.solvers import PINN, RBAPINN, SAPINN


class Truth(SimpleODE):
    def truth_solution(self, pts):
        return torch.exp(pts.extract(["x"]))


def flat(module: torch.nn.Module) -> list[list[float]]:
    return [p.detach().flatten().tolist() for p in module.parameters()]


class LastValidation(Callback):
    def __init__(self) -> None:
        self.metrics: dict[str, float] = {}

    def on_validation_end(self, trainer, pl_module):
        if not trainer.sanity_checking:
            self.metrics = {k: float(v) for k, v in trainer.callback_metrics.items() if "val" in k}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("solver", choices=["PINN", "SAPINN", "RBAPINN"])
    parser.add_argument("out")
    parser.add_argument("--batch-size", type=int, default=None)
    parser.add_argument("--epochs", type=int, default=3)
    args = parser.parse_args()

    torch.manual_seed(0)  # the same points, weights and splits on every rank
    problem = Truth()
    problem.discretise_domain(1, "random", locations=["x0"])
    problem.discretise_domain(40, "lh", locations=["D"])
    model = FeedForward(layers=[10, 10], output_dimensions=1, input_dimensions=1)
    solver = {"PINN": PINN, "SAPINN": SAPINN, "RBAPINN": RBAPINN}[args.solver](problem, model)
    last = LastValidation()
    trainer = Trainer(
        solver,
        batch_size=args.batch_size,
        train_size=0.5,
        val_size=0.25,
        test_size=0.25,
        accelerator="cpu",
        devices=2,
        strategy="ddp",
        max_epochs=args.epochs,
        callbacks=[last],
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        default_root_dir=os.path.dirname(os.path.abspath(args.out)),
    )
    trainer.train()
    (validated,) = trainer.validate(verbose=False)
    (tested,) = trainer.test(verbose=False)
    point_weights = getattr(solver, "weights", None)
    mine = {
        "rank": trainer.global_rank,
        "during_fit": last.metrics,
        "validate": validated,
        "test": tested,
        "point_weights": None
        if point_weights is None
        else {n: point_weights[n].detach().flatten().tolist() for n in ("x0", "D")},
        "final": flat(model),
    }
    ranks = [None] * trainer.world_size
    dist.all_gather_object(ranks, mine)
    if trainer.global_rank == 0:
        data = trainer.datamodule
        result = {
            "points": {n: p.tensor.flatten().tolist() for n, p in problem.input_pts.items()},
            "splits": {
                n: {s: idx.tolist() for s, idx in c.splits.items()}
                for n, c in data.conditions.items()
            },
            "ranks": sorted(ranks, key=lambda r: r["rank"]),
        }
        with open(args.out, "w") as f:
            json.dump(result, f)


if __name__ == "__main__":
    main()
    end_process()
