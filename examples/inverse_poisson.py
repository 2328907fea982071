r"""An inverse problem: recover the unknown parameters of a Poisson equation from data.

What this example teaches:

* ``InverseProblem``: unknown scalar parameters declared with ``unknown_parameter_domain``
  (a search range for each), learned together with the solution;
* equations with a third argument, ``f(input_, output_, params_)``, where
  ``params_['mu1']`` is the current value of an unknown parameter;
* a *data* condition (``input_points`` + ``output_points``) next to the physics ones,
  loaded from files saved by PINA 0.1 (``LabelTensor`` files read with ``torch.load``);
* following the parameters during training with a small callback.

The problem: on :math:`\Omega = [-2, 2]^2`,

.. math::
    \Delta u = e^{-2(x - \mu_1)^2 - 2(y - \mu_2)^2} \quad \text{in } \Omega, \qquad
    u = 0 \quad \text{on } \partial\Omega,

where the centre :math:`(\mu_1, \mu_2) \in [-1, 1]^2` of the source is unknown. We know
:math:`u` at 2500 points (a solution computed for :math:`\mu_1 = \mu_2 = 0.5`, from
``shared/data/pina01/``: ``pts_0.5_0.5`` with labels ``x, y, mu1, mu2`` and
``pinn_solution_0.5_0.5`` with label ``u``), and look for the :math:`\mu` that explains it.

Run it with ``python examples/inverse_poisson.py`` (figures in
``examples_output/inverse_poisson/``; ``--data-dir`` if the data is elsewhere). Full run
measured here (1500 epochs, one CPU thread, on a 2-core machine shared with other jobs):
27 s of training, 32 s for the whole script; from the initial guesses (0.76, 0.83) it
recovered mu1 = 0.4952 and mu2 = 0.5010 (errors 4.8e-3 and 1.0e-3). The parameters settle
after about 1000 epochs and stay there with longer training (3000 epochs give mu1 = 0.4934):
the data is itself an approximate (PINN) solution, which likely explains the remaining
few 1e-3.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Mapping
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # draw into files, never open a window

import matplotlib.pyplot as plt
import pytorch_lightning as pl
import torch
from pytorch_lightning import seed_everything
from pytorch_lightning.callbacks import Callback

# Importing pina registers LabelTensor with torch.load, so the data files load safely.
from pina import Condition, LabelTensor, Plotter, Trainer
from pina.equation import Equation, FixedValue
from pina.geometry import CartesianDomain
from pina.model import FeedForward
from pina.operators import laplacian
from pina.problem import InverseProblem, SpatialProblem
from pina.solvers import PINN

TRUE_MU = 0.5  # the value used to compute the data
REPO = Path(__file__).resolve().parent.parent
DEFAULT_DATA_DIR = REPO.parent / "shared" / "data" / "pina01"


# ----------------------------------------------------------------------------- the data
def load_data(data_dir: Path) -> tuple[LabelTensor, LabelTensor]:
    """The measured points (labels ``x, y``) and values (label ``u``).

    Raises:
        FileNotFoundError: If a data file is missing, saying where it was looked for.
    """
    files = {"points": data_dir / "pts_0.5_0.5", "values": data_dir / "pinn_solution_0.5_0.5"}
    missing = [str(path) for path in files.values() if not path.is_file()]
    if missing:
        raise FileNotFoundError(
            f"Data file(s) not found: {missing}. The example expects the PINA 0.1 tutorial data "
            f"in {DEFAULT_DATA_DIR} (<repository>/../shared/data/pina01); pass "
            "--data-dir DIR if it is elsewhere."
        )
    points = torch.load(files["points"])  # LabelTensor (2500, 4): x, y, mu1, mu2
    values = torch.load(files["values"])  # LabelTensor (2500, 1): u
    # The columns mu1, mu2 hold the true parameters (what we pretend not to know); keep x, y.
    # The saved values still carry an autograd history: detach them.
    return points.extract(["x", "y"]).detach(), values.extract(["u"]).detach()


# ----------------------------------------------------------------------------- the problem
def poisson(input_: LabelTensor, output_: LabelTensor, params_: Mapping[str, torch.Tensor]):
    r"""Residual :math:`\Delta u - e^{-2(x - \mu_1)^2 - 2(y - \mu_2)^2}`.

    Three arguments: ``params_`` holds the unknown parameters (tensors of shape ``(1,)``).
    """
    x, y = input_.extract(["x"]), input_.extract(["y"])
    source = torch.exp(-2 * (x - params_["mu1"]) ** 2 - 2 * (y - params_["mu2"]) ** 2)
    return laplacian(output_, input_, components=["u"], d=["x", "y"]) - source


def make_problem(data_points: LabelTensor, data_values: LabelTensor) -> InverseProblem:
    """The inverse Poisson problem with the given measurements as a data condition."""

    class InversePoisson(SpatialProblem, InverseProblem):
        output_variables = ["u"]
        spatial_domain = CartesianDomain({"x": [-2, 2], "y": [-2, 2]})
        # The unknowns and their search ranges; each starts at a uniform random value.
        unknown_parameter_domain = CartesianDomain({"mu1": [-1, 1], "mu2": [-1, 1]})

        conditions = {
            "bottom": Condition(
                location=CartesianDomain({"x": [-2, 2], "y": -2}), equation=FixedValue(0.0)
            ),
            "right": Condition(
                location=CartesianDomain({"x": 2, "y": [-2, 2]}), equation=FixedValue(0.0)
            ),
            "top": Condition(
                location=CartesianDomain({"x": [-2, 2], "y": 2}), equation=FixedValue(0.0)
            ),
            "left": Condition(
                location=CartesianDomain({"x": -2, "y": [-2, 2]}), equation=FixedValue(0.0)
            ),
            "D": Condition(location=spatial_domain, equation=Equation(poisson)),
            "data": Condition(input_points=data_points, output_points=data_values),
        }

    return InversePoisson()


class ParameterHistory(Callback):
    """Record the unknown parameters after every epoch."""

    def __init__(self) -> None:
        self.history: dict[str, list[float]] = {}

    def on_train_epoch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        for name, param in pl_module.problem.unknown_parameters.items():
            self.history.setdefault(name, []).append(param.item())


# ----------------------------------------------------------------------------- the script
# The same as _common.positive_int, written out because the tests import this file by its
# path, without examples/ on sys.path, so ``from _common import ...`` would fail there.
def positive_int(text: str) -> int:
    """An argparse type: a positive integer (``max_epochs=-1`` would mean "forever")."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer; got {text}")
    return value


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Inverse Poisson problem: recover (mu1, mu2).")
    parser.add_argument("--epochs", type=positive_int, default=1500, help="training epochs (1500)")
    parser.add_argument(
        "--output-dir",
        type=Path,
        default=Path("examples_output/inverse_poisson"),
        help="where the figures go (examples_output/inverse_poisson)",
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=DEFAULT_DATA_DIR,
        help=f"folder with pts_0.5_0.5 and pinn_solution_0.5_0.5 ({DEFAULT_DATA_DIR})",
    )
    return parser.parse_args(argv)


def plot_history(history: dict[str, list[float]], filename: Path) -> None:
    fig, ax = plt.subplots(figsize=(6, 4), layout="constrained")
    for name, values in history.items():
        ax.plot(range(1, len(values) + 1), values, label=name)
    ax.axhline(TRUE_MU, color="k", linestyle="--", linewidth=1, label="true value")
    ax.set_xlabel("epoch")
    ax.set_ylabel("parameter value")
    ax.legend()
    fig.savefig(filename)
    plt.close(fig)


def main(argv: list[str] | None = None) -> dict[str, float]:
    args = parse_args(argv)
    out: Path = args.output_dir
    try:
        data_points, data_values = load_data(args.data_dir)
    except FileNotFoundError as error:
        sys.exit(f"error: {error}")
    out.mkdir(parents=True, exist_ok=True)
    seed_everything(42, verbose=False)

    problem = make_problem(data_points, data_values)
    start_values = {name: p.item() for name, p in problem.unknown_parameters.items()}
    print(f"Initial guesses: {', '.join(f'{k} = {v:.4f}' for k, v in start_values.items())}")
    problem.discretise_domain(n=30, mode="grid", locations=["D"])  # 900 interior points
    problem.discretise_domain(n=50, mode="grid", locations=["bottom", "right", "top", "left"])
    Plotter().plot_samples(problem, s=2, filename=str(out / "points.png"))

    model = FeedForward(input_dimensions=2, output_dimensions=1, layers=[20, 20, 20])
    # Adam on the weights and (mu1, mu2) together; the learning rate decays by 0.1% per epoch.
    pinn = PINN(
        problem,
        model,
        optimizer_kwargs={"lr": 0.005},
        scheduler=torch.optim.lr_scheduler.ExponentialLR,
        scheduler_kwargs={"gamma": 0.999},
    )
    history = ParameterHistory()
    trainer = Trainer(
        solver=pinn,
        max_epochs=args.epochs,
        accelerator="cpu",
        callbacks=[history],
        default_root_dir=str(out),  # TensorBoard logs and the checkpoint go to out/lightning_logs
        enable_model_summary=False,
    )
    start = time.perf_counter()
    trainer.train()
    print(f"Trained {args.epochs} epochs in {time.perf_counter() - start:.1f} s")

    Plotter().plot(pinn, filename=str(out / "solution.png"))
    plot_history(history.history, out / "parameters.png")

    recovered = {name: p.item() for name, p in problem.unknown_parameters.items()}
    errors = {name: abs(value - TRUE_MU) for name, value in recovered.items()}
    print(f"Figures saved in {out}/")
    for name, value in recovered.items():
        print(f"recovered {name} = {value:.4f} (true {TRUE_MU}, error {errors[name]:.2e})")
    print(f"parameter error: max |mu - {TRUE_MU}| = {max(errors.values()):.3e}")
    return recovered


if __name__ == "__main__":
    main()
