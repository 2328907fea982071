"""Train the data-driven solvers on 2 CPU processes and write what every rank saw as JSON.

Run by ``tests/test_solvers/test_multiprocess_data_solvers.py`` in its own process, never
inside pytest: with ``strategy='ddp'`` Lightning starts the other rank by running this script
again (which then runs the same trainings, in the same order).

    python ddp_data_solvers.py OUT.json [--epochs E] [--devices D] [KIND ...]

``KIND`` is any of ``supervised``, ``rom``, ``garom`` (default: all three). For each, rank 0
writes, per rank: the final weights, the metrics logged at every epoch end, ``global_step``
and, for GAROM, ``k``. The test imports :func:`build` to train the same solvers in a single
process and compares. Every solver uses SGD and full batches, so a step is ``w - lr * grad``
of the loss over all the data, whatever the number of processes; the GAROM generator's
"noise" is a fixed function of the parameters, so runs can be compared.
"""

from __future__ import annotations

import argparse
import json
import os
from typing import Any

import torch
import torch.distributed as dist
from pytorch_lightning.callbacks import Callback

from pina import Condition, LabelTensor, Trainer
from pina.model import FeedForward
from pina.model.layers import PODBlock
from pina.problem import AbstractProblem
from pina.solvers import GAROM, ReducedOrderModelSolver, SolverInterface, SupervisedSolver

KINDS = ("supervised", "rom", "garom")
N_FIELD = 12  # points of each snapshot (ROM, GAROM)
FIELD_LABELS = [f"u{i}" for i in range(N_FIELD)]


def _snapshots(mu: torch.Tensor) -> torch.Tensor:
    x = torch.linspace(0, torch.pi, N_FIELD)
    return torch.sin(mu * x)


def _field_problem(n_a: int, n_b: int) -> AbstractProblem:
    """Snapshots u(x; mu) = sin(mu x): two conditions of odd sizes, weights 1 and 0.5."""
    mu_a = torch.linspace(1, 3, n_a).reshape(-1, 1)
    mu_b = torch.linspace(1.05, 2.95, n_b).reshape(-1, 1)

    class Snapshots(AbstractProblem):
        input_variables = ["mu"]
        output_variables = FIELD_LABELS
        conditions = {
            "a": Condition(
                input_points=LabelTensor(mu_a, ["mu"]),
                output_points=LabelTensor(_snapshots(mu_a), FIELD_LABELS),
            ),
            "b": Condition(
                input_points=LabelTensor(mu_b, ["mu"]),
                output_points=LabelTensor(_snapshots(mu_b), FIELD_LABELS),
                data_weight=0.5,
            ),
        }

    return Snapshots()


class PODReduction(torch.nn.Module):
    def __init__(self, rank: int) -> None:
        super().__init__()
        self.pod = PODBlock(rank)

    def encode(self, u: torch.Tensor) -> torch.Tensor:
        return self.pod.reduce(u)

    def decode(self, c: torch.Tensor) -> torch.Tensor:
        return self.pod.expand(c)


class FixedNoiseGenerator(torch.nn.Module):
    """A conditional generator whose 'noise' is a fixed function of the parameters."""

    def __init__(self, noise: int = 3) -> None:
        super().__init__()
        self.frequencies = torch.arange(1.0, noise + 1.0) * 7.0
        self.net = torch.nn.Sequential(
            torch.nn.Linear(1 + noise, 16), torch.nn.Tanh(), torch.nn.Linear(16, N_FIELD)
        )

    def forward(self, mu: torch.Tensor) -> torch.Tensor:
        z = torch.sin(mu * self.frequencies.to(mu))
        return self.net(torch.cat([mu, z], dim=-1))


class Discriminator(torch.nn.Module):
    def __init__(self, hidden: int = 4) -> None:
        super().__init__()
        self.encode = torch.nn.Linear(N_FIELD, hidden)
        self.condition = torch.nn.Linear(1, hidden)
        self.decode = torch.nn.Sequential(torch.nn.Tanh(), torch.nn.Linear(2 * hidden, N_FIELD))

    def forward(self, data: list[torch.Tensor]) -> torch.Tensor:
        u, mu = data
        return self.decode(torch.cat([self.encode(u), self.condition(mu)], dim=-1))


def build(kind: str) -> SolverInterface:
    """The solver of ``kind``, with the same data and initial weights in every process."""
    torch.manual_seed(0)
    if kind == "supervised":
        # N-D fields (n, 4, 4, 2) -> (n, 4, 4, 1), sharded on the first dimension
        inputs = {"a": torch.rand(31, 4, 4, 2), "b": torch.rand(12, 4, 4, 2)}

        class Fields(AbstractProblem):
            input_variables = ["p", "q"]
            output_variables = ["u"]
            conditions = {
                name: Condition(
                    input_points=LabelTensor(x, ["p", "q"]),
                    output_points=LabelTensor(torch.sin(3 * x[..., :1]) * x[..., 1:], ["u"]),
                    data_weight=weight,
                )
                for (name, x), weight in zip(inputs.items(), (1.0, 0.5))
            }

        model = FeedForward(2, 1, layers=[8], func=torch.nn.Tanh)
        return SupervisedSolver(
            Fields(), model, optimizer=torch.optim.SGD, optimizer_kwargs={"lr": 0.5}
        )
    problem = _field_problem(21, 8)
    if kind == "rom":
        reduction = PODReduction(4)
        reduction.pod.fit(problem.conditions["a"].output_points.tensor)
        interpolation = FeedForward(1, 4, layers=[10], func=torch.nn.Tanh)
        return ReducedOrderModelSolver(
            problem,
            reduction,
            interpolation,
            optimizer=torch.optim.SGD,
            optimizer_kwargs={"lr": 0.2},
        )
    if kind == "garom":
        solver = GAROM(
            problem,
            FixedNoiseGenerator(),
            Discriminator(),
            optimizer_generator=torch.optim.SGD,
            optimizer_generator_kwargs={"lr": 0.1},
            optimizer_discriminator=torch.optim.SGD,
            optimizer_discriminator_kwargs={"lr": 0.1},
            lambda_k=0.1,
            regularizer=True,
        )
        solver.k = 0.5  # inside (0, 1): every step moves it, none clamps it
        return solver
    raise ValueError(f"kind={kind!r}; choose one of {KINDS!r}.")


def weights(module: torch.nn.Module) -> list[list[float]]:
    return [p.detach().flatten().tolist() for p in module.parameters()]


class Report(Callback):
    """Gathers what every rank saw into ``self.result`` (on rank 0)."""

    def __init__(self) -> None:
        self.logged: list[dict[str, float]] = []
        self.result: dict[str, Any] | None = None

    def on_train_epoch_end(self, trainer, pl_module):
        self.logged.append({k: float(v) for k, v in trainer.logged_metrics.items()})

    def on_train_end(self, trainer, pl_module):
        mine = {
            "rank": trainer.global_rank,
            "world_size": trainer.world_size,
            "final": weights(pl_module),
            "logged": self.logged,
            "global_step": trainer.global_step,
            "k": pl_module.k if isinstance(pl_module, GAROM) else None,
        }
        if trainer.world_size == 1:
            self.result = {"ranks": [mine]}
            return
        ranks: list[Any] = [None] * trainer.world_size
        dist.all_gather_object(ranks, mine)
        self.result = {
            "strategy": type(trainer.strategy).__name__,
            "ranks": sorted(ranks, key=lambda r: r["rank"]),
        }


def train(kind: str, epochs: int, devices: int, root: str) -> dict[str, Any] | None:
    """Train the solver of ``kind``; the gathered report on rank 0 (``None`` elsewhere)."""
    solver = build(kind)
    report = Report()
    trainer = Trainer(
        solver,
        accelerator="cpu",
        devices=devices,
        strategy="ddp" if devices > 1 else "auto",
        max_epochs=epochs,
        callbacks=[report],
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        default_root_dir=root,
    )
    trainer.train()
    return report.result if trainer.global_rank == 0 else None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("kinds", nargs="*", default=list(KINDS))
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--devices", type=int, default=2)
    args = parser.parse_args()
    root = os.path.dirname(os.path.abspath(args.out))
    results = {kind: train(kind, args.epochs, args.devices, root) for kind in args.kinds}
    if results[args.kinds[0]] is not None:  # rank 0
        with open(args.out, "w") as f:
            json.dump(results, f)


if __name__ == "__main__":
    # Imported here: test_multiprocess_data_solvers.py loads this file as a module.
    from _common import end_process

    main()
    end_process()
