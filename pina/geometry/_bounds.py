"""Domains given as ``{name: [a, b] or value}``: parsing, and the views on the variables."""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence

import torch
from torch import Tensor

from pina._errors import ArgumentValueError
from pina.geometry.location import _check_points
from pina.label_tensor import LabelTensor

#: A variable's bound: a fixed value, or the ends ``(a, b)`` of a range with ``a < b``.
Bound = float | tuple[float, float]

# Absolute and relative tolerance of the equality test on fixed variables in
# ``is_inside`` (a few float32 ulps: points stored in float32 and compared with
# a float64 value still match).
FIXED_TOL = 1e-6


def parse_bounds(spec: object, argument: str) -> dict[str, Bound]:
    """Validate ``argument`` (a mapping name -> ``[a, b]`` or a number), keeping its order.

    Raises:
        TypeError: If ``spec`` is not a mapping, a name is not a str, or a value
            is neither a real number nor a list/tuple of two real numbers.
        ValueError: If a range does not have two entries, is not increasing, or
            a value is not finite.
    """
    if not isinstance(spec, Mapping):
        raise TypeError(
            f"{argument} must be a dict mapping variable names to [a, b] ranges "
            f"or fixed numbers; got {type(spec).__name__}."
        )
    bounds: dict[str, Bound] = {}
    for name, value in spec.items():
        if not isinstance(name, str):
            raise TypeError(f"{argument} keys must be variable names (str); got {name!r}.")
        bounds[name] = _parse_bound(name, value, argument)
    return bounds


def _parse_bound(name: str, value: object, argument: str) -> Bound:
    """Validate one entry ``argument[name]``: a fixed value or an ``[a, b]`` range."""
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        if not math.isfinite(value):
            raise ValueError(f"{argument}[{name!r}]={value!r} must be a finite number.")
        return float(value)
    if isinstance(value, (list, tuple)):
        if len(value) != 2:
            raise ArgumentValueError(
                f"{argument}[{name!r}]={value!r} must be a range [a, b] of two numbers "
                "or a single number."
            )
        if not all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in value):
            raise TypeError(f"{argument}[{name!r}]={value!r}: the range ends must be real numbers.")
        a, b = float(value[0]), float(value[1])
        if not (math.isfinite(a) and math.isfinite(b)):
            raise ValueError(f"{argument}[{name!r}]={value!r} must have finite ends.")
        if not a < b:
            hint = f"; for a fixed value write {name!r}: {a!r}" if a == b else ""
            raise ValueError(f"{argument}[{name!r}]={value!r} needs a < b{hint}.")
        return (a, b)
    raise TypeError(
        f"{argument}[{name!r}] must be a range [a, b] or a single number; "
        f"got {value!r} of type {type(value).__name__}."
    )


def equals_fixed(column: Tensor, value: float) -> Tensor:
    """Which entries of ``column`` equal the fixed ``value``, up to :data:`FIXED_TOL`."""
    return (column - value).abs() <= FIXED_TOL * (1 + abs(value))


class BoundedVariables:
    """The variable views of a domain stored as ``self._bounds`` (see :func:`parse_bounds`).

    Subclasses set :attr:`_edit_hint`, the end of the message raised when a user
    assigns ``variables``.
    """

    _bounds: dict[str, Bound]
    _edit_hint = "build a new domain instead."

    @property
    def variables(self) -> list[str]:
        """All variable names, ranged and fixed, in the order they were given."""
        return list(self._bounds)

    @variables.setter
    def variables(self, names: str | Sequence[str]) -> None:
        raise AttributeError(
            f"{type(self).__name__}.variables follows its ranges and fixed values and cannot "
            f"be assigned; {self._edit_hint}"
        )

    @property
    def range_(self) -> dict[str, list[float]]:
        """The ranged variables, ``{name: [a, b]}`` (a new dict)."""
        return {k: list(v) for k, v in self._bounds.items() if isinstance(v, tuple)}

    @property
    def fixed_(self) -> dict[str, float]:
        """The fixed variables, ``{name: value}`` (a new dict)."""
        return {k: v for k, v in self._bounds.items() if not isinstance(v, tuple)}

    def _spec(self) -> dict[str, float | list[float]]:
        """The bounds as users write them, ``{name: [a, b] or value}`` (for ``repr``)."""
        return {k: list(v) if isinstance(v, tuple) else v for k, v in self._bounds.items()}

    def _inside_fixed(self, points: object) -> tuple[LabelTensor, Tensor]:
        """Check the argument of ``is_inside`` and test its fixed variables.

        Args:
            points: The value given to ``is_inside``.

        Returns:
            ``points`` typed as a ``LabelTensor``, and a bool tensor of shape
            ``points.shape[:-1]``: ``True`` where every fixed variable equals its
            value (see :func:`equals_fixed`).

        Raises:
            TypeError: If ``points`` is not a ``LabelTensor``.
            ValueError: If a variable of the domain is not among its labels.
        """
        checked = _check_points(points, self.variables, "domain variables")
        data, labels = checked.tensor, checked._labels
        inside = torch.ones(data.shape[:-1], dtype=torch.bool, device=data.device)
        for name, value in self.fixed_.items():
            inside &= equals_fixed(data[..., labels.index(name)], value)
        return checked, inside
