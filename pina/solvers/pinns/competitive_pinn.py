r"""Competitive physics-informed neural network: a model against a discriminator."""

from __future__ import annotations

import copy
from typing import Any

import torch
from torch import Tensor, nn
from torch.optim.lr_scheduler import ConstantLR, LRScheduler

from ...equation.equation_interface import EquationInterface
from ...label_tensor import LabelTensor
from ...problem import AbstractProblem
from .._condition_term import ConditionTerm
from ._minmax import MinMaxPINN
from ._pointwise import plain_value

__all__ = ["CompetitivePINN"]


class CompetitivePINN(MinMaxPINN):
    r"""Competitive PINN (Zeng, Kothari, Bryngelson and Schäfer, ICLR 2022).

    A discriminator :math:`D_\phi` (a network with the model's inputs and one
    output per output variable) bets on where the model :math:`u_\theta` is
    wrong: it scales each point's residual, and the model minimises while the
    discriminator maximises

    .. math::
        G = \sum_c w_c \, \ell\big(0, D_\phi(x_c) \odot r_c\big), \qquad
        \text{e.g. } \ell(0, D \odot r) = \frac{1}{n}\sum_i D(x_i)^2 r_i^2,

    with :math:`r_c` the residual of a physics condition (``(n, q)``; it is
    multiplied column by column by :math:`D`'s ``(n, m)`` output when
    :math:`q = m`, broadcast when :math:`q = 1`) or :math:`u(x_i) - y_i` for
    a data condition (on the data's output columns, whose ``loss(D u, D y)``
    is taken). This is PINA's form of the game, trained by simultaneous
    gradient descent/ascent (see
    :class:`~pina.solvers.pinns._minmax.MinMaxPINN`; ``global_step`` advances
    by 2 per training step), not the bilinear game with competitive gradient
    descent of the paper.

    The logged ``<condition>_loss`` is PINN's :math:`\ell(0, r_c)` (no
    discriminator), so runs compare with PINN's.

    Args:
        problem: The problem.
        model: The network.
        discriminator: The discriminator network (default: a deep copy of
            ``model``, same architecture and initial weights).
        loss: The loss (default ``torch.nn.MSELoss()``).
        optimizer_model: Optimizer class of the model (default Adam; not LBFGS).
        optimizer_model_kwargs: Its keyword arguments (default ``{'lr': 0.001}``).
        optimizer_discriminator: Optimizer class of the discriminator.
        optimizer_discriminator_kwargs: Its keyword arguments (default ``{'lr': 0.001}``).
        scheduler_model: Scheduler class of the model's optimizer (default ConstantLR).
        scheduler_model_kwargs: Its keyword arguments (default
            ``{'factor': 1, 'total_iters': 0}``).
        scheduler_discriminator: Scheduler class of the discriminator's optimizer.
        scheduler_discriminator_kwargs: Its keyword arguments.
        extra_features: ``None``; a list of feature modules, given to the model
            and (deep-copied, so trained separately) to the discriminator; or
            ``[model_features, discriminator_features]``.

    Raises:
        TypeError: For arguments of the wrong type.
        ValueError: For LBFGS.
    """

    def __init__(
        self,
        problem: AbstractProblem,
        model: nn.Module,
        discriminator: nn.Module | None = None,
        loss: nn.Module | None = None,
        optimizer_model: type[torch.optim.Optimizer] = torch.optim.Adam,
        optimizer_model_kwargs: dict[str, Any] | None = None,
        optimizer_discriminator: type[torch.optim.Optimizer] = torch.optim.Adam,
        optimizer_discriminator_kwargs: dict[str, Any] | None = None,
        scheduler_model: type[LRScheduler] = ConstantLR,
        scheduler_model_kwargs: dict[str, Any] | None = None,
        scheduler_discriminator: type[LRScheduler] = ConstantLR,
        scheduler_discriminator_kwargs: dict[str, Any] | None = None,
        extra_features: list[Any] | None = None,
    ) -> None:
        if discriminator is None:
            discriminator = copy.deepcopy(model)
        features: list[Any] | None = None
        if extra_features:
            if isinstance(extra_features, (list, tuple)) and isinstance(
                extra_features[0], (list, tuple)
            ):
                features = list(extra_features)
            else:
                features = [list(extra_features), copy.deepcopy(list(extra_features))]
        super().__init__(
            models=[model, discriminator],
            problem=problem,
            optimizers=[optimizer_model, optimizer_discriminator],
            optimizers_kwargs=[
                {"lr": 0.001} if optimizer_model_kwargs is None else optimizer_model_kwargs,
                {"lr": 0.001}
                if optimizer_discriminator_kwargs is None
                else optimizer_discriminator_kwargs,
            ],
            extra_features=features,
            loss=loss,
        )
        self._set_schedulers(
            ["scheduler_model", "scheduler_discriminator"],
            [scheduler_model, scheduler_discriminator],
            [scheduler_model_kwargs, scheduler_discriminator_kwargs],
        )

    @property
    def neural_net(self) -> nn.Module:
        """The network (wrapped in :class:`~pina.model.network.Network`)."""
        return self.models[0]

    @property
    def discriminator(self) -> nn.Module:
        """The discriminator (wrapped in :class:`~pina.model.network.Network`)."""
        return self.models[1]

    @property
    def optimizer_model(self) -> torch.optim.Optimizer:
        """The model's optimizer (it also holds the unknown parameters of an inverse problem)."""
        return self.optimizers[0]

    @property
    def optimizer_discriminator(self) -> torch.optim.Optimizer:
        """The discriminator's optimizer (gradient ascent)."""
        return self.optimizers[1]

    @property
    def scheduler_model(self) -> LRScheduler:
        """The model's learning-rate scheduler."""
        return self._schedulers[0]

    @property
    def scheduler_discriminator(self) -> LRScheduler:
        """The discriminator's learning-rate scheduler."""
        return self._schedulers[1]

    def forward(self, x: LabelTensor) -> LabelTensor:
        """Solution at the points ``x`` (``(n, *)``), labelled with the output variables."""
        return self.neural_net(x)

    def loss_phys(self, samples: LabelTensor, equation: EquationInterface) -> Tensor:
        """PINN's loss in value, the competitive loss in gradient at ``samples``."""
        return self.condition_loss(self.term_at(samples, equation))

    def condition_loss(self, term: ConditionTerm) -> Tensor:
        """PINN's loss in value, the competitive loss in gradient (see the class doc)."""
        plain = self.plain_loss(term)
        bets = self.discriminator(term.points)
        if term.is_physics:
            residual = term.residual
            rows = residual.reshape(residual.shape[0], -1)
            if rows.shape[1] not in (1, bets.shape[1]):
                raise ValueError(
                    f"The residual of condition {term.name!r} has {rows.shape[1]} columns but "
                    f"the discriminator returns {bets.shape[1]}; CompetitivePINN needs residuals "
                    "of 1 column or one per output variable."
                )
            competitive = bets.tensor * rows
            return plain_value(plain, self.loss(torch.zeros_like(competitive), competitive))
        assert term.target is not None
        prediction = term.output
        if prediction._labels != term.target._labels:
            prediction = prediction.extract(term.target._labels)
            bets = bets.extract(term.target._labels)
        predicted, target, scale = prediction.tensor, term.target.tensor, bets.tensor
        return plain_value(plain, self.loss(scale * predicted, scale * target))
