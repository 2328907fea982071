"""Shared fixtures: the SimpleODE problem of the reference Trainer tutorial and helpers around it.

The problem is ``u' = u`` on ``[0, 1]`` with ``u(0) = 1`` (solution ``exp(x)``), with the
conditions ``x0`` (``FixedValue(1)`` at ``x = 0``) and ``D`` (the ODE on ``[0, 1]``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pytest
import torch
from _problems import SimpleODE
from pytorch_lightning.callbacks import Callback
from torch import Tensor, nn

from pina import Condition, LabelTensor
from pina.model import FeedForward
from pina.solvers import PINN


@pytest.fixture
def simple_ode_class() -> type[SimpleODE]:
    """The SimpleODE problem class (unsampled), e.g. to subclass with more conditions."""
    return SimpleODE


@pytest.fixture
def make_problem() -> Callable[..., SimpleODE]:
    """Factory of freshly sampled SimpleODE problems.

    ``make_problem(n_x0=1, n_d=20, mode='lh', seed=0)`` samples ``x0`` with one random
    point (always ``x = 0``) and ``D`` with ``n_d`` points, as the tutorial does.
    """

    def make(n_x0: int = 1, n_d: int = 20, mode: str = "lh", seed: int = 0) -> SimpleODE:
        torch.manual_seed(seed)
        problem = SimpleODE()
        problem.discretise_domain(n_x0, "random", locations=["x0"])
        problem.discretise_domain(n_d, mode, locations=["D"])
        return problem

    return make


@pytest.fixture
def make_problem_with_data(
    simple_ode_class: type[SimpleODE],
) -> Callable[..., tuple[SimpleODE, Tensor]]:
    """Factory of SimpleODE problems with a data condition ``data`` (``u`` given at ``x``).

    ``make_problem_with_data(output=None, data_weight=1.0, x=None)`` returns
    ``(problem, x)``: ``x`` defaults to the points 0.25, 0.5, 0.75 (shape ``(3, 1)``),
    ``output`` to ``exp(x)``; ``x0`` and ``D`` are sampled as ``make_problem(seed=0)`` does.
    """

    def make(
        output: Tensor | None = None, data_weight: float = 1.0, x: Tensor | None = None
    ) -> tuple[SimpleODE, Tensor]:
        if x is None:
            x = torch.tensor([[0.25], [0.5], [0.75]])
        values = torch.exp(x) if output is None else output

        class WithData(simple_ode_class):  # type: ignore[valid-type, misc]
            conditions = {
                **simple_ode_class.conditions,
                "data": Condition(
                    input_points=LabelTensor(x, ["x"]),
                    output_points=LabelTensor(values, ["u"]),
                    data_weight=data_weight,
                ),
            }

        torch.manual_seed(0)
        problem = WithData()
        problem.discretise_domain(1, "random", locations=["x0"])
        problem.discretise_domain(20, "lh", locations=["D"])
        return problem, x

    return make


@pytest.fixture
def make_model() -> Callable[..., FeedForward]:
    """Factory of the tutorial's network (layers=[10, 10], tanh), seeded."""

    def make(seed: int = 0, output_dimensions: int = 1) -> FeedForward:
        torch.manual_seed(seed)
        return FeedForward(
            layers=[10, 10],
            func=torch.nn.Tanh,
            output_dimensions=output_dimensions,
            input_dimensions=1,
        )

    return make


@pytest.fixture
def make_pinn(
    make_problem: Callable[..., SimpleODE], make_model: Callable[..., FeedForward]
) -> Callable[..., PINN]:
    """Factory of PINNs on a fresh SimpleODE: ``make_pinn(seed=0, problem=None, **pinn_kwargs)``."""

    def make(seed: int = 0, problem: SimpleODE | None = None, **kwargs: Any) -> PINN:
        if problem is None:
            problem = make_problem(seed=seed)
        return PINN(problem, make_model(seed=seed), **kwargs)

    return make


@pytest.fixture
def trainer_kwargs(tmp_path) -> dict[str, Any]:
    """Quiet Trainer settings writing only under ``tmp_path``."""
    return {
        "accelerator": "cpu",
        "default_root_dir": str(tmp_path),
        "enable_model_summary": False,
        "enable_progress_bar": False,
    }


def _ode_losses(model: nn.Module, points: SimpleODE | Mapping[str, Tensor]) -> dict[str, Tensor]:
    """By-hand losses of ``model`` at a problem's points, or at ``{'x0': ..., 'D': ...}``
    (either may be missing: only the conditions given are computed)."""
    if isinstance(points, SimpleODE):
        points = {name: pts.tensor for name, pts in points.input_pts.items()}
    dtype = next(model.parameters()).dtype
    losses = {}
    if "x0" in points:
        u0 = model(points["x0"].detach().to(dtype).reshape(-1, 1))
        losses["x0"] = ((u0 - 1.0) ** 2).mean()
    if "D" in points:
        x = points["D"].detach().to(dtype).reshape(-1, 1).requires_grad_()
        u = model(x)
        (u_x,) = torch.autograd.grad(u.sum(), x, create_graph=True)
        losses["D"] = ((u_x - u) ** 2).mean()
    return losses


@pytest.fixture
def ode_losses() -> Callable[[nn.Module, Any], dict[str, Tensor]]:
    """By-hand SimpleODE losses of a plain network: ``{'x0': mean (u(0)-1)^2, 'D': mean (u'-u)^2}``
    at a problem's points or at given points ``{'x0': (n, 1), 'D': (m, 1)}``.

    Written with plain torch (no pina): the reference the logged losses are checked against.
    """
    return _ode_losses


@pytest.fixture
def parameters_of() -> Callable[[nn.Module], list[Tensor]]:
    """Detached copies of a module's parameters."""

    def copy(module: nn.Module) -> list[Tensor]:
        return [p.detach().clone() for p in module.parameters()]

    return copy


class _HandLosses(Callback):
    """At each epoch start, the by-hand losses of the current weights; at each epoch end, a
    copy of ``trainer.logged_metrics`` (what the tutorial's naive tracker reads)."""

    def __init__(self) -> None:
        self.expected: list[dict[str, float]] = []
        self.logged: list[dict[str, Tensor]] = []

    def on_train_epoch_start(self, trainer, pl_module) -> None:
        with torch.enable_grad():
            losses = _ode_losses(pl_module.neural_net.torchmodel, pl_module.problem)
        self.expected.append({f"{k}_loss": float(v.detach()) for k, v in losses.items()})

    def on_train_epoch_end(self, trainer, pl_module) -> None:
        self.logged.append({k: v.clone() for k, v in trainer.logged_metrics.items()})


@pytest.fixture
def hand_losses() -> _HandLosses:
    """A callback keeping, per epoch, the by-hand losses of the weights the epoch starts from
    (``.expected``, keys ``x0_loss``/``D_loss``) and the logged metrics at its end (``.logged``)."""
    return _HandLosses()
