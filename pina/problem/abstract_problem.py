"""The base of every problem: variables, conditions and their points."""

from __future__ import annotations

import inspect
from typing import Any

from .._errors import ArgumentTypeError, ArgumentValueError
from ..condition import Condition
from ..geometry import CartesianDomain, Location
from ..label_tensor import LabelTensor
from ..utils import merge_tensors

__all__ = ["AbstractProblem"]

_MODES = ("chebyshev", "grid", "latin", "lh", "random")


class AbstractProblem:
    """A differential or data-driven problem.

    Subclasses set the class attributes ``output_variables`` (list of str) and
    ``conditions`` (dict name -> :class:`~pina.condition.Condition`), plus the
    domain of their kind (``spatial_domain``, ``temporal_domain``,
    ``parameter_domain``, ``unknown_parameter_domain``). Kinds combine by
    multiple inheritance. Optionally they define ``truth_solution(self, pts)``.

    Each instance keeps its own points: ``input_pts`` maps a condition name to
    the ``LabelTensor`` of its points. Conditions given with ``input_points``
    have them from the start; conditions on a location get them from
    :meth:`discretise_domain`.

    A class may leave ``output_variables`` and ``conditions`` (or any other
    attribute) to its subclasses: nothing is checked when a class is defined,
    only when it is instantiated.

    Raises:
        TypeError: At instantiation, if ``output_variables`` or ``conditions``
            is missing (on the class and its bases) or of the wrong type.
        ValueError: At instantiation, if the input variables come from the
            conditions' ``input_points`` (see :attr:`input_variables`) and
            the conditions' labels differ.
    """

    output_variables: list[str]
    conditions: dict[str, Condition]

    def __init__(self) -> None:
        self._validate_definition()
        self.input_pts: dict[str, LabelTensor] = {}
        self._have_sampled_points: dict[str, bool] = {}
        for name, condition in self.conditions.items():
            if condition.input_points is not None:
                self.input_pts[name] = condition.input_points
                self._have_sampled_points[name] = True
            else:
                self._have_sampled_points[name] = False

    def _validate_definition(self) -> None:
        """Check the class attributes every problem needs (run by ``__init__``)."""
        owner = type(self).__name__
        outputs = getattr(self, "output_variables", None)
        conditions = getattr(self, "conditions", None)
        prefix = ""
        if outputs is None and conditions is None:
            prefix = (
                f"{owner} defines neither output_variables nor conditions, so it can only be "
                "a base class of problems that define them: "
            )
        elif outputs is None:
            prefix = f"{owner} defines conditions but no output_variables: "
        elif conditions is None:
            prefix = f"{owner} defines output_variables but no conditions: "
        _check_definition(owner, outputs, conditions, prefix)
        if inspect.getattr_static(type(self), "input_variables") is _INPUT_VARIABLES:
            _ = self.input_variables  # labels of data-only problems: conflicts raise now

    # -------------------------------------------------------------- variables
    @property
    def input_variables(self) -> list[str]:
        """The input variables, the labels of the points the model is given.

        Spatial, then temporal, then parameter variables, then
        ``custom_variables``. A problem that has none of these and whose
        conditions all have ``input_points`` (a data-only problem, e.g.
        ``Condition(input_points=..., output_points=...)`` only) takes the
        labels of the first condition's ``input_points``, in their order; the
        other conditions must have the same labels, in any order.

        A subclass may override it with a plain class attribute.

        Raises:
            ValueError: If the input variables come from ``input_points`` and
                two conditions have different labels.
        """
        variables: list[str] = []
        for attribute in (
            "spatial_variables",
            "temporal_variable",
            "parameters",
            "custom_variables",
        ):
            value = getattr(self, attribute, None)
            if value:
                variables += list(value)
        if variables:
            return variables
        return _labels_of_input_points(type(self).__name__, getattr(self, "conditions", None))

    @property
    def domain(self) -> Location:
        """The domain of the problem's variables.

        The union of the kind domains (spatial, temporal, parameters) as one new
        :class:`~pina.geometry.CartesianDomain`, variables in that order; a
        problem with a single kind domain that is not a ``CartesianDomain``
        (e.g. an ``EllipsoidDomain``) gets that domain itself.

        Raises:
            AttributeError: If the problem defines no domain.
            TypeError: If several kind domains are given and one is not a
                ``CartesianDomain``.
        """
        parts = [
            (attribute, getattr(self, attribute))
            for attribute in ("spatial_domain", "temporal_domain", "parameter_domain")
            if getattr(self, attribute, None) is not None
        ]
        if not parts:
            raise AttributeError(f"{type(self).__name__} defines no domain.")
        if len(parts) == 1 and not isinstance(parts[0][1], CartesianDomain):
            return parts[0][1]
        domain = CartesianDomain({})
        for attribute, part in parts:
            if not isinstance(part, CartesianDomain):
                raise TypeError(
                    f"{type(self).__name__}.{attribute} must be a CartesianDomain to build "
                    f"the problem domain as a union with the others; got {type(part).__name__}."
                )
            domain.update(part)
        return domain

    # ---------------------------------------------------------------- sampling
    def discretise_domain(
        self,
        n: int,
        mode: str = "random",
        variables: str | list[str] = "all",
        locations: str | list[str] = "all",
    ) -> None:
        """Sample points in the locations of the conditions.

        Sampling only some variables now and others later builds the Cartesian
        product with what was sampled before (the new variables' columns come
        first). Once a condition's points hold every input variable, sampling
        it again replaces them.

        Args:
            n: Number of points (``random``/``lh``), or per variable
                (``grid``/``chebyshev``, which give ``n**k`` points).
            mode: ``'random'``, ``'lh'`` (``'latin'``), ``'grid'`` or ``'chebyshev'``.
            variables: ``'all'`` (the input variables), a variable or a list.
            locations: ``'all'`` (every condition defined on a location), a
                condition name or a list of them.

        Raises:
            TypeError: If ``n`` is not an int.
            ValueError: For a non-positive ``n``, an unknown mode, variable or
                location, or a condition that has no location.
        """
        if isinstance(n, bool) or not isinstance(n, int):
            raise ArgumentTypeError(f"n must be a positive int; got {n!r}.")
        if n < 1:
            raise ValueError(f"n must be a positive int; got {n!r}.")
        if mode not in _MODES:
            raise ArgumentValueError(
                f"mode={mode!r} is not supported; choose one of {list(_MODES)}."
            )
        inputs = self.input_variables
        variable_list = self._names(variables, inputs, "variables")
        if locations == "all":
            location_list = [name for name, c in self.conditions.items() if c.location is not None]
        else:
            location_list = self._names(locations, list(self.conditions), "locations")
            for name in location_list:
                if self.conditions[name].location is None:
                    raise ValueError(
                        f"locations={name!r}: condition {name!r} has no location to sample; "
                        "its points are given by input_points."
                    )
        for name in location_list:
            location = self.conditions[name].location
            assert location is not None
            samples = location.sample(n, mode, variables=variable_list)
            previous = self.input_pts.get(name)
            if previous is not None and not self._have_sampled_points[name]:
                samples = merge_tensors([samples, previous])
            self.input_pts[name] = samples
            self._have_sampled_points[name] = set(inputs) <= set(samples.labels)

    @staticmethod
    def _names(value: Any, valid: list[str], argument: str) -> list[str]:
        if value == "all":
            return list(valid)
        names = [value] if isinstance(value, str) else value
        if not isinstance(names, (list, tuple)) or not all(isinstance(v, str) for v in names):
            raise ArgumentTypeError(
                f"{argument} must be 'all', a str or a list of str; got {value!r}."
            )
        unknown = [v for v in names if v not in valid]
        if unknown:
            raise ValueError(f"{argument}={value!r}: {unknown!r} unknown; choose from {valid!r}.")
        return list(names)

    def add_points(self, new_points: dict[str, LabelTensor]) -> None:
        """Add points to conditions that already have points.

        The points are appended to ``input_pts``; nothing changes if any entry
        is rejected. A :class:`~pina.trainer.Trainer` takes its copy of the
        points when it is created, so create the Trainer after ``add_points``
        to train on the new points (a Trainer created before keeps the old ones).

        Args:
            new_points: Condition name -> ``LabelTensor`` with the same labels
                as the condition's points (in any order).

        Raises:
            ValueError: For an unknown condition, a condition without points,
                a data condition (``input_points`` + ``output_points``: new
                inputs would have no outputs), or different labels.
        """
        stacked: dict[str, LabelTensor] = {}
        for name, points in new_points.items():
            if name not in self.conditions:
                raise ValueError(
                    f"new_points has the condition {name!r}; choose from {list(self.conditions)!r}."
                )
            if self.conditions[name].output_points is not None:
                raise ValueError(
                    f"condition {name!r} is a data condition (input_points + output_points): "
                    "add_points cannot give new inputs their outputs. Define the condition "
                    "with all the data instead, Condition(input_points=..., output_points=...)."
                )
            old = self.input_pts.get(name)
            if old is None:
                raise ValueError(
                    f"condition {name!r} has no points yet; call discretise_domain first."
                )
            if not isinstance(points, LabelTensor) or set(points.labels) != set(old.labels):
                labels = getattr(points, "labels", None)
                raise ValueError(
                    f"new_points[{name!r}] must be a LabelTensor with labels {old.labels!r}; "
                    f"got labels {labels!r}."
                )
            stacked[name] = LabelTensor.vstack([old, points])
        self.input_pts.update(stacked)

    @property
    def have_sampled_points(self) -> bool:
        """Whether every condition has points covering all input variables."""
        return all(self._have_sampled_points.values())

    @property
    def not_sampled_points(self) -> list[str]:
        """Names of the conditions whose points are missing or incomplete (empty if none)."""
        return [name for name, done in self._have_sampled_points.items() if not done]


_INPUT_VARIABLES = AbstractProblem.__dict__["input_variables"]


def _labels_of_input_points(owner: str, conditions: object) -> list[str]:
    """The labels of the conditions' ``input_points`` when they all have some, else ``[]``."""
    if not isinstance(conditions, dict) or not conditions:
        return []
    points: dict[str, list[str]] = {}
    for name, condition in conditions.items():
        given = getattr(condition, "input_points", None)
        if given is None:
            return []
        points[name] = list(given.labels)
    (first, labels), *others = points.items()
    for name, other in others:
        if set(other) != set(labels):
            raise ValueError(
                f"{owner} has no domain and no input_variables, so its input variables are "
                f"the labels of its conditions' input_points; but condition {first!r} has "
                f"{labels!r} and condition {name!r} has {other!r}. Give every "
                f"condition's input_points the same labels (in any order), or set "
                f"input_variables = [...] in {owner}."
            )
    return labels


def _check_definition(owner: str, outputs: object, conditions: object, prefix: str = "") -> None:
    """Check ``output_variables`` (list of str) and ``conditions`` (dict name -> Condition)."""
    if not isinstance(outputs, list) or not all(isinstance(v, str) for v in outputs):
        raise TypeError(
            f"{prefix}{owner}.output_variables must be a list of str, e.g. ['u']; got {outputs!r}."
        )
    if not isinstance(conditions, dict) or not all(
        isinstance(k, str) and isinstance(c, Condition) for k, c in conditions.items()
    ):
        raise TypeError(
            f"{prefix}{owner}.conditions must be a dict of name -> Condition; got {conditions!r}."
        )
