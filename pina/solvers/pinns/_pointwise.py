r"""Point-by-point losses and per-point weights, shared by the weighted PINN variants.

* :func:`pointwise_loss` and :func:`per_point`: the loss of each point, such
  that reducing them gives the solver's loss of the whole condition.
* :func:`plain_value`: a loss with the value of the plain PINN loss and the
  gradient of a variant's objective (what the variants return, so that the
  logged ``<condition>_loss`` is PINN's loss whatever the variant).
* :class:`PointWeights`: one weight per point of every condition, saved in the
  solver's ``state_dict`` and resized on load; batches index it with their
  points' row indices.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from typing import Any

import torch
from torch import Tensor, nn

from ...problem import AbstractProblem

_REDUCTIONS = ("mean", "sum")


def pointwise_loss(loss: nn.Module, solver: str) -> tuple[nn.Module, str]:
    """A copy of ``loss`` with ``reduction='none'``, and the reduction of ``loss``.

    Args:
        loss: A loss module with a ``reduction`` attribute of ``'mean'`` or ``'sum'``
            (``torch.nn.MSELoss``, ``torch.nn.L1Loss``, :class:`~pina.loss.LpLoss`, ...).
        solver: Name of the solver, for the error message.

    Returns:
        ``(loss_none, reduction)``.

    Raises:
        ValueError: If ``loss`` has no ``reduction`` of ``'mean'`` or ``'sum'``.
    """
    reduction = getattr(loss, "reduction", None)
    if not isinstance(reduction, str) or reduction not in _REDUCTIONS:
        raise ValueError(
            f"{solver} needs the loss of each point, so loss must have reduction in "
            f"{list(_REDUCTIONS)}; got {loss!r} with reduction={reduction!r}."
        )
    copied = copy.deepcopy(loss)
    setattr(copied, "reduction", "none")  # noqa: B010 (an attribute of the module, not a submodule)
    return copied, reduction


def per_point(loss_none: nn.Module, reference: Tensor, values: Tensor, reduction: str) -> Tensor:
    r"""The loss :math:`\ell_i` of each point (row): ``loss(reference, values)`` row by row.

    Reducing the result with ``reduction`` (mean or sum over the points) gives
    ``loss(reference, values)`` of the loss with that reduction.

    Args:
        loss_none: The loss with ``reduction='none'`` (see :func:`pointwise_loss`).
        reference: ``(n, q)`` or ``(n,)``: zeros for a residual, the model output
            for data (the solvers' argument order).
        values: Same shape: the residual, or the data.
        reduction: ``'mean'`` or ``'sum'``, the reduction of the original loss.

    Returns:
        Tensor ``(n,)``.
    """
    n = values.shape[0]
    losses = loss_none(reference.reshape(n, -1), values.reshape(n, -1)).reshape(n, -1)
    return losses.mean(dim=1) if reduction == "mean" else losses.sum(dim=1)


def plain_value(plain: Tensor, objective: Tensor) -> Tensor:
    r"""A scalar with the value of ``plain`` and the gradient of ``objective``.

    :math:`\tilde{\mathcal{L}} = \mathrm{sg}(\mathcal{L}_{\rm plain}) + \mathcal{L}_{\rm obj}
    - \mathrm{sg}(\mathcal{L}_{\rm obj})`, with :math:`\mathrm{sg}` the stop-gradient
    (``detach``): the value is exactly ``plain`` (NaN if ``objective`` is), the gradient
    that of ``objective``.
    """
    return plain.detach() + (objective - objective.detach())


class PointWeights(nn.Module):
    r"""One weight :math:`\lambda_i` per training point of every condition.

    Condition ``c``'s weights are a tensor ``(n_c, 1)`` (row ``i`` weights the
    condition's point ``i``), registered as a parameter (``trainable=True``) or
    a buffer, under the condition's name: they move with the solver and are
    saved in its ``state_dict`` (so in checkpoints). Loading a state dict
    resizes them to the saved shapes first, so a solver built on a problem
    with other point counts (or none yet) restores them.

    Args:
        problem: The problem; ``problem.input_pts`` gives each condition's count
            (0 for a condition without points yet).
        init: ``init(n)`` gives the initial weights ``(n, 1)``.
        trainable: Parameters (trained by an optimizer) or buffers.

    Raises:
        ValueError: If a condition name contains ``'.'`` (torch refuses it as a
            parameter name).
    """

    def __init__(
        self, problem: AbstractProblem, init: Callable[[int], Tensor], trainable: bool
    ) -> None:
        super().__init__()
        self._init = init
        self._trainable = trainable
        self.names = list(problem.conditions)
        for name in self.names:
            if "." in name or not name:
                raise ValueError(
                    f"condition name {name!r} cannot name a weight tensor (torch forbids '.' "
                    "and empty names); rename the condition."
                )
            points = problem.input_pts.get(name)
            value = init(0 if points is None else points.shape[0])
            if trainable:
                self.register_parameter(name, nn.Parameter(value))
            else:
                self.register_buffer(name, value)

    def __getitem__(self, name: str) -> Tensor:
        value = getattr(self, name)
        assert isinstance(value, Tensor)
        return value

    def match_points(
        self, problem: AbstractProblem, optimizers: Sequence[torch.optim.Optimizer] = ()
    ) -> None:
        """Re-initialise the weights of the conditions whose point count changed.

        Called when fitting and each epoch start (points may have been sampled
        or resampled since). A trainable weight keeps its ``Parameter``
        object, so optimizers still hold it; its state in ``optimizers``
        (e.g. Adam's moments, shaped like the old weights) is dropped.
        """
        for name in self.names:
            points = problem.input_pts.get(name)
            n = 0 if points is None else points.shape[0]
            current = self[name]
            if current.shape[0] != n:
                current.data = self._init(n).to(device=current.device, dtype=current.dtype)
                for optimizer in optimizers:
                    optimizer.state.pop(current, None)

    def _load_from_state_dict(
        self,
        state_dict: dict[str, Any],
        prefix: str,
        *args: Any,
        **kwargs: Any,
    ) -> None:
        for name in self.names:
            saved = state_dict.get(prefix + name)
            current = self[name]
            if isinstance(saved, Tensor) and saved.shape != current.shape:
                current.data = current.new_empty(saved.shape)
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)
