r"""The window grid of a continuous convolution: parse a ``stride`` dict into filter positions.

A ``stride`` dict ``{'domain': [...], 'start': [...], 'jumps': [...], 'direction': [...]}``
(one entry per spatial dimension :math:`d`) describes a regular grid of filter positions
(lower corners of the windows). Along axis :math:`j` the positions are

.. math::
    p_j^{(k)} = \text{start}_j + \text{direction}_j\, k\, \text{jumps}_j,
    \qquad k = 0, 1, \dots, \lceil \text{domain}_j / \text{jumps}_j \rceil - 1,

(the multiples of the jump below the domain length, as ``torch.arange(0, domain, jumps)``);
an axis with ``jumps = direction = 0`` has the single position :math:`\text{start}_j`. The
grid is the Cartesian product of the axes, in ``torch.meshgrid(..., indexing='ij')`` order
(the last axis varies fastest).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import torch
from torch import Tensor

from pina._errors import ArgumentIndexError, ArgumentTypeError

__all__ = ["Stride"]

_KEYS = ("domain", "start", "jumps", "direction")


@dataclass(frozen=True)
class Stride:
    """A validated ``stride`` dict (see the module doc); build it with :meth:`from_dict`.

    Attributes:
        domain: Length covered along each axis (> 0).
        start: Position of the first window along each axis.
        jumps: Distance between consecutive windows along each axis (> 0, or 0
            for a single window, together with ``direction = 0``).
        direction: ``1`` (windows move forward), ``-1`` (backward) or ``0``
            (single window) per axis.
    """

    domain: tuple[float, ...]
    start: tuple[float, ...]
    jumps: tuple[float, ...]
    direction: tuple[int, ...]

    @classmethod
    def from_dict(cls, stride: object) -> Stride:
        """Validate a ``stride`` dict; the dict itself is not modified.

        Raises:
            TypeError: If ``stride`` is not a dict, or an entry is not a list
                of numbers.
            ValueError: If keys are missing or unknown, the lists differ in
                length or are empty, a domain is not positive, a direction is
                not -1, 0 or 1, a jump is negative, or jumps and directions are
                not zero on the same axes.
        """
        if not isinstance(stride, Mapping):
            raise ArgumentTypeError(
                "stride must be a dict with keys 'domain', 'start', 'jumps', 'direction' (one "
                f"number per spatial dimension each); got {stride!r} of type "
                f"{type(stride).__name__}."
            )
        missing = [k for k in _KEYS if k not in stride]
        unknown = [k for k in stride if k not in _KEYS]
        if missing or unknown:
            raise ValueError(
                f"stride must have exactly the keys {list(_KEYS)}; missing {missing}, "
                f"unknown {unknown!r}."
            )
        values = {key: _numbers(stride[key], key) for key in _KEYS}
        lengths = {key: len(v) for key, v in values.items()}
        if len(set(lengths.values())) != 1 or lengths["domain"] == 0:
            raise ArgumentIndexError(
                "stride entries must all have one value per spatial dimension (same non-zero "
                f"length); got lengths {lengths}."
            )
        domain, start, jumps, direction = (values[k] for k in _KEYS)
        if not all(math.isfinite(v) for vals in values.values() for v in vals):
            raise ValueError(f"stride values must be finite numbers; got {dict(stride)!r}.")
        if not all(v > 0 for v in domain):
            raise ValueError(f"stride['domain']={list(domain)} must be positive on every axis.")
        if not all(v in (-1, 0, 1) for v in direction):
            raise ValueError(
                f"stride['direction']={list(direction)} must hold -1, 0 or 1 on every axis."
            )
        if not all(v >= 0 for v in jumps):
            raise ValueError(
                f"stride['jumps']={list(jumps)} must be non-negative (use 'direction' = -1 to "
                "move backwards)."
            )
        if [j == 0 for j in jumps] != [d == 0 for d in direction]:
            raise ValueError(
                f"stride['jumps']={list(jumps)} and stride['direction']={list(direction)} must "
                "be zero on the same axes (0 and 0 mean a single window along that axis)."
            )
        return cls(
            domain=tuple(domain),
            start=tuple(start),
            jumps=tuple(jumps),
            direction=tuple(int(d) for d in direction),
        )

    @property
    def dimension(self) -> int:
        """Number of spatial dimensions :math:`d`."""
        return len(self.domain)

    def axis_offsets(self) -> list[Tensor]:
        """Offsets of the windows from ``start`` along each axis (float64, 1-D each)."""
        offsets = []
        for domain, jump, direction in zip(self.domain, self.jumps, self.direction):
            if jump == 0:
                offsets.append(torch.zeros(1, dtype=torch.float64))
            else:
                axis = torch.arange(0.0, domain, jump, dtype=torch.float64)
                offsets.append(axis * direction)
        return offsets

    def positions(self) -> Tensor:
        """Lower corners of the windows, float64 of shape ``(S, d)`` (meshgrid 'ij' order)."""
        mesh = torch.meshgrid(*self.axis_offsets(), indexing="ij")
        grid = torch.stack([m.reshape(-1) for m in mesh], dim=-1)
        return grid + torch.tensor(self.start, dtype=torch.float64)

    def overlapping_axes(self, filter_dim: Sequence[float]) -> list[int]:
        """Axes along which neighbouring windows of size ``filter_dim`` overlap.

        Windows are half-open boxes ``[p, p + filter_dim)``, so two neighbours
        along axis ``j`` overlap exactly when there are several windows on that
        axis and ``jumps[j] < filter_dim[j]``.
        """
        return [
            j
            for j, (offsets, jump, size) in enumerate(
                zip(self.axis_offsets(), self.jumps, filter_dim)
            )
            if offsets.numel() > 1 and jump < size
        ]


def _numbers(value: object, key: str) -> list[float]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise TypeError(
            f"stride[{key!r}] must be a list of numbers (one per spatial dimension); got "
            f"{value!r} of type {type(value).__name__}."
        )
    if not all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in value):
        raise TypeError(f"stride[{key!r}]={list(value)!r} must hold only real numbers.")
    return [float(v) for v in value]
