r"""A time-dependent problem: the 2-D wave equation, with boundary and initial conditions
built into the model (hard constraints).

What this example teaches:

* combining problem kinds by inheritance: ``SpatialProblem`` (``x``, ``y``) and
  ``TimeDependentProblem`` (``t``) give the input variables ``['x', 'y', 't']``;
* conditions on the sides of a space-time box and at ``t = 0``, including a condition on
  a derivative (the initial velocity) written with ``grad``;
* a *hard-constraint* model: a ``torch.nn.Module`` that reads its input columns by label
  (``pts.extract(['x'])``) and shapes the network's output so that the boundary and
  initial conditions hold exactly, whatever the weights; only the PDE is left to learn;
* a learning-rate scheduler given to the solver (``scheduler``, ``scheduler_kwargs``);
* drawing a time-dependent solution at fixed times with ``Plotter.plot(...,
  fixed_variables={'t': ...})``.

The problem is

.. math::
    u_{tt} = u_{xx} + u_{yy} \quad \text{in } (0, 1)^2 \times (0, 1], \qquad
    u = 0 \text{ on the sides}, \qquad
    u(x, y, 0) = \sin(\pi x)\sin(\pi y), \qquad u_t(x, y, 0) = 0,

whose solution is :math:`u = \sin(\pi x)\sin(\pi y)\cos(\sqrt{2}\,\pi t)`.

Run it with ``python examples/wave_2d.py`` (figures in ``examples_output/wave_2d/``).
Full run measured here (2000 epochs, one CPU thread, on a 2-core machine shared with other
jobs, load about 5): 86 s of training, 92 s for the whole script; relative L2 error 3.2e-3.
"""

from __future__ import annotations

import argparse
import math
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
from pina.operators import grad, laplacian
from pina.problem import SpatialProblem, TimeDependentProblem
from pina.solvers import PINN


# ----------------------------------------------------------------------------- the problem
def initial_shape(pts: LabelTensor) -> torch.Tensor:
    r""":math:`\sin(\pi x)\sin(\pi y)`, the displacement at ``t = 0``."""
    return torch.sin(torch.pi * pts.extract(["x"])) * torch.sin(torch.pi * pts.extract(["y"]))


def wave(input_: LabelTensor, output_: LabelTensor) -> torch.Tensor:
    r"""Residual :math:`u_{tt} - (u_{xx} + u_{yy})`."""
    u_tt = laplacian(output_, input_, components=["u"], d=["t"])  # one variable: d2u/dt2
    u_xx_yy = laplacian(output_, input_, components=["u"], d=["x", "y"])
    return u_tt - u_xx_yy


def initial_displacement(input_: LabelTensor, output_: LabelTensor) -> torch.Tensor:
    return output_.extract(["u"]) - initial_shape(input_)


def initial_velocity(input_: LabelTensor, output_: LabelTensor) -> torch.Tensor:
    return grad(output_, input_, components=["u"], d=["t"])  # column 'dudt'


class Wave(TimeDependentProblem, SpatialProblem):
    """The wave equation on the unit square, for t in [0, 1]."""

    output_variables = ["u"]
    spatial_domain = CartesianDomain({"x": [0, 1], "y": [0, 1]})
    temporal_domain = CartesianDomain({"t": [0, 1]})

    conditions = {
        # Each side is the box with one coordinate fixed; t runs over [0, 1].
        "bottom": Condition(
            location=CartesianDomain({"x": [0, 1], "y": 0, "t": [0, 1]}), equation=FixedValue(0)
        ),
        "right": Condition(
            location=CartesianDomain({"x": 1, "y": [0, 1], "t": [0, 1]}), equation=FixedValue(0)
        ),
        "top": Condition(
            location=CartesianDomain({"x": [0, 1], "y": 1, "t": [0, 1]}), equation=FixedValue(0)
        ),
        "left": Condition(
            location=CartesianDomain({"x": 0, "y": [0, 1], "t": [0, 1]}), equation=FixedValue(0)
        ),
        "t0_u": Condition(
            location=CartesianDomain({"x": [0, 1], "y": [0, 1], "t": 0}),
            equation=Equation(initial_displacement),
        ),
        "t0_ut": Condition(
            location=CartesianDomain({"x": [0, 1], "y": [0, 1], "t": 0}),
            equation=Equation(initial_velocity),
        ),
        "D": Condition(
            location=CartesianDomain({"x": [0, 1], "y": [0, 1], "t": [0, 1]}),
            equation=Equation(wave),
        ),
    }

    def truth_solution(self, pts: LabelTensor) -> torch.Tensor:
        return initial_shape(pts) * torch.cos(math.sqrt(2) * torch.pi * pts.extract(["t"]))


# -------------------------------------------------------------------- the hard constraints
class HardConstraintWave(nn.Module):
    r"""A network whose output satisfies the boundary and initial conditions exactly.

    .. math::
        u(x, y, t) = \sin(\pi x)\sin(\pi y) + t^2\, b(x, y)\, N(x, y, t), \qquad
        b(x, y) = 16\, x(1 - x)\, y(1 - y).

    On the sides both terms vanish; at ``t = 0`` the second term and its time derivative
    vanish (because of :math:`t^2`), leaving the initial displacement and zero velocity. The
    network :math:`N` only has to fit the PDE in the interior. The factor 16 makes the
    maximum of :math:`b` equal to 1, so :math:`N` need not take large values (with
    :math:`x(1-x)y(1-y)`, at most 1/16, training is several times slower).
    """

    def __init__(self) -> None:
        super().__init__()
        self.net = FeedForward(input_dimensions=3, output_dimensions=1, layers=[32, 32, 32])

    def forward(self, pts: LabelTensor) -> torch.Tensor:
        # The solver passes the points labelled ['x', 'y', 't']; read them by label.
        x, y, t = pts.extract(["x"]), pts.extract(["y"]), pts.extract(["t"])
        bubble = 16 * x * (1 - x) * y * (1 - y)
        return initial_shape(pts) + t**2 * bubble * self.net(pts)


# ----------------------------------------------------------------------------- the script
def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = example_parser("2-D wave equation with hard constraints.", "wave_2d", epochs=2000)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> float:
    args = parse_args(argv)
    out: Path = args.output_dir
    out.mkdir(parents=True, exist_ok=True)
    seed_everything(42, verbose=False)

    problem = Wave()
    # The PDE needs points in the space-time interior; the other conditions hold by
    # construction, so a few points suffice to show their losses stay at zero.
    problem.discretise_domain(n=1000, mode="lh", locations=["D"])
    problem.discretise_domain(
        n=20, mode="random", locations=["bottom", "right", "top", "left", "t0_u", "t0_ut"]
    )

    # Adam with a learning rate decaying by 0.1% per epoch (0.01 -> 0.0014 over 2000 epochs).
    pinn = PINN(
        problem,
        HardConstraintWave(),
        optimizer_kwargs={"lr": 0.01},
        scheduler=torch.optim.lr_scheduler.ExponentialLR,
        scheduler_kwargs={"gamma": 0.999},
    )
    trainer = Trainer(
        solver=pinn,
        max_epochs=args.epochs,
        accelerator="cpu",
        default_root_dir=str(out),  # TensorBoard logs and the checkpoint go to out/lightning_logs
        enable_model_summary=False,
    )
    start = time.perf_counter()
    trainer.train()
    print(f"Trained {args.epochs} epochs in {time.perf_counter() - start:.1f} s; final losses:")
    for name, value in trainer.logged_metrics.items():
        print(f"  {name} = {float(value):.3e}")  # boundary/initial losses: zero up to rounding

    plotter = Plotter()
    for t in (0.0, 0.5, 1.0):
        plotter.plot(pinn, fixed_variables={"t": t}, filename=str(out / f"solution_t{t:g}.png"))

    # Relative L2 error on a 21 x 21 x 21 space-time grid.
    pts = CartesianDomain({"x": [0, 1], "y": [0, 1], "t": [0, 1]}).sample(21, mode="grid")
    with torch.no_grad():
        u = pinn(pts).extract(["u"]).tensor
    error = relative_l2(u, problem.truth_solution(pts))
    print(f"Figures saved in {out}/")
    print(f"relative L2 error: {error:.3e}")
    return error


if __name__ == "__main__":
    main()
