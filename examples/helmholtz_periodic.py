r"""Periodic boundary conditions built into the model with ``PeriodicBoundaryEmbedding``.

What this example teaches:

* a problem whose only condition is the equation: periodicity is not a loss term but a
  property of the model;
* ``PeriodicBoundaryEmbedding(input_dimension, periods)`` (from ``pina.model.layers``):
  it replaces :math:`x` by :math:`(1, \cos(2\pi x / P), \sin(2\pi x / P))`, so any network
  stacked on it is exactly :math:`P`-periodic, value and derivatives alike;
* stacking it before a ``FeedForward`` with ``torch.nn.Sequential`` (the network then
  takes ``3`` inputs per periodic variable);
* checking the periodicity of the trained model and drawing its periodic extension.

The problem is the 1-D Helmholtz equation on one period :math:`[0, 2]`,

.. math::
    u''(x) + u(x) = f(x), \qquad u \text{ periodic with period } 2,

with :math:`f` chosen so that :math:`u(x) = \sin(\pi x)\cos(3\pi x) = \tfrac12
(\sin 4\pi x - \sin 2\pi x)`, i.e.
:math:`f(x) = \tfrac12\big((1 - 16\pi^2)\sin 4\pi x - (1 - 4\pi^2)\sin 2\pi x\big)`.
(The solution is unique: :math:`1 - (n\pi)^2 \neq 0` for every integer :math:`n`.)

Run it with ``python examples/helmholtz_periodic.py`` (figures in
``examples_output/helmholtz_periodic/``). Full run measured here (4000 epochs, one CPU
thread, on a 2-core machine shared with other jobs): 20 s of training, 25 s for the whole
script; relative L2 error 1.1e-4, and the trained model is periodic to float32 rounding
(max |u(x) - u(x + 2)| = 3e-6).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # draw into files, never open a window

import matplotlib.pyplot as plt
import torch
from _common import example_parser, relative_l2
from pytorch_lightning import seed_everything
from torch import nn

from pina import Condition, LabelTensor, Plotter, Trainer
from pina.equation import Equation
from pina.geometry import CartesianDomain
from pina.model import FeedForward
from pina.model.layers import PeriodicBoundaryEmbedding
from pina.operators import laplacian
from pina.problem import SpatialProblem
from pina.solvers import PINN

PERIOD = 2.0


# ----------------------------------------------------------------------------- the problem
def exact(x: torch.Tensor) -> torch.Tensor:
    return torch.sin(torch.pi * x) * torch.cos(3 * torch.pi * x)


def forcing(x: torch.Tensor) -> torch.Tensor:
    pi2 = torch.pi**2
    return 0.5 * (
        (1 - 16 * pi2) * torch.sin(4 * torch.pi * x) - (1 - 4 * pi2) * torch.sin(2 * torch.pi * x)
    )


def helmholtz(input_: LabelTensor, output_: LabelTensor) -> torch.Tensor:
    """Residual ``u'' + u - f``."""
    u_xx = laplacian(output_, input_, components=["u"], d=["x"])  # in 1-D, the second derivative
    return u_xx + output_.extract(["u"]) - forcing(input_.extract(["x"]))


class PeriodicHelmholtz(SpatialProblem):
    """Helmholtz's equation on one period; no boundary condition (the model is periodic)."""

    output_variables = ["u"]
    spatial_domain = CartesianDomain({"x": [0, PERIOD]})
    conditions = {"D": Condition(location=spatial_domain, equation=Equation(helmholtz))}

    def truth_solution(self, pts: LabelTensor) -> torch.Tensor:
        return exact(pts.extract(["x"]))


# ----------------------------------------------------------------------------- the script
def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = example_parser(
        "Periodic Helmholtz with an embedding layer.", "helmholtz_periodic", epochs=4000
    )
    return parser.parse_args(argv)


def plot_periodic_extension(pinn: PINN, filename: Path) -> None:
    """Draw the prediction and the truth over three periods; the training domain is shaded."""
    x = LabelTensor(torch.linspace(-PERIOD, 2 * PERIOD, 1201).reshape(-1, 1), ["x"])
    with torch.no_grad():
        u = pinn(x).extract(["u"]).tensor.flatten()
    fig, ax = plt.subplots(figsize=(8, 3.5), layout="constrained")
    ax.axvspan(0, PERIOD, color="0.9", label="training domain")
    ax.plot(x.tensor.flatten(), exact(x.tensor.flatten()), "k-", label="exact")
    ax.plot(x.tensor.flatten(), u, "r--", label="PINN")
    ax.set_xlabel("x")
    ax.set_ylabel("u")
    ax.legend(loc="upper right")
    fig.savefig(filename)
    plt.close(fig)


def main(argv: list[str] | None = None) -> float:
    args = parse_args(argv)
    out: Path = args.output_dir
    out.mkdir(parents=True, exist_ok=True)
    seed_everything(42, verbose=False)

    problem = PeriodicHelmholtz()
    problem.discretise_domain(n=200, mode="grid", locations=["D"])

    # x -> (1, cos(pi x), sin(pi x)) -> network. The same layer with periods={"x": PERIOD}
    # would read the column by its label instead of its position.
    model = nn.Sequential(
        PeriodicBoundaryEmbedding(input_dimension=1, periods=PERIOD),
        FeedForward(input_dimensions=3, output_dimensions=1, layers=[32, 32]),
    )
    pinn = PINN(problem, model, optimizer_kwargs={"lr": 0.003})
    trainer = Trainer(
        solver=pinn,
        max_epochs=args.epochs,
        accelerator="cpu",
        default_root_dir=str(out),  # TensorBoard logs and the checkpoint go to out/lightning_logs
        enable_model_summary=False,
    )
    start = time.perf_counter()
    trainer.train()
    print(f"Trained {args.epochs} epochs in {time.perf_counter() - start:.1f} s")

    Plotter().plot(pinn, filename=str(out / "solution.png"))
    plot_periodic_extension(pinn, out / "periodic_extension.png")

    # Periodicity of the trained model: u(x) against u(x + P) and u(x - 3P).
    x = torch.linspace(0, PERIOD, 1001).reshape(-1, 1)
    with torch.no_grad():
        u = pinn(LabelTensor(x, ["x"])).tensor
        gaps = [
            (pinn(LabelTensor(x + shift * PERIOD, ["x"])).tensor - u).abs().max().item()
            for shift in (1, -3)
        ]
    print(f"max |u(x) - u(x + P)| = {gaps[0]:.1e}, max |u(x) - u(x - 3P)| = {gaps[1]:.1e}")

    error = relative_l2(u, exact(x))
    print(f"Figures saved in {out}/")
    print(f"relative L2 error: {error:.3e}")
    return error


if __name__ == "__main__":
    main()
