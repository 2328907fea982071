"""Accuracy of the PINN variants against plain PINN, each on a problem chosen to favour it.

For every case, plain ``PINN`` and the variant train the same network from the same
initial weights on the same points for the same number of epochs (full batch, Adam), for
each seed; the table gives the relative L2 error against the exact solution on a fine grid
(median and range over the seeds). ``docs/solvers.md`` describes the cases and shows a run.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/pinn_variants.py            # full, ~5 min
    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/pinn_variants.py --quick    # smoke, ~20 s
    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/pinn_variants.py --cases bump --seeds 0 1
"""

from __future__ import annotations

import argparse
import logging
import math
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import Tensor

from pina import Condition, LabelTensor, Trainer
from pina.equation import Equation, FixedValue
from pina.geometry import CartesianDomain
from pina.model import FeedForward
from pina.operators import grad, laplacian
from pina.problem import AbstractProblem, SpatialProblem, TimeDependentProblem
from pina.solvers import GPINN, PINN, RBAPINN, SAPINN, CausalPINN, CompetitivePINN


# --------------------------------------------------------------------------- problems
# Poisson with few points (Yu et al. 2022, gPINN, section 3.1): -u'' = f on [0, pi],
# u = x + sum_k sin(k x) / k (k = 1..4) + sin(8 x) / 8.
def _poisson_exact(x: Tensor) -> Tensor:
    u = x + sum(torch.sin(k * x) / k for k in (1, 2, 3, 4))
    return u + torch.sin(8 * x) / 8


def _poisson_equation(input_: Any, output_: Any) -> Tensor:
    x = input_.extract(["x"])
    f = sum(k * torch.sin(k * x) for k in (1, 2, 3, 4)) + 8 * torch.sin(8 * x)
    return laplacian(output_, input_, components=["u"], d=["x"]) + f


class FewPointPoisson(SpatialProblem):
    output_variables = ["u"]
    spatial_domain = CartesianDomain({"x": [0, math.pi]})
    conditions = {
        "x0": Condition(location=CartesianDomain({"x": 0.0}), equation=FixedValue(0.0)),
        "x1": Condition(location=CartesianDomain({"x": math.pi}), equation=FixedValue(math.pi)),
        "D": Condition(location=spatial_domain, equation=Equation(_poisson_equation)),
    }


# A narrow bump: u'' = f on [0, 1], u = exp(-((x - 0.3) / WIDTH)^2), u(0) = u(1) ~ 0.
WIDTH = 0.05


def _bump_exact(x: Tensor) -> Tensor:
    return torch.exp(-(((x - 0.3) / WIDTH) ** 2))


def _bump_equation(input_: Any, output_: Any) -> Tensor:
    x = input_.extract(["x"])
    z = (x - 0.3) / WIDTH
    f = (4 * z**2 - 2) / WIDTH**2 * torch.exp(-(z**2))
    return laplacian(output_, input_, components=["u"], d=["x"]) - f


class Bump(SpatialProblem):
    output_variables = ["u"]
    spatial_domain = CartesianDomain({"x": [0, 1]})
    conditions = {
        "x0": Condition(
            location=CartesianDomain({"x": 0.0}),
            equation=FixedValue(math.exp(-((0.3 / WIDTH) ** 2))),
        ),
        "x1": Condition(
            location=CartesianDomain({"x": 1.0}),
            equation=FixedValue(math.exp(-((0.7 / WIDTH) ** 2))),
        ),
        "D": Condition(location=spatial_domain, equation=Equation(_bump_equation)),
    }


# A harmonic oscillator over several periods: u' = w v, v' = -w u, u(0) = 1, v(0) = 0 on
# [0, 1], so u = cos(w t). A PINN tends to fit the late-time residual with a wrong
# solution before the initial condition has propagated; causal weights order the fit.
OMEGA = 3 * math.pi


def _oscillator_exact(t: Tensor) -> Tensor:
    return torch.cat([torch.cos(OMEGA * t), -torch.sin(OMEGA * t)], dim=1)


def _oscillator_equation(input_: Any, output_: Any) -> Tensor:
    du = grad(output_, input_, components=["u"], d=["t"])
    dv = grad(output_, input_, components=["v"], d=["t"])
    u, v = output_.extract(["u"]), output_.extract(["v"])
    return torch.cat([du - OMEGA * v, dv + OMEGA * u], dim=1)


class Oscillator(TimeDependentProblem):
    output_variables = ["u", "v"]
    temporal_domain = CartesianDomain({"t": [0, 1]})
    conditions = {
        "t0": Condition(
            location=CartesianDomain({"t": 0.0}),
            equation=Equation(
                lambda input_, output_: torch.cat(
                    [output_.extract(["u"]) - 1, output_.extract(["v"])], dim=1
                )
            ),
        ),
        "D": Condition(location=temporal_domain, equation=Equation(_oscillator_equation)),
    }


# --------------------------------------------------------------------------- cases
@dataclass
class Case:
    name: str
    description: str
    problem: type[AbstractProblem]
    variable: str
    exact: Callable[[Tensor], Tensor]
    interval: tuple[float, float]
    boundary: list[str]
    n_points: int
    layers: list[int]
    epochs: int
    lr: float
    variants: dict[str, tuple[type, dict[str, Any]]] = field(default_factory=dict)


CASES = {
    "poisson": Case(
        name="poisson",
        description="-u'' = f on [0, pi], 15 grid points (gPINN paper, section 3.1)",
        problem=FewPointPoisson,
        variable="x",
        exact=_poisson_exact,
        interval=(0.0, math.pi),
        boundary=["x0", "x1"],
        n_points=15,
        layers=[20, 20, 20],
        epochs=2000,
        lr=0.01,
        variants={
            "GPINN, gradient_weight=0.01": (GPINN, {"gradient_weight": 0.01}),
            "GPINN, gradient_weight=1 (default)": (GPINN, {}),
            "CompetitivePINN": (CompetitivePINN, {}),
        },
    ),
    "oscillator": Case(
        name="oscillator",
        description="u' = w v, v' = -w u, w = 3 pi (1.5 periods), 100 grid times",
        problem=Oscillator,
        variable="t",
        exact=_oscillator_exact,
        interval=(0.0, 1.0),
        boundary=["t0"],
        n_points=100,
        layers=[32, 32, 32],
        epochs=3000,
        lr=0.01,
        variants={
            "CausalPINN, eps=0.1": (CausalPINN, {"eps": 0.1}),
            "CausalPINN, eps=100 (default)": (CausalPINN, {}),
        },
    ),
    "bump": Case(
        name="bump",
        description=f"u'' = f, u = exp(-((x - 0.3) / {WIDTH:g})^2) on [0, 1], 200 grid points",
        problem=Bump,
        variable="x",
        exact=_bump_exact,
        interval=(0.0, 1.0),
        boundary=["x0", "x1"],
        n_points=200,
        layers=[20, 20, 20],
        epochs=2000,
        lr=0.01,
        variants={"SAPINN": (SAPINN, {}), "RBAPINN": (RBAPINN, {})},
    ),
}


# --------------------------------------------------------------------------- runs
def _problem(case: Case, seed: int) -> AbstractProblem:
    torch.manual_seed(seed)
    problem = case.problem()
    problem.discretise_domain(1, "grid", locations=case.boundary)
    problem.discretise_domain(case.n_points, "grid", locations=["D"])
    return problem


def _solver(case: Case, cls: type, kwargs: dict[str, Any], seed: int) -> Any:
    problem = _problem(case, seed)
    torch.manual_seed(seed)
    model = FeedForward(1, len(problem.output_variables), layers=case.layers)
    optimizer = {"lr": case.lr}
    if cls in (SAPINN, CompetitivePINN):
        return cls(problem, model, optimizer_model_kwargs=optimizer, **kwargs)
    return cls(problem, model, optimizer_kwargs=optimizer, **kwargs)


def _relative_l2(case: Case, solver: Any) -> float:
    x = torch.linspace(*case.interval, 1001).reshape(-1, 1)
    with torch.no_grad():
        u = solver(LabelTensor(x, [case.variable])).tensor
    exact = case.exact(x)
    return float(torch.linalg.vector_norm(u - exact) / torch.linalg.vector_norm(exact))


def _train(case: Case, cls: type, kwargs: dict[str, Any], seed: int, epochs: int) -> float:
    solver = _solver(case, cls, kwargs, seed)
    with tempfile.TemporaryDirectory() as root:
        Trainer(
            solver,
            max_epochs=epochs,
            accelerator="cpu",
            default_root_dir=root,
            logger=False,
            enable_checkpointing=False,
            enable_progress_bar=False,
            enable_model_summary=False,
        ).train()
    return _relative_l2(case, solver)


def _summary(errors: list[float]) -> str:
    return f"{statistics.median(errors):.2e} [{min(errors):.1e}, {max(errors):.1e}]"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", nargs="+", choices=list(CASES), default=list(CASES))
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--quick", action="store_true", help="200 epochs, one seed (smoke run)")
    args = parser.parse_args(argv)
    # Lightning's per-run notices (devices, "no logger") would bury the table.
    warnings.filterwarnings("ignore", module="pytorch_lightning")
    logging.getLogger("pytorch_lightning").setLevel(logging.ERROR)
    seeds = [args.seeds[0]] if args.quick else args.seeds
    rows: list[tuple[str, str, int, str, str, str]] = []
    for name in args.cases:
        case = CASES[name]
        epochs = 200 if args.quick else case.epochs
        started = time.monotonic()
        baseline = [_train(case, PINN, {}, seed, epochs) for seed in seeds]
        for label, (cls, kwargs) in case.variants.items():
            errors = [_train(case, cls, kwargs, seed, epochs) for seed in seeds]
            wins = sum(e < b for e, b in zip(errors, baseline))
            summary = (_summary(baseline), _summary(errors), f"{wins}/{len(seeds)}")
            rows.append((label, case.name, epochs, *summary))
        print(f"{name}: {time.monotonic() - started:.0f} s", file=sys.stderr)
    for name in args.cases:
        print(f"{name}: {CASES[name].description}")
    print(f"seeds {seeds}; relative L2 error, median [min, max] over the seeds\n")
    header = ("variant", "case", "epochs", "PINN", "variant", "variant better")
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join(" --- " for _ in header) + "|")
    for row in rows:
        print("| " + " | ".join(str(v) for v in row) + " |")


if __name__ == "__main__":
    main()
