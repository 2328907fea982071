"""Train the tutorial's SimpleODE on 2 CPU processes and write what every rank saw as JSON.

Run by ``tests/test_multiprocess.py`` in its own process, never inside pytest: with
``strategy='ddp'`` Lightning starts the other ranks by running this script again.

    python ddp_simple_ode.py STRATEGY OUT.json [--batch-size N] [--epochs E] [--lr LR]

Rank 0 writes ``OUT.json`` with the sampled points, the initial weights, and per rank: the
points of every step (grouped by epoch), the weights before every step, the weights at the
end, and the metrics logged at every epoch end. The model is trained with SGD so that a step
is ``w - lr * grad`` and can be checked against a single-process computation.
"""

from __future__ import annotations

import argparse
import json
import os

import torch
import torch.distributed as dist
from _common import SimpleODE, end_process
from pytorch_lightning.callbacks import Callback
from pytorch_lightning.strategies import DDPStrategy

from pina import Trainer
from pina.model import FeedForward
from pina.solvers import PINN


def weights(module: torch.nn.Module) -> list[list[float]]:
    return [p.detach().flatten().tolist() for p in module.parameters()]


class RecordingPINN(PINN):
    """Keeps, for every step on this rank, its points and the weights it starts from."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.steps: list[list[dict]] = []

    def training_step(self, batch, batch_idx):
        if batch_idx == 0:
            self.steps.append([])
        self.steps[-1].append(
            {
                "points": {n: part.input.tensor.flatten().tolist() for n, part in batch.items()},
                "scales": {n: part.scale for n, part in batch.items()},
                "weights": weights(self),
            }
        )
        return super().training_step(batch, batch_idx)


class Report(Callback):
    def __init__(self, path: str, problem: SimpleODE, initial: list[list[float]]) -> None:
        self.path = path
        self.problem = problem
        self.initial = initial
        self.logged: list[dict[str, float]] = []

    def on_train_epoch_end(self, trainer, pl_module):
        self.logged.append({k: float(v) for k, v in trainer.logged_metrics.items()})

    def on_train_end(self, trainer, pl_module):
        mine = {
            "rank": trainer.global_rank,
            "world_size": trainer.world_size,
            "backend": dist.get_backend(),
            "steps": pl_module.steps,
            "final": weights(pl_module),
            "logged": self.logged,
            "global_step": trainer.global_step,
        }
        ranks = [None] * trainer.world_size
        dist.all_gather_object(ranks, mine)
        if trainer.global_rank == 0:
            result = {
                # under ddp_spawn, pina's subclass of DDPStrategy (pina/_spawn.py)
                "strategy": "DDPStrategy"
                if isinstance(trainer.strategy, DDPStrategy)
                else type(trainer.strategy).__name__,
                "points": {
                    n: p.tensor.flatten().tolist() for n, p in self.problem.input_pts.items()
                },
                "initial": self.initial,
                "ranks": sorted(ranks, key=lambda r: r["rank"]),
            }
            with open(self.path, "w") as f:
                json.dump(result, f)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("strategy", choices=["ddp", "ddp_spawn"])
    parser.add_argument("out")
    parser.add_argument("--batch-size", type=int, default=None)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--lr", type=float, default=0.1)
    args = parser.parse_args()

    # Same seed on every rank: every rank builds the same points and initial weights.
    torch.manual_seed(0)
    problem = SimpleODE()
    problem.discretise_domain(1, "random", locations=["x0"])
    problem.discretise_domain(20, "lh", locations=["D"])
    model = FeedForward(
        layers=[10, 10], func=torch.nn.Tanh, output_dimensions=1, input_dimensions=1
    )
    pinn = RecordingPINN(
        problem, model, optimizer=torch.optim.SGD, optimizer_kwargs={"lr": args.lr}
    )
    report = Report(args.out, problem, weights(model))
    trainer = Trainer(
        pinn,
        batch_size=args.batch_size,
        accelerator="cpu",
        devices=2,
        strategy=args.strategy,
        max_epochs=args.epochs,
        callbacks=[report],
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        default_root_dir=os.path.dirname(os.path.abspath(args.out)),
    )
    trainer.train()


if __name__ == "__main__":
    main()
    end_process()
