"""The benchmark cases as bare PyTorch loops: the floor a PINN library is measured against.

What a careful hand-written PINN does: a plain ``nn.Sequential``, points built once
before the loop, one forward per condition, derivatives by ``torch.autograd.grad``,
``Adam(lr=1e-3)`` and ``zero_grad/backward/step``. The loss is the sum over conditions
of the mean squared residual, exactly as PINA's ``PINN`` with its default ``MSELoss``.

Usage (prints one JSON line)::

    python benchmarks/bare.py --case poisson_small

The first iteration is warm-up and not timed, like epoch 0 of the Lightning runs.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Callable

import torch
from _specs import CASES, emit, exact_solution, relative_l2, test_points
from torch import nn

Tensor = torch.Tensor


def mlp(n_in: int, layers: tuple[int, ...], n_out: int = 1) -> nn.Sequential:
    """Tanh MLP with the same layout as ``FeedForward(layers=..., func=nn.Tanh)``."""
    mods: list[nn.Module] = []
    width = n_in
    for hidden in layers:
        mods += [nn.Linear(width, hidden), nn.Tanh()]
        width = hidden
    mods.append(nn.Linear(width, n_out))
    return nn.Sequential(*mods)


def sample(n: int, mode: str) -> Tensor:
    """``n`` points in [0, 1] as ``(n,)``: ``grid`` (ends included), ``lh`` or ``random``."""
    if mode == "grid":
        return torch.linspace(0.0, 1.0, n)
    if mode == "lh":
        return (torch.randperm(n) + torch.rand(n)) / n
    return torch.rand(n)


def simpleode_loss(net: nn.Module, spec_n: int, mode: str) -> Callable[[], list[Tensor]]:
    r"""Loss terms of :math:`u' = u` on [0, 1], :math:`u(0) = 1`: ``[D, x0]``."""
    x_d = sample(spec_n, mode).reshape(-1, 1).requires_grad_(True)
    x_0 = torch.zeros(1, 1)

    def losses() -> list[Tensor]:
        u = net(x_d)
        (u_x,) = torch.autograd.grad(u, x_d, torch.ones_like(u), create_graph=True)
        return [((u_x - u) ** 2).mean(), ((net(x_0) - 1.0) ** 2).mean()]

    return losses


def poisson_loss(
    net: nn.Module, n_interior: int, n_side: int, mode: str
) -> Callable[[], list[Tensor]]:
    r"""Loss terms of :math:`\Delta u + 2\pi^2\sin\pi x\sin\pi y = 0`, ``u = 0`` on the sides."""
    if mode == "grid":  # n x n tensor grid, like discretise_domain(n, 'grid')
        gx, gy = torch.meshgrid(sample(n_interior, mode), sample(n_interior, mode), indexing="ij")
        xy = torch.stack([gx.reshape(-1), gy.reshape(-1)], dim=1)
    else:
        xy = torch.rand(n_interior, 2)
    xy.requires_grad_(True)
    force = 2.0 * math.pi**2 * torch.sin(math.pi * xy[:, :1]) * torch.sin(math.pi * xy[:, 1:])
    force = force.detach()
    sides = []
    for fixed_col, value in ((1, 1.0), (1, 0.0), (0, 1.0), (0, 0.0)):  # gamma1..gamma4
        free = sample(n_side, mode)
        side = torch.full((n_side, 2), value)
        side[:, 1 - fixed_col] = free
        sides.append(side)

    def losses() -> list[Tensor]:
        u = net(xy)
        (g,) = torch.autograd.grad(u, xy, torch.ones_like(u), create_graph=True)
        (gx_,) = torch.autograd.grad(g[:, 0].sum(), xy, create_graph=True)
        (gy_,) = torch.autograd.grad(g[:, 1].sum(), xy, create_graph=True)
        lap = gx_[:, :1] + gy_[:, 1:]
        return [(net(side) ** 2).mean() for side in sides] + [((lap + force) ** 2).mean()]

    return losses


def run(case: str, epochs: int, seed: int) -> dict[str, object]:
    """Train ``case`` for ``epochs`` full-batch steps; time steps 1..epochs-1."""
    spec = CASES[case]
    torch.manual_seed(seed)
    if case == "simpleode":
        net = mlp(1, spec.layers)
        losses = simpleode_loss(net, spec.n_interior, spec.mode)
        n_points = {"x0": 1, "D": spec.n_interior}
    else:
        net = mlp(2, spec.layers)
        losses = poisson_loss(net, spec.n_interior, spec.n_side, spec.mode)
        n_interior = spec.n_interior**2 if spec.mode == "grid" else spec.n_interior
        n_points = {f"gamma{i}": spec.n_side for i in range(1, 5)} | {"D": n_interior}
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)

    start = 0.0
    terms: list[Tensor] = []
    for epoch in range(epochs):
        if epoch == 1:
            start = time.perf_counter()
        terms = losses()
        loss = sum(terms)
        opt.zero_grad()
        loss.backward()  # type: ignore[union-attr]
        opt.step()
    seconds = time.perf_counter() - start

    pts = test_points(case)
    with torch.no_grad():
        pred = net(pts)
    return {
        "case": case,
        "settings": "bare",
        "epochs": epochs,
        "timed_epochs": epochs - 1,
        "seconds": seconds,
        # what PINA logs as mean_loss: the mean of the condition losses of the last epoch
        "mean_loss": float(sum(t.detach() for t in terms)) / len(terms),
        "rel_l2": relative_l2(pred, exact_solution(case, pts)),
        "n_points": n_points,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", choices=sorted(CASES), required=True)
    parser.add_argument("--epochs", type=int, default=None, help="default: the case's epochs")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    epochs = CASES[args.case].epochs if args.epochs is None else args.epochs
    if epochs < 2:
        parser.error(f"--epochs={epochs!r} is too small; iteration 0 is warm-up, use at least 2")
    result = run(args.case, epochs, args.seed)
    result.update(
        impl="bare", python=sys.executable, torch=torch.__version__, threads=torch.get_num_threads()
    )
    emit(result)


if __name__ == "__main__":
    main()
