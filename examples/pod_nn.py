r"""POD-NN: a reduced-order model of a parametric field, from snapshots to new parameters.

What this example teaches:

* **proper orthogonal decomposition** with ``PODBlock``: ``fit`` on training snapshots
  computes an orthonormal basis of the fields, ``reduce`` maps a field to its ``rank``
  coefficients and ``expand`` maps coefficients back to a field;
* how to read the singular values to choose the ``rank``, and the **projection error**,
  the best any model using that basis can do;
* **POD-NN**: a ``FeedForward`` network maps the parameters to the POD coefficients and the
  fitted (not trained) ``PODBlock.expand`` turns them into the field. The whole chain is
  one ``torch.nn.Module``, trained on the fields by the ``SupervisedSolver``;
* a supervised problem whose output is a field: ``output_points`` of shape
  ``(samples, points, 1)`` labelled ``'u'``, inputs ``(samples, 2)`` labelled with the
  parameters;
* measuring the error on held-out parameters.

**The parametric field.** A square plate :math:`[0, 1]^2` whose edges are kept at
temperature zero receives a unit of heat at the point :math:`\mu = (\mu_1, \mu_2)`; the
temperature a time :math:`\tau = 0.01` later (unit diffusivity) is the heat kernel of the
square, a sum of sine modes that factorises in x and y:

.. math::
    u(x, y; \mu) = g(x; \mu_1)\, g(y; \mu_2), \qquad
    g(s; c) = 2 \sum_{m=1}^{40} e^{-\pi^2 m^2 \tau} \sin(m \pi c) \sin(m \pi s).

The snapshots are :math:`u` on a 50 x 50 grid (2500 values) for random
:math:`\mu \in [0.15, 0.85]^2`: a bump that moves with :math:`\mu`, which a linear basis
captures only with a few tens of modes (the singular values are printed), and whose
coefficients depend non-linearly on :math:`\mu`, which is what the network learns.

Run it with ``python examples/pod_nn.py`` (figures and logs in
``examples_output/pod_nn/``). Full run measured here (200 training and 100 test
parameters, rank 30, 10000 full-batch epochs, one CPU thread, on a 2-core machine shared
with other jobs): about 50 s; relative L2 error on the test parameters 1.9e-2 (the
rank-30 projection error of the test fields, the floor of this model, is 8.2e-3).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # draw into files, never open a window

import matplotlib.pyplot as plt
import torch
from _common import example_parser, relative_l2_per_sample
from pytorch_lightning import seed_everything
from torch import Tensor, nn

from pina import Condition, LabelTensor, Trainer
from pina.model import FeedForward
from pina.model.layers import PODBlock
from pina.problem import AbstractProblem
from pina.solvers import SupervisedSolver

GRID = 50  # grid points per side
TAU = 0.01  # time after the heat release


# ----------------------------------------------------------------------------- the data
def heat_kernel_1d(s: Tensor, c: Tensor, n_modes: int = 40) -> Tensor:
    r"""``g(s; c)`` for every ``c``: shape ``(len(c), len(s))``, float64."""
    m = torch.arange(1, n_modes + 1, dtype=torch.float64)
    weights = torch.sin(torch.pi * m * c[:, None]) * torch.exp(-(torch.pi**2) * m**2 * TAU)
    return 2 * weights @ torch.sin(torch.pi * m[:, None] * s[None, :])


def snapshots(mu: Tensor) -> Tensor:
    """The fields ``u(x, y; mu)`` on the grid, flattened: shape ``(len(mu), GRID**2)``."""
    s = torch.linspace(0, 1, GRID, dtype=torch.float64)
    gx, gy = heat_kernel_1d(s, mu[:, 0]), heat_kernel_1d(s, mu[:, 1])
    return (gx[:, :, None] * gy[:, None, :]).reshape(len(mu), -1).float()  # x-major order


def parameters(n: int, generator: torch.Generator) -> Tensor:
    """``n`` parameters drawn uniformly in ``[0.15, 0.85]^2``, shape ``(n, 2)``, float64."""
    return 0.15 + 0.7 * torch.rand(n, 2, dtype=torch.float64, generator=generator)


# ----------------------------------------------------------------------------- the model
class PODNN(nn.Module):
    """Parameters -> POD coefficients (a trained network) -> field (the fitted POD basis).

    Args:
        pod: A fitted ``PODBlock``; its basis is a buffer, not a parameter, so training
            changes only ``network``.
        network: Maps ``(n, n_parameters)`` to ``(n, pod.rank)`` coefficients.
    """

    def __init__(self, pod: PODBlock, network: nn.Module) -> None:
        super().__init__()
        self.pod = pod
        self.network = network

    def forward(self, mu: Tensor) -> Tensor:
        coefficients = self.network(mu)  # (n, rank)
        return self.pod.expand(coefficients).unsqueeze(-1)  # (n, GRID**2, 1): one field 'u'


def field_problem(mu: LabelTensor, u: LabelTensor) -> AbstractProblem:
    """A supervised problem with the data condition ``mu -> u`` (the class is built at run
    time because its data are)."""

    class ParametricHeat(AbstractProblem):
        input_variables = ["mu1", "mu2"]
        output_variables = ["u"]
        conditions = {"snapshots": Condition(input_points=mu, output_points=u)}

    return ParametricHeat()


# ----------------------------------------------------------------------------- the script
def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = example_parser(
        "POD-NN on a parametric heat field.",
        "pod_nn",
        epochs=10000,
        saves="the figures and logs",
        epochs_type=int,
    )
    parser.add_argument("--train", type=int, default=200, help="training parameters (200)")
    parser.add_argument("--test", type=int, default=100, help="test parameters (100)")
    parser.add_argument("--rank", type=int, default=30, help="POD modes kept (30)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> float:
    args = parse_args(argv)
    out: Path = args.output_dir
    out.mkdir(parents=True, exist_ok=True)
    seed_everything(0, verbose=False)
    started = time.perf_counter()

    # 1. Snapshots for training parameters, and held-out parameters for testing.
    generator = torch.Generator().manual_seed(0)
    mu_train, mu_test = parameters(args.train, generator), parameters(args.test, generator)
    u_train, u_test = snapshots(mu_train), snapshots(mu_test)

    # 2. POD of the training snapshots. The singular values say how many modes matter;
    #    the projection of the test fields on the first `rank` modes is the best a model
    #    built on this basis can reach.
    pod = PODBlock(rank=args.rank)  # scale_coefficients=True: coefficients of order one
    pod.fit(u_train)
    singular_values = torch.linalg.svdvals(u_train)
    energy = singular_values**2 / (singular_values**2).sum()
    print("singular values (relative):", [f"{float(v):.1e}" for v in energy[:40:5].sqrt()])
    projection = relative_l2_per_sample(pod.expand(pod.reduce(u_test)), u_test)
    print(f"rank {args.rank} projection error of the test fields: {float(projection.mean()):.3e}")

    # 3. The POD-NN model and the supervised problem on the fields.
    network = FeedForward(input_dimensions=2, output_dimensions=args.rank, layers=[64, 64])
    model = PODNN(pod, network)
    problem = field_problem(
        LabelTensor(mu_train.float(), ["mu1", "mu2"]),
        LabelTensor(u_train.unsqueeze(-1), ["u"]),  # (n, GRID**2, 1)
    )

    # 4. Training: the whole training set in each step (batch_size=None), Adam with a
    #    learning rate that decays tenfold over the run.
    solver = SupervisedSolver(
        problem,
        model,
        optimizer_kwargs={"lr": 3e-3},
        scheduler=torch.optim.lr_scheduler.ExponentialLR,
        scheduler_kwargs={"gamma": 0.1 ** (1 / max(1, args.epochs))},
    )
    trainer = Trainer(
        solver,
        max_epochs=args.epochs,
        accelerator="cpu",
        default_root_dir=str(out),  # TensorBoard logs and the checkpoint go to out/
        enable_model_summary=False,
    )
    train_start = time.perf_counter()
    trainer.train()
    print(f"Trained {args.epochs} epochs in {time.perf_counter() - train_start:.1f} s")

    # 5. Test: fields predicted for parameters never seen in training.
    with torch.no_grad():
        mu = LabelTensor(mu_test.float(), ["mu1", "mu2"])
        prediction = solver(mu).extract(["u"]).tensor.squeeze(-1)  # (n_test, GRID**2)
    errors = relative_l2_per_sample(prediction, u_test)
    plot_test_field(mu_test[0], u_test[0], prediction[0], out / "test_field.png")
    plot_singular_values(singular_values, args.rank, out / "singular_values.png")
    print(f"Figures saved in {out}/; total time {time.perf_counter() - started:.1f} s")
    print(f"relative L2 error: {float(errors.mean()):.3e}")
    return float(errors.mean())


def plot_test_field(mu: Tensor, truth: Tensor, prediction: Tensor, path: Path) -> None:
    """Exact and POD-NN field for one test parameter, and their difference."""
    panels = [("exact", truth), ("POD-NN", prediction), ("difference", prediction - truth)]
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
    for ax, (title, field) in zip(axes, panels):
        image = ax.imshow(field.reshape(GRID, GRID).T, origin="lower", extent=(0, 1, 0, 1))
        fig.colorbar(image, ax=ax, shrink=0.8)
        ax.plot(*mu.tolist(), "r+", markersize=10)
        ax.set_title(f"{title}, mu = ({float(mu[0]):.2f}, {float(mu[1]):.2f})")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def plot_singular_values(values: Tensor, rank: int, path: Path) -> None:
    """Singular values of the training snapshots, with the rank kept marked."""
    fig, ax = plt.subplots(figsize=(5, 3.6))
    ax.semilogy(range(1, len(values) + 1), values / values[0], ".-")
    ax.axvline(rank, color="r", linestyle="--", label=f"rank {rank}")
    ax.set_xlabel("mode")
    ax.set_ylabel("singular value / largest")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


if __name__ == "__main__":
    main()
