"""Conditions: what the solution must satisfy, and where."""

from __future__ import annotations

from typing import Any

from .equation.equation_interface import EquationInterface
from .geometry.location import Location
from .label_tensor import LabelTensor

__all__ = ["Condition"]

_VALID_SETS: tuple[frozenset[str], ...] = (
    frozenset({"location", "equation"}),
    frozenset({"input_points", "equation"}),
    frozenset({"input_points", "output_points"}),
)
_TYPES: dict[str, type] = {
    "location": Location,
    "equation": EquationInterface,
    "input_points": LabelTensor,
    "output_points": LabelTensor,
}


class Condition:
    """A condition of a problem, given by keywords only.

    Exactly one of these keyword sets, plus an optional ``data_weight``:

    * ``location=Location, equation=EquationInterface``: physics on a domain,
      whose points are sampled later with ``problem.discretise_domain``;
    * ``input_points=LabelTensor, equation=EquationInterface``: physics on
      given points;
    * ``input_points=LabelTensor, output_points=LabelTensor``: data, the
      solution must take ``output_points`` at ``input_points``.

    Every attribute exists; the ones not given are ``None``.

    Args:
        **kwargs: One of the keyword sets above.
        data_weight: Factor multiplying this condition's loss (default 1.0).

    Raises:
        ValueError: For positional arguments, an unknown keyword set, or data
            whose input and output row counts differ.
        TypeError: For a keyword of the wrong type.

    Example:
        >>> Condition(location=CartesianDomain({'x': 0.}), equation=FixedValue(1.))
    """

    __slots__ = ("location", "equation", "input_points", "output_points", "data_weight")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if args:
            raise ValueError(
                f"Condition takes keyword arguments only; got {len(args)} positional "
                "argument(s). Write e.g. Condition(location=..., equation=...)."
            )
        data_weight = kwargs.pop("data_weight", 1.0)
        keys = frozenset(kwargs)
        if keys not in _VALID_SETS:
            valid = [sorted(s) for s in _VALID_SETS]
            raise ValueError(
                f"Condition got the keywords {sorted(keys)}; use exactly one of {valid} "
                "(plus an optional data_weight)."
            )
        for key, value in kwargs.items():
            if not isinstance(value, _TYPES[key]):
                raise TypeError(
                    f"Condition {key} must be a {_TYPES[key].__name__}; got {type(value).__name__}."
                )
        if isinstance(data_weight, bool) or not isinstance(data_weight, (int, float)):
            raise TypeError(f"Condition data_weight must be a number; got {data_weight!r}.")
        if "output_points" in kwargs:
            n_in, n_out = kwargs["input_points"].shape[0], kwargs["output_points"].shape[0]
            if n_in != n_out:
                raise ValueError(
                    f"Condition input_points has {n_in} rows but output_points has {n_out}; "
                    "give one output row per input row."
                )
        self.location: Location | None = kwargs.get("location")
        self.equation: EquationInterface | None = kwargs.get("equation")
        self.input_points: LabelTensor | None = kwargs.get("input_points")
        self.output_points: LabelTensor | None = kwargs.get("output_points")
        self.data_weight = float(data_weight)

    def __repr__(self) -> str:
        given = [
            s
            for s in ("location", "equation", "input_points", "output_points")
            if getattr(self, s) is not None
        ]
        return f"Condition({', '.join(given)}, data_weight={self.data_weight})"
