"""Case sizes, test points and exact solutions shared by every benchmark script.

Plain torch only (no pina import), so the bare loops, the PINA-API cases and the
driver all read the same numbers and the same accuracy check.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

import torch

#: Marker key that starts every result line, so the driver can find it among
#: progress-bar and log output.
RESULT_KEY = "pina_bench"


@dataclass(frozen=True)
class CaseSpec:
    """One benchmark problem: its sizes and how its speed is reported.

    Attributes:
        name: Command-line name of the case.
        title: Short human-readable name for the table.
        epochs: Training epochs of a full run (epoch 0 is warm-up, not timed).
        quick_epochs: Epochs of a ``--quick`` smoke run.
        unit: ``"epochs/s"`` (higher is better) or ``"s/epoch"`` (lower is better).
        layers: Hidden layer widths of the tanh ``FeedForward`` network.
        n_interior: Interior points argument of ``discretise_domain``.
        n_side: Points per boundary condition (``x0`` for the ODE, each side for Poisson).
        mode: Sampling mode of the interior (and of the sides for Poisson).
    """

    name: str
    title: str
    epochs: int
    quick_epochs: int
    unit: str
    layers: tuple[int, ...]
    n_interior: int
    n_side: int
    mode: str


CASES: dict[str, CaseSpec] = {
    spec.name: spec
    for spec in (
        CaseSpec("simpleode", "SimpleODE", 1000, 100, "epochs/s", (10, 10), 20, 1, "lh"),
        CaseSpec(
            "poisson_small", "Poisson 2-D small", 1000, 100, "epochs/s", (10, 10), 25, 25, "grid"
        ),
        CaseSpec(
            "poisson_large",
            "Poisson 2-D large",
            200,
            10,
            "s/epoch",
            (64, 64, 64, 64),
            10_000,
            100,
            "random",
        ),
    )
}


def test_points(case: str) -> torch.Tensor:
    """Return the points where the relative L2 error is measured.

    Args:
        case: Case name, a key of :data:`CASES`.

    Returns:
        ``(101, 1)`` points on [0, 1] (columns ``['x']``) for the ODE, a
        ``(51*51, 2)`` grid on [0, 1]^2 (columns ``['x', 'y']``) for Poisson.
    """
    if case == "simpleode":
        return torch.linspace(0.0, 1.0, 101).reshape(-1, 1)
    line = torch.linspace(0.0, 1.0, 51)
    gx, gy = torch.meshgrid(line, line, indexing="ij")
    return torch.stack([gx.reshape(-1), gy.reshape(-1)], dim=1)


def exact_solution(case: str, pts: torch.Tensor) -> torch.Tensor:
    r"""Exact solution at ``pts`` (from :func:`test_points`), shape ``(n, 1)``.

    SimpleODE: :math:`u = e^x`. Poisson: :math:`u = \sin(\pi x)\sin(\pi y)`.
    """
    if case == "simpleode":
        return torch.exp(pts[:, :1])
    return torch.sin(math.pi * pts[:, :1]) * torch.sin(math.pi * pts[:, 1:2])


def relative_l2(pred: torch.Tensor, exact: torch.Tensor) -> float:
    """Relative L2 error ``||pred - exact|| / ||exact||`` of two ``(n, 1)`` tensors."""
    pred = pred.detach().reshape(-1).double()
    exact = exact.detach().reshape(-1).double()
    return float(torch.linalg.norm(pred - exact) / torch.linalg.norm(exact))


def emit(result: dict[str, object]) -> None:
    """Print one result as a single JSON line, after a newline (progress bars end without one)."""
    print("\n" + json.dumps({RESULT_KEY: 1, **result}), flush=True)
