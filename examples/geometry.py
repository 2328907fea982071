r"""Geometries beyond boxes: ellipsoids, simplices, set operations, your own Location, and a
PINN on a domain with a hole.

What this example teaches:

* ``EllipsoidDomain`` (solid or its surface, in 2-D and 3-D) and ``SimplexDomain`` (a
  triangle given by its vertices, solid or its border);
* the set operations ``Union``, ``Intersection``, ``Exclusion`` (points in exactly one
  geometry) and ``Difference`` (the first geometry minus the others), which sample
  uniformly and test membership for many points at once (``is_inside``);
* writing a geometry of your own by subclassing ``Location`` (``sample`` and
  ``is_inside``, vectorised), and combining it with the built-in ones;
* drawing the sampled points with ``Plotter.plot_samples`` (one colour per condition);
* a PINN on a non-rectangular domain: Laplace's equation on the unit disk minus a square,
  with the exact solution :math:`u = e^x \sin y` imposed on the circle and on the square's
  border (a ``Union`` of its four sides), plotted with the outside masked out.

Run it with ``python examples/geometry.py`` (figures in ``examples_output/geometry/``).
Full run measured here (3000 epochs, one CPU thread, on a 2-core machine shared with other
jobs): 32 s of training, 37 s for the whole script; relative L2 error 2.0e-3.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # draw into files, never open a window

import matplotlib.pyplot as plt
import numpy as np
import torch
from _common import example_parser, relative_l2
from pytorch_lightning import seed_everything

from pina import Condition, LabelTensor, Location, Plotter, Trainer
from pina.equation import Equation, FixedValue, Laplace
from pina.geometry import (
    CartesianDomain,
    Difference,
    EllipsoidDomain,
    Exclusion,
    Intersection,
    SimplexDomain,
    Union,
)
from pina.model import FeedForward
from pina.problem import SpatialProblem
from pina.solvers import PINN


# ------------------------------------------------------------------- a geometry of our own
class Star(Location):
    r"""A star-shaped region: :math:`r < R\,(1 + a \cos(k\theta))` around a centre.

    Only two methods are needed. ``sample`` draws uniform points by rejection: candidates are
    drawn uniformly in the bounding box, a whole batch at a time, and those inside are kept
    (no Python loop over points). ``is_inside`` answers for every row at once.
    """

    def __init__(
        self, center: tuple[float, float] = (0.0, 0.0), radius: float = 1.0, bumps: int = 5
    ) -> None:
        self.variables = ["x", "y"]  # the names of the coordinates, in column order
        self.center = torch.tensor(center)
        self.radius = radius
        self.bumps = bumps
        self.amplitude = 0.3

    def _boundary_radius(self, theta: torch.Tensor) -> torch.Tensor:
        return self.radius * (1 + self.amplitude * torch.cos(self.bumps * theta))

    def sample(
        self,
        n: int,
        mode: str = "random",
        variables: str | list[str] = "all",
        generator: torch.Generator | None = None,
    ) -> LabelTensor:
        if mode != "random":
            raise ValueError(f"mode={mode!r} is not supported; choose one of ['random'].")
        half_width = self.radius * (1 + self.amplitude)
        accepted = torch.empty(0, 2)
        while accepted.shape[0] < n:
            candidates = (2 * torch.rand(2 * n, 2, generator=generator) - 1) * half_width
            candidates = candidates + self.center
            inside = self.is_inside(LabelTensor(candidates, ["x", "y"]))
            accepted = torch.cat([accepted, candidates[inside]])
        return LabelTensor(accepted[:n], ["x", "y"])

    def is_inside(self, points: LabelTensor, check_border: bool = False) -> torch.Tensor:
        xy = points.extract(["x", "y"]).tensor - self.center
        r = xy.norm(dim=-1)
        limit = self._boundary_radius(torch.atan2(xy[:, 1], xy[:, 0]))
        return r <= limit if check_border else r < limit


# ---------------------------------------------------------------- drawing sampled points
def plot_locations(
    locations: dict[str, Location],
    n: int,
    filename: Path,
    variables: list[str] | None = None,
    outlines: list[np.ndarray] | None = None,
) -> None:
    """Sample ``n`` points of each location and draw them with ``Plotter.plot_samples``.

    ``plot_samples`` draws the points of a problem's conditions, so we put each location
    in a condition of a throw-away problem (the equation is never used). ``outlines`` are
    ``(m, 2)`` arrays of points drawn as thin grey lines (the operands of set operations).
    """
    names = variables or ["x", "y"]

    class Gallery(SpatialProblem):
        output_variables = ["u"]
        spatial_domain = CartesianDomain({name: [-2, 2] for name in names})
        conditions = {
            name: Condition(location=location, equation=FixedValue(0.0))
            for name, location in locations.items()
        }

    problem = Gallery()
    problem.discretise_domain(n, mode="random")
    fig = Plotter().plot_samples(problem, s=3)
    if len(names) == 2:
        fig.axes[0].set_aspect("equal")
    for line in outlines or []:
        fig.axes[0].plot(line[:, 0], line[:, 1], color="0.5", linewidth=0.8)
    fig.savefig(filename)
    plt.close(fig)


def show_geometries(out: Path) -> None:
    """Sample and draw every kind of geometry."""
    disk = EllipsoidDomain({"x": [-1, 1], "y": [-1, 1]})
    square = CartesianDomain({"x": [0, 1.6], "y": [-0.8, 0.8]})

    # Ellipses: the solid and the curve around it; a sphere surface in 3-D.
    plot_locations(
        {
            "ellipse": EllipsoidDomain({"x": [-1.5, 1.5], "y": [-0.75, 0.75]}),
            "ellipse surface": EllipsoidDomain(
                {"x": [-1.5, 1.5], "y": [-0.75, 0.75]}, sample_surface=True
            ),
        },
        600,
        out / "ellipsoid.png",
    )
    plot_locations(
        {"sphere": EllipsoidDomain({"x": [-1, 1], "y": [-1, 1], "z": [-1, 1]}, True)},
        800,
        out / "sphere_surface.png",
        variables=["x", "y", "z"],
    )

    # A triangle given by its three vertices (LabelTensors of shape (1, 2) with the same
    # labels), and its border.
    vertices = [
        LabelTensor(torch.tensor([v]), ["x", "y"]) for v in ([0.0, 0.0], [1.5, 0.0], [0.5, 1.2])
    ]
    plot_locations(
        {
            "triangle": SimplexDomain(vertices),
            "triangle border": SimplexDomain(vertices, sample_surface=True),
        },
        600,
        out / "simplex.png",
    )

    # Set operations of a disk and a square: each result is itself a Location.
    operations = {
        "union": Union([disk, square]),
        "intersection": Intersection([disk, square]),
        "exclusion": Exclusion([disk, square]),  # in exactly one of them
        "difference": Difference([disk, square]),  # the disk minus the square
    }
    angle = np.linspace(0, 2 * np.pi, 200)
    circle = np.stack([np.cos(angle), np.sin(angle)], axis=1)
    box = np.array([[0, -0.8], [1.6, -0.8], [1.6, 0.8], [0, 0.8], [0, -0.8]])
    print("Set operations of a disk and a square:")
    for name, geometry in operations.items():
        plot_locations({name: geometry}, 1500, out / f"{name}.png", outlines=[circle, box])
        pts = geometry.sample(2000)
        inside = geometry.is_inside(pts, check_border=True)  # one bool per row
        print(f"  {name:>12}: {int(inside.sum())} of {len(pts)} samples inside (all expected)")

    # Our own Location, alone and in a set operation with a built-in geometry.
    star = Star(radius=1.0, bumps=5)
    plot_locations(
        {
            "star": star,
            "star minus disk": Difference(
                [Star(center=(2.5, 0)), EllipsoidDomain({"x": [2.1, 2.9], "y": [-0.4, 0.4]})]
            ),
        },
        1500,
        out / "custom_star.png",
    )
    print(f"Geometry figures saved in {out}/")


# ------------------------------------------------------------ a PINN on a domain with a hole
HOLE = 0.4  # half side of the square hole


def exact(pts: LabelTensor) -> torch.Tensor:
    """The harmonic function exp(x) sin(y)."""
    return torch.exp(pts.extract(["x"])) * torch.sin(pts.extract(["y"]))


def dirichlet(input_: LabelTensor, output_: LabelTensor) -> torch.Tensor:
    """Residual ``u - exp(x) sin(y)`` on the boundary."""
    return output_.extract(["u"]) - exact(input_)


def square_border(half: float) -> Union:
    """The border of the square ``[-half, half]^2``: the union of its four sides."""
    return Union(
        [
            CartesianDomain({"x": -half, "y": [-half, half]}),
            CartesianDomain({"x": half, "y": [-half, half]}),
            CartesianDomain({"x": [-half, half], "y": -half}),
            CartesianDomain({"x": [-half, half], "y": half}),
        ]
    )


class HoledDisk(SpatialProblem):
    """Laplace's equation on the unit disk minus a square, u = exp(x) sin(y) on the border."""

    output_variables = ["u"]
    # The bounding box: it gives the input variables (and ranges for plots).
    spatial_domain = CartesianDomain({"x": [-1, 1], "y": [-1, 1]})
    domain_with_hole = Difference(
        [
            EllipsoidDomain({"x": [-1, 1], "y": [-1, 1]}),
            CartesianDomain({"x": [-HOLE, HOLE], "y": [-HOLE, HOLE]}),
        ]
    )

    conditions = {
        "circle": Condition(
            location=EllipsoidDomain({"x": [-1, 1], "y": [-1, 1]}, sample_surface=True),
            equation=Equation(dirichlet),
        ),
        "hole": Condition(location=square_border(HOLE), equation=Equation(dirichlet)),
        "D": Condition(location=domain_with_hole, equation=Laplace()),
    }

    def truth_solution(self, pts: LabelTensor) -> torch.Tensor:
        return exact(pts)


def plot_on_domain(pinn: PINN, problem: HoledDisk, filename: Path, res: int = 200) -> None:
    """Draw the prediction and the error on a grid, with the points outside the domain masked."""
    grid = problem.spatial_domain.sample(res, mode="grid")  # x varies fastest
    inside = problem.domain_with_hole.is_inside(grid, check_border=True).numpy()
    with torch.no_grad():
        u = pinn(grid).extract(["u"]).tensor.flatten().numpy()
    error = np.abs(u - problem.truth_solution(grid).flatten().numpy())
    X, Y = (grid.extract([v]).tensor.reshape(res, res).numpy() for v in ("x", "y"))
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.2), layout="constrained")
    for ax, values, title in ((axes[0], u, "u prediction"), (axes[1], error, "absolute error")):
        masked = np.ma.masked_where(~inside, values).reshape(res, res)
        fig.colorbar(ax.contourf(X, Y, masked, levels=30), ax=ax)
        ax.set_title(title)
        ax.set_aspect("equal")
        ax.set_xlabel("x")
        ax.set_ylabel("y")
    fig.savefig(filename)
    plt.close(fig)


# ----------------------------------------------------------------------------- the script
def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = example_parser("Geometries, and a PINN on a holed disk.", "geometry", epochs=3000)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> float:
    args = parse_args(argv)
    out: Path = args.output_dir
    out.mkdir(parents=True, exist_ok=True)
    seed_everything(42, verbose=False)

    show_geometries(out)

    problem = HoledDisk()
    problem.discretise_domain(n=800, mode="random", locations=["D"])
    problem.discretise_domain(n=120, mode="random", locations=["circle"])
    problem.discretise_domain(n=80, mode="random", locations=["hole"])
    Plotter().plot_samples(problem, s=4, filename=str(out / "pinn_points.png"))

    model = FeedForward(input_dimensions=2, output_dimensions=1, layers=[20, 20])
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
    plot_on_domain(pinn, problem, out / "pinn_solution.png")

    # Relative L2 error on 20000 fresh uniform points of the domain (with the hole).
    pts = problem.domain_with_hole.sample(20000, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        u = pinn(pts).extract(["u"]).tensor
    error = relative_l2(u, problem.truth_solution(pts))
    print(f"Figures saved in {out}/")
    print(f"relative L2 error: {error:.3e}")
    return error


if __name__ == "__main__":
    main()
