r"""Validation, early stopping and a held-out test set for a PINN.

What this example teaches:

* ``Trainer(pinn, train_size=0.8, val_size=0.1, test_size=0.1)`` splits the points of every
  condition at random: the PINN trains on 80 %, Lightning's validation loop evaluates the
  10 % validation points during training, and 10 % are kept for one final test;
* what the validation loop logs: ``<condition>_val_loss`` and ``val_loss`` (the same losses
  as in training, on points the PINN never trained on) and, because the problem defines
  ``truth_solution``, ``val_rel_l2``, the relative L2 error against the exact solution at
  the validation points;
* ``check_val_every_n_epoch`` (validate every 50 epochs, not after each one);
* ``EarlyStopping(monitor='val_rel_l2')``, which ends training once the error has not improved
  for ``patience`` validations, and ``ModelCheckpoint(monitor='val_rel_l2')``, which keeps the
  weights of the best validation;
* ``trainer.test(ckpt_path='best')``: the test split's ``test_loss`` and ``test_rel_l2`` of
  that best checkpoint;
* ``MetricTracker``: training metrics have one value per epoch, validation metrics one per
  validation run; both are drawn against the epoch.

The problem is

.. math::
    -\Delta u = 2\pi^2 \sin(\pi x)\sin(\pi y) \quad \text{in } (0, 1)^2, \qquad
    u = 0 \quad \text{on the four sides},

whose solution is :math:`u(x, y) = \sin(\pi x)\sin(\pi y)`. Without a known solution (the
usual case) there is no ``val_rel_l2``: monitor ``val_loss`` instead, the residual on the
validation points.

Run it with ``python examples/validation.py`` (the figure ``curves.png`` and the checkpoint in
``examples_output/validation/``). Full run measured here (at most 8000 epochs, one CPU thread,
on a 2-core machine shared with other jobs): early stopping ended training after 5450 epochs
(the best ``val_rel_l2``, 1.7e-2, was at epoch 4950), 36-40 s of training, 41-45 s for the whole
script; test split of the best checkpoint: ``test_loss`` 3.8e-4, ``test_rel_l2`` 1.2e-2;
relative L2 error on a 101 x 101 grid 9.6e-3. With Adam at a constant learning rate the
losses spike now and then (both curves in ``curves.png``), so the last epoch is seldom the
best one: that is what the checkpoint of the best validation is for.
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
from pytorch_lightning.callbacks import EarlyStopping, ModelCheckpoint
from torch import nn

from pina import Condition, LabelTensor, Trainer
from pina.callbacks import MetricTracker
from pina.equation import Equation, FixedValue
from pina.geometry import CartesianDomain
from pina.model import FeedForward
from pina.operators import laplacian
from pina.problem import SpatialProblem
from pina.solvers import PINN

VAL_EVERY = 50  # epochs between two validation runs
PATIENCE = 10  # validations without a better val_rel_l2 before training stops (500 epochs)


# ----------------------------------------------------------------------------- the problem
def poisson(input_: LabelTensor, output_: LabelTensor) -> torch.Tensor:
    r"""Residual :math:`\Delta u + 2\pi^2 \sin(\pi x)\sin(\pi y)`."""
    x, y = input_.extract(["x"]), input_.extract(["y"])
    force = 2 * torch.pi**2 * torch.sin(torch.pi * x) * torch.sin(torch.pi * y)
    return laplacian(output_, input_, components=["u"], d=["x", "y"]) + force


ZERO = FixedValue(0.0)  # the boundary condition u = 0 (one equation, shared by the sides)


class Poisson(SpatialProblem):
    """Poisson's equation on the unit square with zero boundary values."""

    output_variables = ["u"]
    spatial_domain = CartesianDomain({"x": [0, 1], "y": [0, 1]})

    conditions = {
        "bottom": Condition(location=CartesianDomain({"x": [0, 1], "y": 0}), equation=ZERO),
        "right": Condition(location=CartesianDomain({"x": 1, "y": [0, 1]}), equation=ZERO),
        "top": Condition(location=CartesianDomain({"x": [0, 1], "y": 1}), equation=ZERO),
        "left": Condition(location=CartesianDomain({"x": 0, "y": [0, 1]}), equation=ZERO),
        "D": Condition(location=spatial_domain, equation=Equation(poisson)),
    }

    def truth_solution(self, pts: LabelTensor) -> torch.Tensor:
        """The exact solution; with it the Trainer also logs ``val_rel_l2``/``test_rel_l2``."""
        x, y = pts.extract(["x"]), pts.extract(["y"])
        return torch.sin(torch.pi * x) * torch.sin(torch.pi * y)


# ----------------------------------------------------------------------------- the script
def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = example_parser(
        "Poisson on the unit square: validation, early stopping and a test split.",
        "validation",
        epochs=8000,
        epochs_help="most training epochs (early stopping usually ends sooner)",
        saves="the figure and the checkpoint",
    )
    return parser.parse_args(argv)


def plot_curves(tracker: MetricTracker, val_every: int, best_epoch: int, path: Path) -> None:
    """Training ``mean_loss``, validation ``val_loss`` and ``val_rel_l2`` against the epoch."""
    metrics = tracker.metrics
    train_epochs = torch.arange(1, len(metrics["mean_loss"]) + 1)
    # One validation every val_every epochs: the i-th (from 1) ran after epoch i * val_every.
    val_epochs = val_every * torch.arange(1, len(metrics["val_loss"]) + 1)

    fig, (ax_loss, ax_error) = plt.subplots(1, 2, figsize=(11, 4), layout="constrained")
    ax_loss.semilogy(train_epochs, metrics["mean_loss"], label="training mean_loss")
    ax_loss.semilogy(val_epochs, metrics["val_loss"], "o-", ms=3, label="validation val_loss")
    ax_loss.set(xlabel="epoch", ylabel="loss", title="losses")
    ax_error.semilogy(val_epochs, metrics["val_rel_l2"], "o-", ms=3, color="C2")
    ax_error.set(xlabel="epoch", ylabel="val_rel_l2", title="relative L2 error (validation)")
    for ax in (ax_loss, ax_error):
        ax.axvline(best_epoch, color="0.5", ls="--", label=f"best checkpoint (epoch {best_epoch})")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv: list[str] | None = None) -> dict[str, float]:
    args = parse_args(argv)
    out: Path = args.output_dir
    out.mkdir(parents=True, exist_ok=True)
    seed_everything(42, verbose=False)  # same points, same split, same initial weights

    problem = Poisson()
    problem.discretise_domain(n=1000, mode="random", locations=["D"])
    problem.discretise_domain(n=100, mode="random", locations=["bottom", "right", "top", "left"])

    model = FeedForward(input_dimensions=2, output_dimensions=1, layers=[20, 20], func=nn.Tanh)
    pinn = PINN(problem, model, optimizer_kwargs={"lr": 0.01})

    # Lightning validates after every val_every-th epoch; the checkpoint and the test need at
    # least one validation, so a run shorter than VAL_EVERY epochs validates at its last one.
    val_every = min(VAL_EVERY, args.epochs)
    tracker = MetricTracker()
    early_stopping = EarlyStopping(monitor="val_rel_l2", patience=PATIENCE, mode="min")
    best = ModelCheckpoint(monitor="val_rel_l2", mode="min", filename="best-{val_rel_l2:.2e}")
    trainer = Trainer(
        pinn,
        train_size=0.8,  # of every condition's points
        val_size=0.1,
        test_size=0.1,
        max_epochs=args.epochs,
        check_val_every_n_epoch=val_every,
        callbacks=[tracker, early_stopping, best],
        accelerator="cpu",
        default_root_dir=str(out),  # logs and the checkpoint go to out/lightning_logs
        enable_model_summary=False,
    )
    start = time.perf_counter()
    trainer.train()
    seconds = time.perf_counter() - start
    if early_stopping.stopped_epoch:  # the 0-based epoch it stopped at; 0 if it did not
        print(f"Early stopping after {trainer.current_epoch} epochs ({seconds:.1f} s).")
    else:
        print(f"Trained all {trainer.current_epoch} epochs ({seconds:.1f} s).")

    # The best validation (the one ModelCheckpoint kept) and its epoch, counted from 1.
    val_rel_l2 = tracker.metrics["val_rel_l2"]
    best_epoch = val_every * (int(torch.argmin(val_rel_l2)) + 1)
    print(f"best val_rel_l2 = {float(val_rel_l2.min()):.3e} at epoch {best_epoch}")
    print(f"best checkpoint: {best.best_model_path}")
    plot_curves(tracker, val_every, best_epoch, out / "curves.png")

    # The test split, never trained on nor used to choose the checkpoint, with the best
    # weights (testing loads them into the PINN).
    (results,) = trainer.test(ckpt_path="best", verbose=False)
    test_loss, test_rel_l2 = results["test_loss"], results["test_rel_l2"]

    # The same best weights against the exact solution on the whole square.
    pts = problem.spatial_domain.sample(101, mode="grid")
    with torch.no_grad():
        u = pinn(pts).extract(["u"]).tensor
    grid_error = relative_l2(u, problem.truth_solution(pts))

    print(f"Figure saved in {out}/")
    print(f"test_loss: {test_loss:.3e}")
    print(f"test_rel_l2: {test_rel_l2:.3e}")
    print(f"relative L2 error (grid): {grid_error:.3e}")
    return {"test_loss": test_loss, "test_rel_l2": test_rel_l2, "grid_rel_l2": grid_error}


if __name__ == "__main__":
    main()
