r"""Writing equations: derivative labels, your own Equation class, and the ready-made
``FixedGradient`` and ``FixedFlux``.

What this example teaches:

* the labels the operators give their results: ``grad(u, x)`` gives columns ``dudx``,
  ``dudt``, ...; differentiating the column ``dudx`` again with respect to ``x`` gives
  ``ddudxdx``; ``div`` gives ``dadx+dbdy``. Equations pick columns by these names;
* an equation as a class: subclass ``EquationInterface`` and implement
  ``residual(input_, output_, params_=None)``, here for the viscous Burgers equation with
  the viscosity as an attribute;
* ``FixedGradient(value, components, d)`` (a prescribed derivative, e.g. a Neumann
  condition) and ``FixedFlux(value, components, d)`` (a prescribed divergence of a vector
  field), in a small first-order system.

Part 1, Burgers' equation on :math:`x \in [-1, 1]`, :math:`t \in [0, 1]`:

.. math::
    u_t + u\,u_x = \nu\,u_{xx}, \qquad u(\pm 1, t) = 0, \qquad u(x, 0) = u_0(x),

with :math:`\nu = 0.05` and the exact solution obtained with the Cole-Hopf transform of the
heat-equation solution :math:`\phi = a + e^{-\nu\pi^2 t}\cos(\pi x)` (:math:`a = 1.2`):

.. math::
    u(x, t) = -2\nu\,\frac{\phi_x}{\phi}
    = \frac{2\nu\pi\, e^{-\nu\pi^2 t}\sin(\pi x)}{a + e^{-\nu\pi^2 t}\cos(\pi x)}.

Part 2, Poisson's equation :math:`-\Delta p = 1` on :math:`[0, 1]^2` written as a
first-order system for :math:`p` and the flux :math:`q = (q_x, q_y)`:

.. math::
    \nabla\cdot q = 1 \ (\texttt{FixedFlux}), \qquad q + \nabla p = 0, \qquad
    \partial_x p = 0 \text{ at } x = 0,\ \partial_y p = 0 \text{ at } y = 0
    \ (\texttt{FixedGradient}), \qquad p = p^* \text{ at } x = 1,\ y = 1,

whose solution is :math:`p^* = -(x^2 + y^2)/4`, :math:`q^* = (x/2, y/2)`.

Run it with ``python examples/equations.py`` (figures in ``examples_output/equations/``).
Full run measured here (two trainings of 3000 epochs, one CPU thread, on a 2-core machine
shared with other jobs, load about 5): 67 s + 53 s of training, 128 s for the whole script;
relative L2 errors 1.8e-2 (Burgers), 1.3e-2 (p) and 1.6e-2 (q).
"""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # draw into files, never open a window

import torch
from _common import example_parser, relative_l2
from pytorch_lightning import seed_everything

from pina import Condition, LabelTensor, Plotter, Trainer
from pina.equation import Equation, FixedFlux, FixedGradient, FixedValue
from pina.equation.equation_interface import EquationInterface
from pina.geometry import CartesianDomain
from pina.model import FeedForward
from pina.operators import div, grad
from pina.problem import SpatialProblem, TimeDependentProblem
from pina.solvers import PINN


# ------------------------------------------------------------------ the labels of operators
def show_operator_labels() -> None:
    """Differentiate known functions and print the labels and values of the results."""
    pts = LabelTensor(torch.tensor([[0.5, 2.0]]), ["x", "t"]).requires_grad_()
    x, t = pts.extract(["x"]), pts.extract(["t"])
    # Two outputs: u = x^2 t and v = x + t (torch ops on LabelTensors give plain tensors).
    output = LabelTensor(torch.cat([x**2 * t, x + t], dim=-1), ["u", "v"])

    du = grad(output, pts, components=["u"])  # d defaults to every input: ['dudx', 'dudt']
    ddu = grad(du, pts, components=["dudx"], d=["x"])  # d(dudx)/dx: ['ddudxdx']
    flux = div(output, pts, components=["u", "v"], d=["x", "t"])  # ['dudx+dvdt']
    print("Operator labels at (x, t) = (0.5, 2.0), with u = x^2 t and v = x + t:")
    for name, result, exact in [
        ("grad(u)", du, "[2xt, x^2] = [2.0, 0.25]"),
        ("grad(dudx, d='x')", ddu, "[2t] = [4.0]"),
        ("div([u, v])", flux, "[2xt + 1] = [3.0]"),
    ]:
        print(f"  {name:<18} -> {result.labels} = {result.tensor.tolist()[0]}  (exact {exact})")


# ------------------------------------------------------------------------ part 1: Burgers
NU = 0.05  # viscosity
A = 1.2  # constant of the heat-equation solution behind the exact solution


def burgers_exact(pts: LabelTensor) -> torch.Tensor:
    x, t = pts.extract(["x"]), pts.extract(["t"])
    decay = torch.exp(-NU * math.pi**2 * t)
    return 2 * NU * math.pi * decay * torch.sin(math.pi * x) / (A + decay * torch.cos(math.pi * x))


class BurgersEquation(EquationInterface):
    r"""The viscous Burgers equation :math:`u_t + u u_x - \nu u_{xx} = 0` as a class.

    An equation class only needs ``residual``; holding the viscosity as an attribute keeps
    the physics parameter next to the equation that uses it.
    """

    def __init__(self, viscosity: float) -> None:
        self.viscosity = viscosity

    def residual(
        self,
        input_: LabelTensor,
        output_: LabelTensor,
        params_: Mapping[str, Any] | None = None,
    ) -> torch.Tensor:
        du = grad(output_, input_, components=["u"], d=["x", "t"])  # columns dudx, dudt
        ddu = grad(du, input_, components=["dudx"], d=["x"])  # column ddudxdx
        u = output_.extract(["u"])
        return (
            du.extract(["dudt"])
            + u * du.extract(["dudx"])
            - self.viscosity * ddu.extract(["ddudxdx"])
        )


def burgers_initial(input_: LabelTensor, output_: LabelTensor) -> torch.Tensor:
    return output_.extract(["u"]) - burgers_exact(input_)  # at t = 0 the exact u is u_0


class Burgers(TimeDependentProblem, SpatialProblem):
    """Burgers' equation on [-1, 1] x [0, 1] with zero boundary values."""

    output_variables = ["u"]
    spatial_domain = CartesianDomain({"x": [-1, 1]})
    temporal_domain = CartesianDomain({"t": [0, 1]})

    conditions = {
        "left": Condition(location=CartesianDomain({"x": -1, "t": [0, 1]}), equation=FixedValue(0)),
        "right": Condition(location=CartesianDomain({"x": 1, "t": [0, 1]}), equation=FixedValue(0)),
        "t0": Condition(
            location=CartesianDomain({"x": [-1, 1], "t": 0}), equation=Equation(burgers_initial)
        ),
        "D": Condition(
            location=CartesianDomain({"x": [-1, 1], "t": [0, 1]}), equation=BurgersEquation(NU)
        ),
    }

    def truth_solution(self, pts: LabelTensor) -> torch.Tensor:
        return burgers_exact(pts)


# ------------------------------------------------------------------ part 2: a mixed Poisson
def pressure_exact(pts: LabelTensor) -> torch.Tensor:
    return -(pts.extract(["x"]) ** 2 + pts.extract(["y"]) ** 2) / 4


def darcy(input_: LabelTensor, output_: LabelTensor) -> torch.Tensor:
    """Residual of ``q + grad p = 0``: two columns, both driven to zero."""
    grad_p = grad(output_, input_, components=["p"], d=["x", "y"])  # columns dpdx, dpdy
    return output_.extract(["qx", "qy"]) + grad_p


def pressure_dirichlet(input_: LabelTensor, output_: LabelTensor) -> torch.Tensor:
    return output_.extract(["p"]) - pressure_exact(input_)


class MixedPoisson(SpatialProblem):
    """-Laplacian(p) = 1 as div q = 1 and q = -grad p, with Neumann and Dirichlet sides."""

    output_variables = ["p", "qx", "qy"]
    spatial_domain = CartesianDomain({"x": [0, 1], "y": [0, 1]})

    conditions = {
        # div q = dqx/dx + dqy/dy = 1 in the square.
        "flux": Condition(
            location=spatial_domain,
            equation=FixedFlux(1.0, components=["qx", "qy"], d=["x", "y"]),
        ),
        "darcy": Condition(location=spatial_domain, equation=Equation(darcy)),
        # Prescribed normal derivatives (Neumann) on the left and bottom sides.
        "left": Condition(
            location=CartesianDomain({"x": 0, "y": [0, 1]}),
            equation=FixedGradient(0.0, components=["p"], d=["x"]),
        ),
        "bottom": Condition(
            location=CartesianDomain({"x": [0, 1], "y": 0}),
            equation=FixedGradient(0.0, components=["p"], d=["y"]),
        ),
        # Prescribed values (Dirichlet) on the right and top sides.
        "right": Condition(
            location=CartesianDomain({"x": 1, "y": [0, 1]}), equation=Equation(pressure_dirichlet)
        ),
        "top": Condition(
            location=CartesianDomain({"x": [0, 1], "y": 1}), equation=Equation(pressure_dirichlet)
        ),
    }

    def truth_solution(self, pts: LabelTensor) -> LabelTensor:
        exact = [pressure_exact(pts), pts.extract(["x"]).tensor / 2, pts.extract(["y"]).tensor / 2]
        return LabelTensor(torch.cat(exact, dim=-1), ["p", "qx", "qy"])


# ----------------------------------------------------------------------------- the script
def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = example_parser(
        "Equations: labels, classes, fixed gradients.",
        "equations",
        epochs=3000,
        epochs_help="epochs per training",
    )
    return parser.parse_args(argv)


def make_pinn(problem: SpatialProblem, model: torch.nn.Module) -> PINN:
    """A PINN trained with Adam, the learning rate decaying from 0.01 by 0.1% per epoch."""
    return PINN(
        problem,
        model,
        optimizer_kwargs={"lr": 0.01},
        scheduler=torch.optim.lr_scheduler.ExponentialLR,
        scheduler_kwargs={"gamma": 0.999},
    )


def train(pinn: PINN, epochs: int, out: Path, name: str) -> None:
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


def main(argv: list[str] | None = None) -> dict[str, float]:
    args = parse_args(argv)
    out: Path = args.output_dir
    out.mkdir(parents=True, exist_ok=True)
    show_operator_labels()

    # Part 1: Burgers.
    seed_everything(42, verbose=False)
    burgers = Burgers()
    burgers.discretise_domain(n=1500, mode="lh", locations=["D"])
    burgers.discretise_domain(n=100, mode="grid", locations=["left", "right", "t0"])
    model = FeedForward(input_dimensions=2, output_dimensions=1, layers=[32, 32, 32])
    burgers_pinn = make_pinn(burgers, model)
    train(burgers_pinn, args.epochs, out, "burgers")
    Plotter().plot(burgers_pinn, filename=str(out / "burgers.png"))
    pts = burgers.domain.sample(101, mode="grid")  # grid over (x, t)
    with torch.no_grad():
        u = burgers_pinn(pts).extract(["u"]).tensor

    errors = {"burgers": relative_l2(u, burgers.truth_solution(pts))}

    # Part 2: the mixed Poisson problem.
    seed_everything(42, verbose=False)
    poisson = MixedPoisson()
    poisson.discretise_domain(n=25, mode="grid", locations=["flux", "darcy"])
    poisson.discretise_domain(n=40, mode="grid", locations=["left", "bottom", "right", "top"])
    model = FeedForward(input_dimensions=2, output_dimensions=3, layers=[20, 20])
    poisson_pinn = make_pinn(poisson, model)
    train(poisson_pinn, args.epochs, out, "mixed poisson")
    Plotter().plot(
        poisson_pinn, components=["p", "qx", "qy"], filename=str(out / "mixed_poisson.png")
    )
    pts = poisson.spatial_domain.sample(101, mode="grid")
    truth = poisson.truth_solution(pts)
    with torch.no_grad():
        prediction = poisson_pinn(pts)
    errors["mixed poisson, p"] = relative_l2(
        prediction.extract(["p"]).tensor, truth.extract(["p"]).tensor
    )
    errors["mixed poisson, q"] = relative_l2(
        prediction.extract(["qx", "qy"]).tensor, truth.extract(["qx", "qy"]).tensor
    )

    print(f"Figures saved in {out}/")
    for name, error in errors.items():
        print(f"relative L2 error ({name}): {error:.3e}")
    return errors


if __name__ == "__main__":
    main()
