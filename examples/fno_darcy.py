r"""A Fourier Neural Operator learns the Darcy flow map from permeability to pressure.

What this example teaches:

* how to **make an operator-learning data set yourself**: random permeability fields and
  the pressure they produce, computed by a small finite-difference solver (no download);
* how a **supervised problem on fields** is written: an ``AbstractProblem`` whose only
  condition holds ``input_points`` and ``output_points`` given as tensors of shape
  ``(samples, Nx, Ny, channels)``, labelled on the channels (``'k', 'x', 'y'`` in,
  ``'u'`` out);
* the channels-last ``FNO`` (lifting, Fourier blocks, projection) trained by the
  ``SupervisedSolver`` with mini-batches (``Trainer(batch_size=...)``) and a learning-rate
  scheduler;
* normalising inputs and outputs with training statistics only, and measuring the
  relative L2 error on held-out test samples.

**The PDE.** On :math:`\Omega = (0, 1)^2`, for a permeability :math:`k(x, y) > 0`,

.. math::
    -\nabla \cdot \big(k(x, y)\, \nabla u(x, y)\big) = 1 \quad \text{in } \Omega,
    \qquad u = 0 \quad \text{on } \partial\Omega.

The operator to learn is :math:`G : k \mapsto u`. As in the FNO paper (Li et al. 2021),
:math:`k` is piecewise constant: a Gaussian random field thresholded at zero, 12 where it is
positive and 3 elsewhere, so the pressure has kinks along random interfaces.

**The solver.** On a uniform grid of ``grid x grid`` nodes (boundary included, spacing
:math:`h`), the 5-point finite-volume scheme

.. math::
    \frac{k_{i+\frac12,j}(u_{i,j} - u_{i+1,j}) + k_{i-\frac12,j}(u_{i,j} - u_{i-1,j})
    + k_{i,j+\frac12}(u_{i,j} - u_{i,j+1}) + k_{i,j-\frac12}(u_{i,j} - u_{i,j-1})}{h^2} = 1

holds at every interior node, with face permeabilities the harmonic means of the two
neighbouring nodes (the right average for a coefficient that jumps). The matrix is
symmetric positive definite; it is assembled for a whole chunk of samples at once and
solved by a batched Cholesky factorisation in float64.

Run it with ``python examples/fno_darcy.py`` (figures and logs in
``examples_output/fno_darcy/``). Full run measured here (600 samples of 32 x 32, 500 for
training and 100 for testing, 100 epochs, one CPU thread, on a 2-core machine shared with
other jobs): about 170 s in all (150 s of CPU time; 11 s to make the data), relative L2
error 2.5e-2 on the test samples. On training samples it is 7e-3: the gap is
overfitting, so more samples are the first thing to try for a better model.
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
from pina.model import FNO
from pina.problem import AbstractProblem
from pina.solvers import SupervisedSolver


# ----------------------------------------------------------------------------- the data
def gaussian_random_field(
    n_samples: int, grid: int, generator: torch.Generator, alpha: float = 2.0, tau: float = 3.0
) -> Tensor:
    r"""Periodic Gaussian random fields with covariance :math:`(-\Delta + \tau^2)^{-\alpha}`.

    White noise is filtered in Fourier space by :math:`(4\pi^2|\kappa|^2 + \tau^2)^{-\alpha/2}`:
    the larger ``alpha``, the smoother the field; ``tau`` sets the correlation length.

    Returns:
        float64 tensor of shape ``(n_samples, grid, grid)``.
    """
    freq = torch.fft.fftfreq(grid, d=1.0 / grid, dtype=torch.float64)  # integer wavenumbers
    kx, ky = torch.meshgrid(freq, freq, indexing="ij")
    spectrum = (4 * torch.pi**2 * (kx**2 + ky**2) + tau**2) ** (-alpha / 2)
    noise = torch.randn(n_samples, grid, grid, dtype=torch.float64, generator=generator)
    return torch.fft.ifft2(torch.fft.fft2(noise) * spectrum).real


def solve_darcy(k: Tensor, chunk: int = 32) -> Tensor:
    """Pressure ``u`` of ``-div(k grad u) = 1``, ``u = 0`` on the boundary, for each ``k``.

    Args:
        k: Permeabilities at the grid nodes, shape ``(n_samples, grid, grid)``, float64.
        chunk: Samples solved together (a chunk's matrices take ``chunk * (grid-2)^4 * 8``
            bytes: 32 samples of a 32 x 32 grid need about 0.2 GB).

    Returns:
        ``u`` at the grid nodes (zero on the boundary), same shape as ``k``.
    """
    n_samples, grid, _ = k.shape
    m = grid - 2  # interior nodes per direction: the unknowns form an m x m grid
    h = 1.0 / (grid - 1)
    index = torch.arange(m * m).reshape(m, m)  # unknown number of interior node (i, j)
    diagonal = index.reshape(-1)
    # Neighbouring unknowns in x (i, i+1) and in y (j, j+1), as flat index pairs.
    x_pairs = (index[:-1, :].reshape(-1), index[1:, :].reshape(-1))
    y_pairs = (index[:, :-1].reshape(-1), index[:, 1:].reshape(-1))

    u = torch.zeros_like(k)
    for start in range(0, n_samples, chunk):
        kc = k[start : start + chunk]
        b = kc.shape[0]
        # Harmonic means on the faces between neighbouring nodes.
        face_x = 2 * kc[:, 1:, :] * kc[:, :-1, :] / (kc[:, 1:, :] + kc[:, :-1, :])  # (b, g-1, g)
        face_y = 2 * kc[:, :, 1:] * kc[:, :, :-1] / (kc[:, :, 1:] + kc[:, :, :-1])  # (b, g, g-1)
        west, east = face_x[:, :-1, 1:-1], face_x[:, 1:, 1:-1]  # faces of each interior node
        south, north = face_y[:, 1:-1, :-1], face_y[:, 1:-1, 1:]  # each (b, m, m)

        A = torch.zeros(b, m * m, m * m, dtype=k.dtype)
        A[:, diagonal, diagonal] = (west + east + south + north).reshape(b, -1)
        # Couplings between interior neighbours (a neighbour on the boundary has u = 0
        # and contributes nothing to the right-hand side).
        for (p, q), coefficient in ((x_pairs, east[:, :-1, :]), (y_pairs, north[:, :, :-1])):
            A[:, p, q] = -coefficient.reshape(b, -1)
            A[:, q, p] = -coefficient.reshape(b, -1)
        A /= h * h
        rhs = torch.ones(b, m * m, 1, dtype=k.dtype)
        solution = torch.cholesky_solve(rhs, torch.linalg.cholesky(A))
        u[start : start + chunk, 1:-1, 1:-1] = solution.reshape(b, m, m)
    return u


def make_dataset(n_samples: int, grid: int, seed: int) -> tuple[Tensor, Tensor]:
    """Permeabilities ``k`` (3 or 12) and pressures ``u``, each ``(n_samples, grid, grid)``."""
    generator = torch.Generator().manual_seed(seed)
    field = gaussian_random_field(n_samples, grid, generator)
    k = torch.where(field >= 0, 12.0, 3.0).to(torch.float64)
    return k, solve_darcy(k)


# ----------------------------------------------------------------------------- the problem
def darcy_problem(inputs: LabelTensor, outputs: LabelTensor) -> AbstractProblem:
    """A supervised problem with one data condition: ``inputs`` -> ``outputs``.

    A supervised problem only declares its variables and its data; there is no domain
    to sample. The class is built here because its data are made at run time.
    """

    class Darcy(AbstractProblem):
        input_variables = ["k", "x", "y"]  # the channels of the input fields
        output_variables = ["u"]
        conditions = {"data": Condition(input_points=inputs, output_points=outputs)}

    return Darcy()


def channels_last(k: Tensor, k_mean: float, k_std: float) -> LabelTensor:
    """FNO input ``(n, grid, grid, 3)``: normalised ``k`` and the node coordinates.

    Giving the coordinates as extra channels lets the network tell the boundary (where
    ``u = 0``) from the interior; the Fourier layers alone are translation invariant.
    """
    n, grid, _ = k.shape
    axis = torch.linspace(0, 1, grid)
    x, y = torch.meshgrid(axis, axis, indexing="ij")
    coords = torch.stack([x, y], dim=-1).expand(n, grid, grid, 2)
    k_normalised = ((k.float() - k_mean) / k_std).unsqueeze(-1)
    return LabelTensor(torch.cat([k_normalised, coords], dim=-1), ["k", "x", "y"])


# ----------------------------------------------------------------------------- the script
def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = example_parser(
        "FNO on a generated Darcy flow data set.",
        "fno_darcy",
        epochs=100,
        saves="the figures and logs",
        epochs_type=int,
    )
    parser.add_argument(
        "--samples", type=int, default=600, help="samples generated, 1/6 kept for testing (600)"
    )
    parser.add_argument("--grid", type=int, default=32, help="grid nodes per side (32)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> float:
    args = parse_args(argv)
    out: Path = args.output_dir
    out.mkdir(parents=True, exist_ok=True)
    seed_everything(0, verbose=False)
    started = time.perf_counter()

    # 1. The data: solve the PDE for random permeabilities, keep 1/6 of them for testing.
    k, u = make_dataset(args.samples, args.grid, seed=0)
    n_test = max(1, args.samples // 6)
    n_train = args.samples - n_test
    data_seconds = time.perf_counter() - started
    print(
        f"Solved {args.samples} Darcy problems on {args.grid}x{args.grid} in {data_seconds:.1f} s"
    )

    # 2. Normalisation, with statistics of the training samples only. u is only scaled
    #    (no shift), so relative errors are the same before and after scaling.
    k_mean, k_std = float(k[:n_train].mean()), float(k[:n_train].std())
    u_scale = float(u[:n_train].std())
    inputs = channels_last(k, k_mean, k_std)
    outputs = LabelTensor((u / u_scale).float().unsqueeze(-1), ["u"])  # (n, grid, grid, 1)
    problem = darcy_problem(inputs[:n_train], outputs[:n_train])

    # 3. The model. Lifting 3 -> 20 channels, four Fourier blocks keeping 8 x 8 modes per
    #    corner of the spectrum (a 32-point grid has 16 frequencies per side), projection
    #    20 -> 1. The grid is zero-padded by 4 nodes so the FFT does not treat it as
    #    periodic (u = 0 on the boundary is not a periodic condition).
    width = 20
    model = FNO(
        lifting_net=nn.Linear(3, width),
        projecting_net=nn.Sequential(nn.Linear(width, 64), nn.GELU(), nn.Linear(64, 1)),
        n_modes=8,
        dimensions=2,
        padding=4,
        inner_size=width,
        n_layers=4,
        func=nn.GELU,
    )

    # 4. Training: mini-batches of 20 samples, Adam with a learning rate halved every
    #    quarter of the run (the scheduler steps once per epoch).
    solver = SupervisedSolver(
        problem,
        model,
        optimizer_kwargs={"lr": 3e-3},
        scheduler=torch.optim.lr_scheduler.StepLR,
        scheduler_kwargs={"step_size": max(1, args.epochs // 4), "gamma": 0.5},
    )
    trainer = Trainer(
        solver,
        batch_size=20,
        max_epochs=args.epochs,
        accelerator="cpu",
        default_root_dir=str(out),  # TensorBoard logs and the checkpoint go to out/
        enable_model_summary=False,
    )
    train_start = time.perf_counter()
    trainer.train()
    train_seconds = time.perf_counter() - train_start
    print(f"Trained {args.epochs} epochs in {train_seconds:.1f} s")
    print(f"final training loss (normalised MSE): {float(trainer.logged_metrics['mean_loss']):.3e}")

    # 5. Test: predict the held-out pressures (the solver returns a LabelTensor labelled
    #    'u'), undo the scaling, and compare sample by sample.
    with torch.no_grad():
        prediction = solver(inputs[n_train:]).extract(["u"]).tensor.squeeze(-1) * u_scale
        seen = solver(inputs[:n_test]).extract(["u"]).tensor.squeeze(-1) * u_scale
    truth = u[n_train:].float()
    errors = relative_l2_per_sample(prediction, truth)
    train_errors = relative_l2_per_sample(seen, u[:n_test].float())  # as many training samples
    print(f"relative L2 error on training samples (mean): {float(train_errors.mean()):.3e}")

    plot_sample(k[n_train], truth[0], prediction[0], float(errors[0]), out / "test_sample.png")
    print(f"Figures saved in {out}/; total time {time.perf_counter() - started:.1f} s")
    print(f"relative L2 error: {float(errors.mean()):.3e}")
    return float(errors.mean())


def plot_sample(k: Tensor, truth: Tensor, prediction: Tensor, error: float, path: Path) -> None:
    """Permeability, true and predicted pressure, and the pointwise error of one sample."""
    panels = [
        ("permeability k", k),
        ("pressure u (solver)", truth),
        ("pressure u (FNO)", prediction),
        (f"|error| (relative L2 {error:.1e})", (prediction - truth).abs()),
    ]
    fig, axes = plt.subplots(1, 4, figsize=(16, 3.6))
    for ax, (title, field) in zip(axes, panels):
        image = ax.imshow(field.T, origin="lower", extent=(0, 1, 0, 1), cmap="viridis")
        fig.colorbar(image, ax=ax, shrink=0.8)
        ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


if __name__ == "__main__":
    main()
