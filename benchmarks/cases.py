"""Benchmark cases written with the public PINA 0.1 API; one training run per call.

The same file runs on our ``pina`` and on the reference ``pina-mathlab==0.1.1``: which
one is imported depends only on the interpreter and ``PYTHONPATH`` the driver uses.
It therefore imports nothing but the public names the two share.

Usage (prints one JSON line)::

    python benchmarks/cases.py --case simpleode --settings tutorial --impl pina

Timing: a callback reads ``time.perf_counter()`` at ``on_train_epoch_start`` of
epoch 1 (epoch 0 is warm-up) and at ``on_train_end``, so Trainer construction and
teardown are not timed.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
import time

import pytorch_lightning as pl
import torch
from _specs import CASES, emit, exact_solution, relative_l2, test_points
from pytorch_lightning.callbacks import Callback
from pytorch_lightning.loggers import TensorBoardLogger

import pina
from pina import Condition, LabelTensor, Trainer
from pina.equation import Equation, FixedValue
from pina.geometry import CartesianDomain
from pina.model import FeedForward
from pina.operators import grad, laplacian
from pina.problem import SpatialProblem
from pina.solvers import PINN

# --------------------------------------------------------------------------- problems


class SimpleODE(SpatialProblem):
    """The tutorial's ODE: ``u' = u`` on [0, 1] with ``u(0) = 1`` (so ``u = e^x``)."""

    output_variables = ["u"]
    spatial_domain = CartesianDomain({"x": [0, 1]})

    def ode_equation(input_: LabelTensor, output_: LabelTensor) -> torch.Tensor:  # noqa: N805
        u_x = grad(output_, input_, components=["u"], d=["x"])
        u = output_.extract(["u"])
        return u_x - u

    conditions = {
        "x0": Condition(location=CartesianDomain({"x": 0.0}), equation=FixedValue(1)),
        "D": Condition(location=CartesianDomain({"x": [0, 1]}), equation=Equation(ode_equation)),
    }

    def truth_solution(self, pts: LabelTensor) -> torch.Tensor:
        return torch.exp(pts.extract(["x"]))


def poisson_equation(input_: LabelTensor, output_: LabelTensor) -> torch.Tensor:
    r"""Residual :math:`\Delta u + 2\pi^2 \sin(\pi x)\sin(\pi y)`."""
    x = input_.extract(["x"])
    y = input_.extract(["y"])
    force = 2.0 * math.pi**2 * torch.sin(math.pi * x) * torch.sin(math.pi * y)
    return laplacian(output_, input_, components=["u"], d=["x", "y"]) + force


class Poisson(SpatialProblem):
    """Poisson on [0, 1]^2 with ``u = 0`` on the four sides; ``u = sin(pi x) sin(pi y)``."""

    output_variables = ["u"]
    spatial_domain = CartesianDomain({"x": [0, 1], "y": [0, 1]})
    conditions = {
        "gamma1": Condition(
            location=CartesianDomain({"x": [0, 1], "y": 1}), equation=FixedValue(0.0)
        ),
        "gamma2": Condition(
            location=CartesianDomain({"x": [0, 1], "y": 0}), equation=FixedValue(0.0)
        ),
        "gamma3": Condition(
            location=CartesianDomain({"x": 1, "y": [0, 1]}), equation=FixedValue(0.0)
        ),
        "gamma4": Condition(
            location=CartesianDomain({"x": 0, "y": [0, 1]}), equation=FixedValue(0.0)
        ),
        "D": Condition(
            location=CartesianDomain({"x": [0, 1], "y": [0, 1]}),
            equation=Equation(poisson_equation),
        ),
    }

    def truth_solution(self, pts: LabelTensor) -> torch.Tensor:
        return torch.sin(math.pi * pts.extract(["x"])) * torch.sin(math.pi * pts.extract(["y"]))


BOUNDARIES = ["gamma1", "gamma2", "gamma3", "gamma4"]


def build_problem(case: str) -> SpatialProblem:
    """Instantiate and discretise the problem of ``case`` (sizes from ``_specs.CASES``)."""
    spec = CASES[case]
    if case == "simpleode":
        problem: SpatialProblem = SimpleODE()
        problem.discretise_domain(spec.n_side, "random", locations=["x0"])
        problem.discretise_domain(spec.n_interior, spec.mode, locations=["D"])
        return problem
    problem = Poisson()
    problem.discretise_domain(spec.n_side, spec.mode, locations=BOUNDARIES)
    problem.discretise_domain(spec.n_interior, spec.mode, locations=["D"])
    return problem


# --------------------------------------------------------------------------- timing


class EpochTimer(Callback):
    """Time from the start of epoch 1 to the end of training (steady state only)."""

    def __init__(self) -> None:
        super().__init__()
        self.start: float | None = None
        self.stop: float | None = None
        self.timed_epochs = 0

    def on_train_epoch_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if trainer.current_epoch == 1:
            self.start = time.perf_counter()

    def on_train_epoch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if self.start is not None:
            self.timed_epochs += 1

    def on_train_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self.stop = time.perf_counter()


# --------------------------------------------------------------------------- one run


def make_trainer(
    solver: PINN, settings: str, epochs: int, timer: EpochTimer, logdir: str
) -> Trainer:
    """Build the Trainer of the tutorial (``tutorial``) or without extras (``lean``)."""
    common = {"accelerator": "cpu", "enable_model_summary": False, "max_epochs": epochs}
    if settings == "tutorial":
        return Trainer(
            solver=solver,
            logger=TensorBoardLogger(save_dir=logdir),
            callbacks=[timer],
            **common,
        )
    return Trainer(
        solver=solver,
        enable_progress_bar=False,
        logger=False,
        enable_checkpointing=False,
        callbacks=[timer],
        **common,
    )


def run(case: str, settings: str, epochs: int, seed: int) -> dict[str, object]:
    """Train ``case`` once and return timing and accuracy as a JSON-able dict."""
    spec = CASES[case]
    torch.manual_seed(seed)
    problem = build_problem(case)
    model = FeedForward(
        layers=list(spec.layers),
        func=torch.nn.Tanh,
        output_dimensions=len(problem.output_variables),
        input_dimensions=len(problem.input_variables),
    )
    solver = PINN(problem, model)
    timer = EpochTimer()
    with tempfile.TemporaryDirectory(prefix="pina-bench-logs-") as logdir:
        trainer = make_trainer(solver, settings, epochs, timer, logdir)
        trainer.train()
        mean_loss = trainer.callback_metrics.get("mean_loss")

    if timer.start is None or timer.stop is None or timer.timed_epochs == 0:
        raise RuntimeError(f"no epoch after the warm-up was timed (epochs={epochs})")
    seconds = timer.stop - timer.start

    pts = test_points(case)
    labels = ["x"] if case == "simpleode" else ["x", "y"]
    with torch.no_grad():
        out = solver(LabelTensor(pts, labels)).extract(["u"]).as_subclass(torch.Tensor)
    return {
        "case": case,
        "settings": settings,
        "epochs": epochs,
        "timed_epochs": timer.timed_epochs,
        "seconds": seconds,
        "mean_loss": None if mean_loss is None else float(mean_loss),
        "rel_l2": relative_l2(out, exact_solution(case, pts)),
        "n_points": {k: len(v) for k, v in problem.input_pts.items()},
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", choices=sorted(CASES), required=True)
    parser.add_argument("--settings", choices=["tutorial", "lean"], required=True)
    parser.add_argument("--impl", choices=["pina", "reference"], required=True, help="label only")
    parser.add_argument("--epochs", type=int, default=None, help="default: the case's epochs")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    epochs = CASES[args.case].epochs if args.epochs is None else args.epochs
    if epochs < 2:
        parser.error(f"--epochs={epochs!r} is too small; epoch 0 is warm-up, use at least 2")
    result = run(args.case, args.settings, epochs, args.seed)
    result.update(
        impl=args.impl,
        pina_version=getattr(pina, "__version__", "unknown"),
        pina_file=os.path.dirname(pina.__file__),
        python=sys.executable,
        torch=torch.__version__,
        threads=torch.get_num_threads(),
    )
    emit(result)


if __name__ == "__main__":
    main()
