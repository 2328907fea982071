r"""One condition's evaluation in a step: its points, its model output, its residual."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import torch
from torch import Tensor, nn

from ..condition import Condition
from ..data.batch import Batch
from ..equation.equation_interface import EquationInterface
from ..label_tensor import LabelTensor


class ConditionTerm:
    r"""A condition of the step, evaluated once and read by every loss that needs it.

    Attributes:
        name: The condition's name.
        condition: The :class:`~pina.condition.Condition`.
        points: ``LabelTensor`` ``(b, k)`` labelled with the input variables;
            it requires gradients for a physics condition (derivatives are
            taken with respect to it).
        target: ``LabelTensor`` ``(b, ..., m)`` of a data condition, else ``None``.
        indices: ``LongTensor`` ``(b,)``: rows of the points in the condition's
            full point set (for per-point state).
        scale: The multi-process factor of the condition's mean loss (1.0 on
            one process; see :class:`~pina.data.batch.ConditionBatch`).
        output: ``LabelTensor`` ``(b, ..., m)``: the model at ``points``,
            labelled with the output variables (possibly rows of a forward
            pass shared with other conditions).
    """

    __slots__ = (
        "name",
        "condition",
        "points",
        "target",
        "indices",
        "scale",
        "output",
        "_params",
        "_residual",
    )

    def __init__(
        self,
        name: str,
        condition: Condition,
        points: LabelTensor,
        target: LabelTensor | None,
        indices: Tensor,
        scale: float,
        output: LabelTensor,
        params: Mapping[str, Tensor] | None = None,
    ) -> None:
        self.name = name
        self.condition = condition
        self.points = points
        self.target = target
        self.indices = indices
        self.scale = scale
        self.output = output
        self._params = params
        self._residual: Tensor | None = None

    @property
    def equation(self) -> EquationInterface | None:
        """The condition's equation (``None`` for a data condition)."""
        return self.condition.equation

    @property
    def is_physics(self) -> bool:
        """Whether the condition has an equation."""
        return self.condition.equation is not None

    @property
    def residual(self) -> Tensor:
        r"""The equation's residual :math:`\mathcal{A}_c[u](x)` ``(b, q)`` (computed once).

        Raises:
            ValueError: For a data condition.
        """
        if self._residual is None:
            equation = self.condition.equation
            if equation is None:
                raise ValueError(f"condition {self.name!r} is a data condition: no residual.")
            value = equation.residual(self.points, self.output, self._params)
            self._residual = value.as_subclass(Tensor) if isinstance(value, LabelTensor) else value
        return self._residual


def mixes_rows(model: nn.Module) -> bool:
    """Whether ``model`` has a layer whose output row depends on other rows (batch norm)."""
    return any(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in model.modules())


def evaluate_terms(
    batch: Batch,
    conditions: Mapping[str, Condition],
    forward: Callable[[LabelTensor], LabelTensor],
    shared_rows: int,
    params: Mapping[str, Tensor] | None = None,
) -> list[ConditionTerm]:
    """Evaluate the model on every condition of the batch with points on this process.

    Conditions with at most ``shared_rows`` points share one forward pass (for
    small conditions a pass costs mostly per-call overhead); a larger one gets
    its own, so that its derivatives do not run through the other rows.
    ``shared_rows=0`` gives every condition its own pass.

    Args:
        batch: The step's batch.
        conditions: The problem's conditions.
        forward: The solver's forward (points -> output labelled with the
            output variables).
        shared_rows: Largest condition (rows in the step) that shares a pass.
        params: The unknown parameters given to three-argument equations.

    Returns:
        One term per condition with points, in the batch's order.
    """
    names: list[str] = []
    points: list[LabelTensor] = []
    for name, part in batch.items():
        if part.input.shape[0] == 0:
            continue
        pts = part.input
        if conditions[name].equation is not None:
            if torch.is_inference(pts):  # loaded inside Lightning's inference mode
                pts = pts.clone()
            pts = pts.detach().requires_grad_()
        names.append(name)
        points.append(pts)
    small = [i for i, p in enumerate(points) if p.shape[0] <= shared_rows]
    outputs: list[LabelTensor | None] = [None] * len(points)
    for i, pts in enumerate(points):
        if len(small) < 2 or i not in small:
            outputs[i] = forward(pts)
    if len(small) >= 2:
        joined = LabelTensor._from(
            torch.cat([points[i].tensor for i in small], dim=0), points[small[0]]._labels
        )
        output = forward(joined)
        plain, labels = output.tensor, output._labels
        start = 0
        for i in small:
            n = points[i].shape[0]
            outputs[i] = LabelTensor._from(plain.narrow(0, start, n), labels)
            start += n
    terms: list[ConditionTerm] = []
    for i, (name, pts) in enumerate(zip(names, points)):
        out = outputs[i]
        assert out is not None
        part = batch[name]
        terms.append(
            ConditionTerm(
                name, conditions[name], pts, part.target, part.indices, part.scale, out, params
            )
        )
    return terms
