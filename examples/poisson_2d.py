r"""Poisson on the unit square, and how extra input features help a PINN.

What this example teaches:

* a 2-D problem with a Dirichlet condition on each of the four sides, each side being a
  ``CartesianDomain`` with one fixed coordinate;
* the Laplacian operator (``laplacian`` gives a column labelled ``'ddu'``);
* *extra features*: modules computed from the labelled input points and appended to the
  network's input. A fixed feature encodes what we know of the solution; a learnable one
  has its own trainable parameters, trained with the network;
* comparing the three models by their relative L2 error against the exact solution.

The problem is

.. math::
    \Delta u = -2\pi^2 \sin(\pi x)\sin(\pi y) \quad \text{in } (0, 1)^2, \qquad
    u = 0 \quad \text{on the four sides},

whose solution is :math:`u(x, y) = \sin(\pi x)\sin(\pi y)`. (The forcing is scaled so
that :math:`u` is of order one: with :math:`\Delta u = \sin(\pi x)\sin(\pi y)` the solution
is :math:`2\pi^2` times smaller, and a small constant offset, which costs the boundary loss
almost nothing, is then a large relative error.)

Run it with ``python examples/poisson_2d.py`` (figures in ``examples_output/poisson_2d/``).
Full run measured here (three trainings of 2000 epochs, one CPU thread, on a 2-core machine
shared with other jobs, load about 5): 27 s + 44 s + 44 s of training, 121 s for the whole
script; relative L2 errors 2.1e-2 (plain PINN), 1.8e-3 (fixed feature) and 1.5e-2
(learnable feature, whose frequencies went from 2.5 to 3.09, close to pi).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # draw into files, never open a window

import torch
from _common import example_parser, relative_l2
from pytorch_lightning import seed_everything
from torch import nn

from pina import Condition, LabelTensor, Plotter, Trainer
from pina.equation import Equation, FixedValue
from pina.geometry import CartesianDomain
from pina.model import FeedForward
from pina.operators import laplacian
from pina.problem import SpatialProblem
from pina.solvers import PINN


# ----------------------------------------------------------------------------- the problem
def poisson(input_: LabelTensor, output_: LabelTensor) -> torch.Tensor:
    r"""Residual :math:`\Delta u + 2\pi^2 \sin(\pi x)\sin(\pi y)`."""
    x, y = input_.extract(["x"]), input_.extract(["y"])
    force = -2 * torch.pi**2 * torch.sin(torch.pi * x) * torch.sin(torch.pi * y)
    return laplacian(output_, input_, components=["u"], d=["x", "y"]) - force


ZERO = FixedValue(0.0)  # the boundary condition u = 0 (one equation, shared by the sides)


class Poisson(SpatialProblem):
    """Poisson's equation on the unit square with zero boundary values."""

    output_variables = ["u"]
    spatial_domain = CartesianDomain({"x": [0, 1], "y": [0, 1]})

    conditions = {
        # The four sides: the square with one coordinate fixed; u = 0 on each.
        "bottom": Condition(location=CartesianDomain({"x": [0, 1], "y": 0}), equation=ZERO),
        "right": Condition(location=CartesianDomain({"x": 1, "y": [0, 1]}), equation=ZERO),
        "top": Condition(location=CartesianDomain({"x": [0, 1], "y": 1}), equation=ZERO),
        "left": Condition(location=CartesianDomain({"x": 0, "y": [0, 1]}), equation=ZERO),
        "D": Condition(location=spatial_domain, equation=Equation(poisson)),
    }

    def truth_solution(self, pts: LabelTensor) -> torch.Tensor:
        x, y = pts.extract(["x"]), pts.extract(["y"])
        return torch.sin(torch.pi * x) * torch.sin(torch.pi * y)


# ------------------------------------------------------------------------- extra features
class SinSin(nn.Module):
    r"""Fixed feature :math:`\sin(\pi x)\sin(\pi y)`: the shape of the forcing term.

    It reads the columns by label, so it works whatever the column order, and returns a
    labelled column (the label names the feature in the network's input).
    """

    def forward(self, pts: LabelTensor) -> LabelTensor:
        x, y = pts.extract(["x"]), pts.extract(["y"])
        return LabelTensor(torch.sin(torch.pi * x) * torch.sin(torch.pi * y), ["sin_sin"])


class LearnableSinSin(nn.Module):
    r"""Learnable feature :math:`\sin(k_x x)\sin(k_y y)` with trainable frequencies.

    The frequencies start away from :math:`\pi` (at 2.5); they are parameters of the PINN, so
    the optimizer moves them together with the network's weights.
    """

    def __init__(self, start: float = 2.5) -> None:
        super().__init__()
        self.k_x = nn.Parameter(torch.tensor(start))
        self.k_y = nn.Parameter(torch.tensor(start))

    def forward(self, pts: LabelTensor) -> LabelTensor:
        x, y = pts.extract(["x"]), pts.extract(["y"])
        return LabelTensor(torch.sin(self.k_x * x) * torch.sin(self.k_y * y), ["learned_sin_sin"])


# ----------------------------------------------------------------------------- the script
def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = example_parser(
        "Poisson on the unit square, extra features.",
        "poisson_2d",
        epochs=2000,
        epochs_help="epochs per training",
    )
    return parser.parse_args(argv)


def error_on_grid(pinn: PINN, problem: Poisson, n: int = 101) -> float:
    """Relative L2 error of the PINN against the exact solution on an ``n x n`` grid."""
    pts = problem.spatial_domain.sample(n, mode="grid")
    with torch.no_grad():
        u = pinn(pts).extract(["u"]).tensor
    return relative_l2(u, problem.truth_solution(pts))


def train(name: str, extra_features: list[nn.Module] | None, epochs: int, out: Path) -> float:
    """Train one PINN (same points and initial weights each time) and return its error."""
    seed_everything(42, verbose=False)
    problem = Poisson()
    problem.discretise_domain(n=25, mode="grid", locations=["D"])  # 625 interior points
    problem.discretise_domain(n=40, mode="grid", locations=["bottom", "right", "top", "left"])

    n_features = len(extra_features or [])  # each feature here adds one input column
    model = FeedForward(
        input_dimensions=len(problem.input_variables) + n_features,
        output_dimensions=len(problem.output_variables),
        layers=[20, 20],
        func=nn.Softplus,
    )
    pinn = PINN(
        problem,
        model,
        extra_features=extra_features,  # appended to (x, y) before the network
        optimizer_kwargs={"lr": 0.006},
        scheduler=torch.optim.lr_scheduler.ExponentialLR,  # lr * 0.999 every epoch
        scheduler_kwargs={"gamma": 0.999},
    )
    trainer = Trainer(
        solver=pinn,
        max_epochs=epochs,
        accelerator="cpu",
        default_root_dir=str(out),  # TensorBoard logs and the checkpoint go to out/lightning_logs
        enable_model_summary=False,
    )
    start = time.perf_counter()
    trainer.train()
    print(f"[{name}] {epochs} epochs in {time.perf_counter() - start:.1f} s")
    Plotter().plot(pinn, filename=str(out / f"solution_{name}.png"))
    return error_on_grid(pinn, problem)


def main(argv: list[str] | None = None) -> dict[str, float]:
    args = parse_args(argv)
    out: Path = args.output_dir
    out.mkdir(parents=True, exist_ok=True)

    learnable = LearnableSinSin()  # kept to read its trained frequencies afterwards
    errors = {
        "plain": train("plain", None, args.epochs, out),
        "fixed_feature": train("fixed_feature", [SinSin()], args.epochs, out),
        "learnable_feature": train("learnable_feature", [learnable], args.epochs, out),
    }
    print(
        f"learned frequencies: k_x = {learnable.k_x.item():.4f}, k_y = {learnable.k_y.item():.4f}"
        f" (pi = {torch.pi:.4f})"
    )

    print(f"Figures saved in {out}/")
    for name, error in errors.items():
        print(f"relative L2 error ({name}): {error:.3e}")
    return errors


if __name__ == "__main__":
    main()
