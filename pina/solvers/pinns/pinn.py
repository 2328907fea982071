r"""The physics-informed neural network solver."""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor, nn
from torch.optim.lr_scheduler import ConstantLR, LRScheduler

from ...equation.equation_interface import EquationInterface
from ...label_tensor import LabelTensor
from ...problem import AbstractProblem
from .._condition_term import ConditionTerm
from .._validation import build_scheduler
from .basepinn import PINNInterface

__all__ = ["PINN"]


class PINN(PINNInterface):
    r"""Physics-informed neural network (Raissi, Perdikaris and Karniadakis, 2019).

    Finds :math:`u:\Omega \to \mathbb{R}^m` such that

    .. math::
        \mathcal{A}[u](x) = 0 \quad x \in \Omega, \qquad
        \mathcal{B}[u](x) = 0 \quad x \in \partial\Omega,

    by minimising, over the points :math:`x_i` of each condition,

    .. math::
        \mathcal{L} = \sum_{c} w_c \, \frac{1}{N_c} \sum_{i=1}^{N_c}
        \ell\big(\mathcal{A}_c[u](x_i)\big),

    with :math:`\ell` the squared error by default. For an
    :class:`~pina.problem.InverseProblem` the operators also depend on unknown
    parameters :math:`\mu \in \prod_j [a_j, b_j]`, and the loss is minimised
    over the network weights and :math:`\mu` together, :math:`\mu` being
    clamped into its range after each step (see
    :class:`~pina.solvers.solver.SolverInterface`).

    Args:
        problem: The problem.
        model: The network (inputs: the problem's input variables, outputs:
            its output variables).
        extra_features: Modules whose outputs are appended to the inputs.
        loss: The loss (default ``torch.nn.MSELoss()``).
        optimizer: Optimizer class (default ``torch.optim.Adam``).
        optimizer_kwargs: Its keyword arguments (default ``{'lr': 0.001}``).
        scheduler: Learning-rate scheduler class (default ``ConstantLR``).
        scheduler_kwargs: Its keyword arguments (default
            ``{'factor': 1, 'total_iters': 0}``).

    Raises:
        TypeError: For arguments of the wrong type.

    Example:
        >>> pinn = PINN(problem, FeedForward(1, 1, layers=[10, 10]))
        >>> Trainer(pinn, max_epochs=1000).train()
        >>> pinn(points)  # LabelTensor labelled with the output variables
    """

    def __init__(
        self,
        problem: AbstractProblem,
        model: nn.Module,
        extra_features: list[nn.Module] | None = None,
        loss: nn.Module | None = None,
        optimizer: type[torch.optim.Optimizer] = torch.optim.Adam,
        optimizer_kwargs: dict[str, Any] | None = None,
        scheduler: type[LRScheduler] = ConstantLR,
        scheduler_kwargs: dict[str, Any] | None = None,
    ) -> None:
        if optimizer_kwargs is None:
            optimizer_kwargs = {"lr": 0.001}
        super().__init__(
            models=[model],
            problem=problem,
            optimizers=[optimizer],
            optimizers_kwargs=[optimizer_kwargs],
            extra_features=extra_features,
            loss=loss,
        )
        self._scheduler = build_scheduler(
            "scheduler", scheduler, scheduler_kwargs, self.optimizers[0]
        )

    @property
    def neural_net(self) -> nn.Module:
        """The network (wrapped in :class:`~pina.model.network.Network`)."""
        return self.models[0]

    @property
    def scheduler(self) -> LRScheduler:
        """The learning-rate scheduler."""
        return self._scheduler

    def forward(self, x: LabelTensor) -> LabelTensor:
        """Solution at the points ``x``.

        Args:
            x: Points ``(n, *)`` labelled with (at least) the input variables.

        Returns:
            ``LabelTensor`` ``(n, m)`` labelled with the output variables.
        """
        return self.neural_net(x)

    def loss_phys(self, samples: LabelTensor, equation: EquationInterface) -> Tensor:
        """``loss(0, residual)`` at the samples (a new forward pass); see :class:`PINNInterface`."""
        residual = self.compute_residual(samples, equation)
        return self.loss(torch.zeros_like(residual), residual)

    def condition_loss(self, term: ConditionTerm) -> Tensor:
        """``loss(0, residual)`` or ``loss(u(x), y)`` of the term (see :class:`PINNInterface`)."""
        return self.plain_loss(term)

    def configure_optimizers(self) -> tuple[list[torch.optim.Optimizer], list[LRScheduler]]:
        """The optimizer and its scheduler."""
        return self.optimizers, [self.scheduler]
