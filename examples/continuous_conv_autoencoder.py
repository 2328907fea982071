r"""A continuous-convolution autoencoder for fields given at scattered points.

What this example teaches:

* the data layout of ``ContinuousConvBlock``: a batch of fields at unstructured points is
  a tensor ``(batch, fields, points, d + 1)`` whose last column holds the field value and
  the others the coordinates (here ``[x, y, u]``);
* the **continuous convolution**: a small trainable network (the filter) is evaluated at
  the coordinates of the points inside each window of a regular grid of windows, and the
  filter-weighted values are summed, one number per window and output field. No mesh and
  no interpolation: the points can be anywhere;
* its **transpose**, which goes back from numbers per window to values at any points we
  choose, even points the encoder never saw;
* a **custom filter** (the ``model`` argument): a network whose values fade to zero at
  the window edges, so that decoded fields have no jumps where windows end;
* an **autoencoder** built from the two: encoder = convolution, then a ``FeedForward`` to a
  4-number latent code; decoder = ``FeedForward`` back to three values per window, then
  the transposed convolution at the requested points. It is trained to reproduce its
  input by the ``SupervisedSolver`` (input and output are the same fields);
* ``optimize=True``, which caches which points lie in which window: valid here because
  every sample lives on the same point cloud.

**The data.** Each sample is a Gaussian bump on :math:`[0, 1]^2`,

.. math::
    u(x, y) = \exp\!\Big(-\frac{(x - c_x)^2 + (y - c_y)^2}{2\sigma^2}\Big),

with a random centre :math:`(c_x, c_y) \in [0.25, 0.75]^2` and width
:math:`\sigma \in [0.08, 0.15]`, given at 400 scattered points (the same random cloud
for every sample). Three numbers describe a sample, so a 4-number code is enough in
principle; the autoencoder must find such a code itself.

Run it with ``python examples/continuous_conv_autoencoder.py`` (figures and logs in
``examples_output/continuous_conv_autoencoder/``). Full run measured here (300 training
and 100 test fields, 200 epochs, one CPU thread, on a 2-core machine shared with other
jobs): about 110 s (90 s of CPU time); relative L2 reconstruction error of the test fields
4.2e-2 at the 400 points of the cloud, and 8.6e-2 at 2000 points never seen in training
(between the cloud's points the decoder is less constrained).
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
from pina.model.layers import ContinuousConvBlock
from pina.problem import AbstractProblem
from pina.solvers import SupervisedSolver


# ----------------------------------------------------------------------------- the data
def random_bumps(n_samples: int, generator: torch.Generator) -> tuple[Tensor, Tensor]:
    """Centres ``(n_samples, 2)`` in ``[0.25, 0.75]^2`` and widths ``(n_samples,)`` in
    ``[0.08, 0.15]``."""
    centres = 0.25 + 0.5 * torch.rand(n_samples, 2, generator=generator)
    widths = 0.08 + 0.07 * torch.rand(n_samples, generator=generator)
    return centres, widths


def bumps_at(points: Tensor, centres: Tensor, widths: Tensor) -> Tensor:
    """The bumps at ``points`` ``(n_points, 2)``, in the layout of ``ContinuousConvBlock``.

    Returns:
        Shape ``(n_samples, 1, n_points, 3)``: one field per sample, columns ``[x, y, u]``.
    """
    squared_distance = ((points[None] - centres[:, None]) ** 2).sum(-1)  # (samples, points)
    u = torch.exp(-squared_distance / (2 * widths[:, None] ** 2))
    coordinates = points.expand(len(centres), -1, -1)
    return torch.cat([coordinates, u.unsqueeze(-1)], dim=-1).unsqueeze(1)


# ----------------------------------------------------------------------------- the model
WINDOW = 0.2  # window side; windows start every WINDOW / 2 in each direction
DECODER_FIELDS = 3  # values per window given by the decoder network


class TaperedFilter(nn.Module):
    r"""A filter that fades to zero at the edges of its window.

    ``ContinuousConvBlock`` calls its filter at the coordinates of each point relative to
    the window's lower corner, :math:`r \in [0, h)^2` with :math:`h` = ``WINDOW``. A plain
    network is not zero at the window edges, so a field decoded by the transposed
    convolution would jump where a window ends. Here the network's value is multiplied by

    .. math::
        w(r) = \sin^2(\pi r_1 / h)\, \sin^2(\pi r_2 / h),

    which vanishes on the edges. With windows every :math:`h / 2`, the tapers of the
    windows containing a point add up to one (:math:`\sin^2 + \cos^2 = 1` along each
    axis), so the decoder starts as a smooth interpolation between window values.
    """

    def __init__(self) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 16), nn.Tanh(), nn.Linear(16, 1)
        )

    def forward(self, r: Tensor) -> Tensor:
        taper = torch.sin(torch.pi * r / WINDOW).square().prod(dim=-1, keepdim=True)
        return self.net(r / WINDOW) * taper  # (n, 1)


class ContinuousConvAutoencoder(nn.Module):
    """Encode fields at points into ``latent_dim`` numbers; decode them at any points.

    Both convolutions use the same window grid: windows of size 0.2 x 0.2 every 0.1 in
    each direction (10 x 10 = 100 windows; a point lies in 4 of them, fewer within 0.05
    of the boundary), starting at -0.05 so that the windows cover the square
    symmetrically.

    Args:
        latent_dim: Size of the code.
    """

    def __init__(self, latent_dim: int) -> None:
        super().__init__()
        jump, start = WINDOW / 2, -WINDOW / 4
        stride = {"domain": [1, 1], "start": [start] * 2, "jumps": [jump] * 2, "direction": [1, 1]}
        filter_dim = [WINDOW, WINDOW]
        # Encoder: 1 input field -> 2 output fields, one value per window each. `model` is
        # the filter class: one filter is built per (input field, output field) pair.
        self.encoder_conv = ContinuousConvBlock(
            1, 2, filter_dim, stride, model=TaperedFilter, optimize=True
        )
        n_windows = self.encoder_conv.stride.shape[0]  # the window corners, (100, 2)
        self.encoder_net = FeedForward(2 * n_windows, latent_dim, layers=[64], func=nn.GELU)
        # Decoder: code -> DECODER_FIELDS values per window -> (transposed convolution) one
        # field at the points. Each of the DECODER_FIELDS filters is a shape the decoder
        # places in every window, scaled by that window's value: with a single shape the
        # decoded fields are smooth interpolations between window values and miss narrow
        # bumps; three shapes per window make a much richer basis.
        self.decoder_net = FeedForward(
            latent_dim, DECODER_FIELDS * n_windows, layers=[128, 128], func=nn.GELU
        )
        self.decoder_conv = ContinuousConvBlock(
            DECODER_FIELDS, 1, filter_dim, stride, model=TaperedFilter, optimize=True
        )
        self.n_windows = n_windows

    def encode(self, fields: Tensor) -> Tensor:
        """``(batch, 1, n_points, 3)`` fields -> ``(batch, latent_dim)`` codes."""
        per_window = self.encoder_conv(fields)[..., -1]  # (batch, 2, n_windows): value column
        return self.encoder_net(per_window.flatten(1))

    def decode(self, code: Tensor, points: Tensor) -> Tensor:
        """Codes ``(batch, latent_dim)`` -> values ``(batch, 1, n, 1)`` at ``points``.

        ``points`` has shape ``(batch, 1, n, 3)``; its last (value) column is ignored.
        """
        per_window = self.decoder_net(code).reshape(-1, DECODER_FIELDS, self.n_windows)
        return self.decoder_conv.transpose(per_window, points)[..., -1:]

    def forward(self, fields: Tensor) -> Tensor:
        """Reconstruct the fields at their own points: ``(batch, 1, n_points, 1)``."""
        return self.decode(self.encode(fields), fields)


def autoencoder_problem(fields: LabelTensor) -> AbstractProblem:
    """A supervised problem whose target is its input: ``[x, y, u]`` at points -> ``u``."""

    class Reconstruction(AbstractProblem):
        input_variables = ["x", "y", "u"]
        output_variables = ["u"]
        conditions = {"fields": Condition(input_points=fields, output_points=fields.extract(["u"]))}

    return Reconstruction()


# ----------------------------------------------------------------------------- the script
def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = example_parser(
        "Continuous-convolution autoencoder.",
        "continuous_conv_autoencoder",
        epochs=200,
        saves="the figures and logs",
        epochs_type=int,
    )
    parser.add_argument("--train", type=int, default=300, help="training fields (300)")
    parser.add_argument("--test", type=int, default=100, help="test fields (100)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> float:
    args = parse_args(argv)
    out: Path = args.output_dir
    out.mkdir(parents=True, exist_ok=True)
    seed_everything(0, verbose=False)
    started = time.perf_counter()

    # 1. One cloud of 400 scattered points; training and test fields on it.
    generator = torch.Generator().manual_seed(0)
    cloud = torch.rand(400, 2, generator=generator)
    train_bumps = random_bumps(args.train, generator)
    test_bumps = random_bumps(args.test, generator)
    train = LabelTensor(bumps_at(cloud, *train_bumps), ["x", "y", "u"])
    test = LabelTensor(bumps_at(cloud, *test_bumps), ["x", "y", "u"])

    # 2. Model, problem, solver: reproduce the input fields, mini-batches of 20 samples.
    model = ContinuousConvAutoencoder(latent_dim=4)
    solver = SupervisedSolver(
        autoencoder_problem(train),
        model,
        optimizer_kwargs={"lr": 3e-3},
        scheduler=torch.optim.lr_scheduler.CosineAnnealingLR,
        scheduler_kwargs={"T_max": max(1, args.epochs)},
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
    print(f"Trained {args.epochs} epochs in {time.perf_counter() - train_start:.1f} s")

    # 3. Test: reconstruct the test fields at the cloud's points, then decode the same
    #    codes at 2000 new points (the transposed convolution evaluates anywhere).
    model.eval()  # no cached windows in eval mode: any points may be given
    with torch.no_grad():
        reconstruction = solver(test).extract(["u"]).tensor
        errors = relative_l2_per_sample(reconstruction, test.extract(["u"]).tensor)
        new_cloud = torch.rand(2000, 2, generator=generator)
        exact_new = bumps_at(new_cloud, *test_bumps)  # the same test bumps, new points
        decoded_new = model.decode(model.encode(test.tensor), exact_new)
        errors_new = relative_l2_per_sample(decoded_new, exact_new[..., -1:])
    print(f"relative L2 error at 2000 new points: {float(errors_new.mean()):.3e}")
    plot_reconstruction(test.tensor[0, 0], reconstruction[0, 0, :, 0], out / "reconstruction.png")
    print(f"Figures saved in {out}/; total time {time.perf_counter() - started:.1f} s")
    print(f"relative L2 error: {float(errors.mean()):.3e}")
    return float(errors.mean())


def plot_reconstruction(sample: Tensor, reconstruction: Tensor, path: Path) -> None:
    """A test field and its reconstruction at the cloud's points, and the difference."""
    x, y, u = sample[:, 0], sample[:, 1], sample[:, 2]
    panels = [("field", u), ("reconstruction", reconstruction), ("difference", reconstruction - u)]
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
    for ax, (title, values) in zip(axes, panels):
        image = ax.tricontourf(x, y, values, levels=30)
        ax.plot(x, y, "k.", markersize=1)
        fig.colorbar(image, ax=ax, shrink=0.8)
        ax.set_title(title)
        ax.set_aspect("equal")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


if __name__ == "__main__":
    main()
