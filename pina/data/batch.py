"""The typed batch a pina data module yields each step."""

from __future__ import annotations

from collections.abc import ItemsView, KeysView, ValuesView
from dataclasses import dataclass
from typing import NamedTuple

from torch import Tensor

from ..label_tensor import LabelTensor

__all__ = ["Batch", "ConditionBatch"]


class ConditionBatch(NamedTuple):
    """One condition's share of a step.

    Attributes:
        input: ``LabelTensor`` ``(b, k)`` (or ``(b, ..., k)`` for fields),
            labelled with the problem's input variables, on the training device.
        target: ``LabelTensor`` ``(b, ..., m)`` of a data condition
            (``output_points``); ``None`` for a physics condition.
        indices: ``LongTensor`` ``(b,)``: the rows of these points in the
            condition's full point set (``problem.input_pts[name]`` or its
            ``input_points``), on the training device. Per-point state (e.g.
            the weights of SAPINN and RBAPINN) is indexed with it.
        scale: ``1.0`` on one process. Under a multi-process strategy,
            ``world_size * local_rows / global_rows``: multiplying the local
            mean loss by it makes the mean over processes equal the mean loss
            over every point of the step.
    """

    input: LabelTensor
    target: LabelTensor | None
    indices: Tensor
    scale: float


@dataclass
class Batch:
    """The conditions of one step: condition name -> :class:`ConditionBatch`.

    Dict-like for reading (``batch[name]``, ``name in batch``, ``items()``,
    ``keys()``, ``values()``, ``len``; in problem order). It is not iterable
    itself (use ``keys()``), so that Lightning, which infers the batch size
    of ``self.log`` from the first tensor of an iterable batch, finds a
    condition's points.
    Only conditions with points in the step on some process appear; a
    condition with no point on this process has an empty ``input`` and scale
    0.0 (solvers skip it). A dataclass, so Lightning's collection utilities
    (batch transfer, precision conversion, the batch size ``self.log`` infers)
    see its tensors.

    Attributes:
        conditions: Condition name -> its share of the step.
        split: ``'train'``, ``'val'`` or ``'test'``.
    """

    conditions: dict[str, ConditionBatch]
    split: str = "train"

    #: Not iterable (``for name in batch`` raises ``TypeError``): use ``keys()``.
    __iter__ = None

    def __getitem__(self, name: str) -> ConditionBatch:
        return self.conditions[name]

    def __contains__(self, name: object) -> bool:
        return name in self.conditions

    def __len__(self) -> int:
        return len(self.conditions)

    def items(self) -> ItemsView[str, ConditionBatch]:
        """``(name, ConditionBatch)`` pairs, in problem order."""
        return self.conditions.items()

    def keys(self) -> KeysView[str]:
        """The condition names, in problem order."""
        return self.conditions.keys()

    def values(self) -> ValuesView[ConditionBatch]:
        """The conditions' shares, in problem order."""
        return self.conditions.values()

    def __repr__(self) -> str:
        sizes = ", ".join(f"{n}: {c.input.shape[0]}" for n, c in self.conditions.items())
        return f"Batch(split={self.split!r}, rows={{{sizes}}})"
