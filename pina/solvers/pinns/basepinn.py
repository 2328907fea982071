r"""The base of the physics-informed solvers: the training step shared by every PINN."""

from __future__ import annotations

from abc import ABCMeta, abstractmethod
from collections.abc import Mapping, Sequence
from typing import Any

import torch
from torch import Tensor, nn

from ...equation.equation_interface import EquationInterface
from ...label_tensor import LabelTensor
from ...problem import AbstractProblem, InverseProblem
from .._epoch_losses import EpochLosses
from .._validation import loss_module
from ..solver import SolverInterface, data_loss

__all__ = ["PINNInterface"]


class PINNInterface(SolverInterface, metaclass=ABCMeta):
    r"""Base class of the physics-informed solvers.

    Each training step evaluates, for every condition :math:`c` in the batch,

    * a physics condition (an ``equation`` on a ``location`` or on given
      ``input_points``): :math:`\mathcal{L}_c = \ell(0, \mathcal{A}_c[u](x_c))`,
      the loss of its equation's residual at its points; for an
      :class:`~pina.problem.InverseProblem`, :math:`\mathcal{A}_c` may depend
      on the unknown parameters :math:`\mu`, given to equations of three
      arguments as ``params_`` (name -> tensor of shape ``(1,)``);
    * a data condition (``input_points`` + ``output_points``):
      :math:`\mathcal{L}_c = \ell(u(x_c), y_c)`, on the output columns of
      :math:`y_c`;

    and minimises :math:`\sum_c w_c \mathcal{L}_c` with :math:`w_c` the
    condition's ``data_weight``, in one optimizer step over the model's
    weights (and the unknown parameters of an inverse problem). The model is
    evaluated once per step on the points of all conditions together (the
    models of PINNs act on each point independently); :meth:`compute_residual`
    and :meth:`loss_data` reuse those outputs, and derivatives are taken with
    respect to each condition's own points.

    Logged metrics, once per epoch (progress bar, ``trainer.logged_metrics``
    and the logger): ``<condition>_loss`` (unweighted mean over the epoch's
    steps) for every condition, and ``mean_loss``, the mean of those. Losses
    stay on the device during the epoch (no host synchronisation per step).
    A non-finite epoch loss stops training with a ``FloatingPointError``
    naming the condition and the epoch.

    Args:
        models: See :class:`~pina.solvers.solver.SolverInterface`.
        problem: See :class:`~pina.solvers.solver.SolverInterface`.
        optimizers: See :class:`~pina.solvers.solver.SolverInterface`.
        optimizers_kwargs: See :class:`~pina.solvers.solver.SolverInterface`.
        extra_features: See :class:`~pina.solvers.solver.SolverInterface`.
        loss: The loss :math:`\ell` (default ``torch.nn.MSELoss()``).

    Raises:
        TypeError: If ``loss`` is not a torch loss module.
        ValueError: If an equation takes ``params_`` in a problem that is not
            an ``InverseProblem``, or a data condition's ``output_points``
            has labels that are not output variables.
    """

    #: Conditions with at most this many points in a step share one forward pass.
    shared_forward_rows: int = 1024

    def __init__(
        self,
        models: nn.Module | Sequence[nn.Module],
        problem: AbstractProblem,
        optimizers: Any,
        optimizers_kwargs: Any,
        extra_features: Sequence[Any] | None = None,
        loss: nn.Module | None = None,
    ) -> None:
        super().__init__(models, problem, optimizers, optimizers_kwargs, extra_features)
        self._loss = loss_module(loss, nn.MSELoss, "torch.nn.MSELoss()")
        # params_ of three-argument equations: the unknown parameters, name -> (1,) tensor.
        self._params: Mapping[str, Tensor] | None = (
            dict(self._pina_unknown_parameters.items())
            if isinstance(problem, InverseProblem)
            else None
        )
        self._epoch_losses = EpochLosses.of(problem)
        for name, condition in problem.conditions.items():
            equation = condition.equation
            if equation is not None and not isinstance(equation, EquationInterface):
                raise TypeError(
                    f"condition {name!r} has an equation of type {type(equation).__name__}."
                )
            if equation is not None and equation.takes_params and self._params is None:
                raise ValueError(
                    f"The equation of condition {name!r} takes params_ (three arguments) but "
                    f"{type(problem).__name__} is not an InverseProblem with unknown parameters."
                )
            outputs = condition.output_points
            if outputs is not None and not set(outputs.labels) <= set(problem.output_variables):
                raise ValueError(
                    f"condition {name!r} has output_points labelled {outputs.labels!r}, but "
                    f"the output variables of {type(problem).__name__} are "
                    f"{problem.output_variables!r}; label the data with output variables."
                )
        self._outputs_of_step: dict[int, LabelTensor] = {}
        self._current_condition: str | None = None

    @property
    def loss(self) -> nn.Module:
        r"""The loss :math:`\ell` applied to residuals and data."""
        return self._loss

    @property
    def current_condition_name(self) -> str | None:
        """Name of the condition whose loss is being computed (inside the training step)."""
        return self._current_condition

    # ------------------------------------------------------------ loss terms
    @abstractmethod
    def loss_phys(self, samples: LabelTensor, equation: EquationInterface) -> Tensor:
        """Loss of a physics condition at its points.

        Args:
            samples: Points ``(n, k)`` labelled with the input variables,
                requiring gradients.
            equation: The condition's equation.

        Returns:
            A scalar tensor.
        """

    def loss_data(self, input_tensor: LabelTensor, output_tensor: LabelTensor) -> Tensor:
        """Loss of a data condition: ``loss(model(input), output)``.

        Args:
            input_tensor: Inputs ``(n, k)``.
            output_tensor: Expected outputs ``(n, j)``, labelled with output variables.

        Returns:
            A scalar tensor.
        """
        return data_loss(self.loss, self._output_at(input_tensor), output_tensor)

    def compute_residual(self, samples: LabelTensor, equation: EquationInterface) -> Tensor:
        """Residual of ``equation`` for the model at ``samples``.

        Args:
            samples: Points ``(n, k)`` requiring gradients.
            equation: The equation.

        Returns:
            The residual ``(n, r)``.
        """
        residual = equation.residual(samples, self._output_at(samples), self._params)
        return residual.as_subclass(Tensor) if isinstance(residual, LabelTensor) else residual

    def _output_at(self, points: LabelTensor) -> LabelTensor:
        """The model output at ``points``: this step's shared forward pass, or a new one."""
        output = self._outputs_of_step.get(id(points))
        return output if output is not None else self.forward(points)

    # --------------------------------------------------------- training step
    def training_step(self, batch: dict[str, Any], batch_idx: int) -> Tensor:
        """Weighted sum of the condition losses of the batch (see the class doc)."""
        names, losses = self._condition_losses(batch)
        return self._epoch_losses.step_total(self, losses, names, batch, batch_idx)

    def _condition_losses(self, batch: dict[str, Any]) -> tuple[list[str], list[Tensor]]:
        """The loss of each condition of the batch (:meth:`loss_phys` or :meth:`loss_data`).

        Solvers with manual optimization call this from their own training step.

        Returns:
            The names of the conditions with points in the batch, and their
            scalar losses (scaled for multi-process training).
        """
        conditions = self.problem.conditions
        names: list[str] = []
        points: list[LabelTensor] = []
        for name, (inputs, _, _) in batch.items():
            if inputs.shape[0] == 0:
                continue
            names.append(name)
            if conditions[name].equation is not None:
                inputs = inputs.detach().requires_grad_()
            points.append(inputs)
        self._evaluate_together(points)
        losses: list[Tensor] = []
        try:
            for name, pts in zip(names, points):
                self._current_condition = name
                _, outputs, scale = batch[name]
                equation = conditions[name].equation
                if equation is not None:
                    value = self.loss_phys(pts, equation)
                else:
                    value = self.loss_data(pts, outputs)
                if scale != 1.0:
                    value = value * scale
                losses.append(value)
        finally:
            self._outputs_of_step.clear()
            self._current_condition = None
        return names, losses

    def _evaluate_together(self, points: list[LabelTensor]) -> None:
        """Evaluate the model on the step's points and remember each condition's output.

        Conditions with at most :attr:`shared_forward_rows` points in the step share
        one forward pass (for small conditions the cost of a pass is mostly per-call
        overhead); a larger condition gets its own pass, so that its derivatives do
        not run through the rows of the others.
        """
        small = [p for p in points if p.shape[0] <= self.shared_forward_rows]
        for pts in points:
            if len(small) < 2 or pts.shape[0] > self.shared_forward_rows:
                self._outputs_of_step[id(pts)] = self.forward(pts)
        if len(small) < 2:
            return
        joined = LabelTensor._from(torch.cat([p.tensor for p in small], dim=0), small[0]._labels)
        output = self.forward(joined)
        plain, labels = output.tensor, output._labels
        start = 0
        for pts in small:
            n = pts.shape[0]
            self._outputs_of_step[id(pts)] = LabelTensor._from(plain.narrow(0, start, n), labels)
            start += n
