r"""Your first PINN: solve an ODE, look at the points, the solution and the loss.

What this example teaches:

* how a problem is written: output variables, a spatial domain, and conditions that pair a
  location with an equation (``FixedValue`` for the initial value, ``Equation`` wrapping a
  plain function for the ODE);
* the four sampling modes of ``discretise_domain`` (``random``, ``lh``, ``grid``,
  ``chebyshev``), drawn with ``Plotter.plot_samples``;
* training a ``PINN`` with the ``Trainer``, recording the losses with ``MetricTracker``;
* ``Plotter.plot`` (solution against the exact one) and ``Plotter.plot_loss``.

The problem (``SimpleODE``) is

.. math::
    \frac{du}{dx} = u \quad \text{on } [0, 1], \qquad u(0) = 1,

whose solution is :math:`u(x) = e^x`.

Run it with ``python examples/first_pinn.py`` (figures in ``examples_output/first_pinn/``).
Full run measured here (3000 epochs, one CPU thread, on a 2-core machine shared with other
jobs): 11.5 s of training, 18 s for the whole script; relative L2 error 9.3e-5.
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

from pina import Condition, LabelTensor, Plotter, Trainer
from pina.callbacks import MetricTracker
from pina.equation import Equation, FixedValue
from pina.geometry import CartesianDomain
from pina.model import FeedForward
from pina.operators import grad
from pina.problem import SpatialProblem
from pina.solvers import PINN


# ----------------------------------------------------------------------------- the problem
def ode(input_: LabelTensor, output_: LabelTensor) -> torch.Tensor:
    """Residual of the ODE, ``du/dx - u``, at every point (zero where it holds)."""
    du_dx = grad(output_, input_, components=["u"], d=["x"])  # a column labelled 'dudx'
    u = output_.extract(["u"])
    return du_dx - u


class SimpleODE(SpatialProblem):
    """``du/dx = u`` on ``[0, 1]`` with ``u(0) = 1``; the solution is ``exp(x)``."""

    output_variables = ["u"]
    spatial_domain = CartesianDomain({"x": [0, 1]})

    conditions = {
        # A fixed value makes the domain a single point: the initial condition u(0) = 1.
        "x0": Condition(location=CartesianDomain({"x": 0.0}), equation=FixedValue(1.0)),
        # The ODE holds on the whole interval.
        "D": Condition(location=CartesianDomain({"x": [0, 1]}), equation=Equation(ode)),
    }

    def truth_solution(self, pts: LabelTensor) -> torch.Tensor:
        """The exact solution, used by ``Plotter.plot`` and for the error below."""
        return torch.exp(pts.extract(["x"]))


# ----------------------------------------------------------------------------- the script
def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = example_parser("Your first PINN: u' = u, u(0) = 1.", "first_pinn", epochs=3000)
    return parser.parse_args(argv)


def show_sampling_modes(out: Path) -> None:
    """Sample the problem with each mode and draw the points of both conditions.

    ``random`` draws uniform points, ``lh`` a Latin hypercube (one point per equal slice),
    ``grid`` equispaced points including the endpoints, ``chebyshev`` the Chebyshev points
    (denser near the ends). The initial condition's domain is one point, so any mode gives
    ``x = 0`` there.
    """
    plotter = Plotter()
    for mode in ["random", "lh", "grid", "chebyshev"]:
        problem = SimpleODE()
        problem.discretise_domain(n=20, mode=mode, locations=["D"])
        problem.discretise_domain(n=1, mode="random", locations=["x0"])
        plotter.plot_samples(problem, filename=str(out / f"samples_{mode}.png"))
        x = problem.input_pts["D"].extract(["x"]).tensor.flatten().sort().values
        print(f"  {mode:>9}: first points of D {[round(v, 3) for v in x[:4].tolist()]}")


def main(argv: list[str] | None = None) -> float:
    args = parse_args(argv)
    out: Path = args.output_dir
    out.mkdir(parents=True, exist_ok=True)
    seed_everything(42, verbose=False)  # same points, same initial weights, same result

    print("Sampling modes (figures samples_<mode>.png):")
    show_sampling_modes(out)

    # The problem we train on: 20 Latin-hypercube points in D, the single point x = 0.
    problem = SimpleODE()
    problem.discretise_domain(n=20, mode="lh", locations=["D"])
    problem.discretise_domain(n=1, mode="random", locations=["x0"])

    # A small network x -> u; the PINN wraps it, labels its output 'u' and builds the loss
    # mean((u(0) - 1)^2) + mean((du/dx - u)^2) over the points of each condition.
    model = FeedForward(input_dimensions=1, output_dimensions=1, layers=[10, 10])
    pinn = PINN(problem, model, optimizer_kwargs={"lr": 0.003})

    tracker = MetricTracker()  # keeps x0_loss, D_loss and mean_loss of every epoch
    trainer = Trainer(
        solver=pinn,
        max_epochs=args.epochs,
        accelerator="cpu",
        callbacks=[tracker],
        default_root_dir=str(out),  # TensorBoard logs and the checkpoint go to out/lightning_logs
        enable_model_summary=False,
    )
    start = time.perf_counter()
    trainer.train()
    seconds = time.perf_counter() - start
    print(f"Trained {args.epochs} epochs in {seconds:.1f} s; final losses:")
    for name, value in trainer.logged_metrics.items():
        print(f"  {name} = {float(value):.3e}")

    plotter = Plotter()
    plotter.plot(pinn, filename=str(out / "solution.png"))  # prediction and exp(x)
    plotter.plot_loss(
        trainer,
        metrics=["x0_loss", "D_loss", "mean_loss"],
        logy=True,
        filename=str(out / "loss.png"),
    )

    # Relative L2 error against exp(x) on 1001 equispaced points.
    x = LabelTensor(torch.linspace(0, 1, 1001).reshape(-1, 1), ["x"])
    with torch.no_grad():
        u = pinn(x).extract(["u"]).tensor
    error = relative_l2(u, problem.truth_solution(x))
    print(f"Figures saved in {out}/")
    print(f"relative L2 error: {error:.3e}")
    return error


if __name__ == "__main__":
    main()
