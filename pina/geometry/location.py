r"""The abstract base of every geometry: :class:`Location`.

A location is a set :math:`\Omega \subset \mathbb{R}^d` whose axes are named by
*variables* (``'x'``, ``'y'``, ``'t'``, ...). Conditions use it to draw
collocation points (:meth:`Location.sample`) and set operations
(union, intersection, ...) combine locations through membership tests
(:meth:`Location.is_inside`).
"""

from __future__ import annotations

import numbers
from abc import ABC, abstractmethod
from collections.abc import Sequence

import torch

from pina._errors import ArgumentTypeError, UnsupportedValueError
from pina.label_tensor import LabelTensor

__all__ = ["Location"]


class Location(ABC):
    r"""Abstract geometry: a set of points with named coordinates.

    Subclass it to define a new domain. A subclass must implement
    :meth:`sample` and :meth:`is_inside`, and should set :attr:`variables`
    (assign it in ``__init__`` or override the property). The contract every
    geometry keeps (and that set operations such as ``Union`` and
    ``Intersection``, problems and solvers rely on):

    * Points are ``LabelTensor`` of shape ``(n, d)`` whose labels are variable
      names; columns are found by label, never by position.
    * :meth:`sample` returns points labelled with the sampled variables, each
      one inside the location (``is_inside(points, check_border=True)`` is
      ``True`` for every row; surface samplers return points on the border).
    * :meth:`is_inside` is vectorised: it answers for every row at once with a
      ``(n,)`` bool tensor, and ignores columns whose labels are not variables
      of the location.
    * Randomness comes from an optional ``torch.Generator`` (``None`` means
      torch's global generator, so ``seed_everything`` reproduces runs); no
      global state is changed.

    Example:
        A unit disk, sampled by vectorised rejection::

            class Disk(Location):
                def __init__(self):
                    self.variables = ['x', 'y']

                def sample(self, n, mode='random', variables='all', generator=None):
                    pts = torch.empty(0, 2)
                    while len(pts) < n:
                        cand = 2 * torch.rand(2 * n, 2, generator=generator) - 1
                        pts = torch.cat([pts, cand[cand.pow(2).sum(1) <= 1]])
                    return LabelTensor(pts[:n], ['x', 'y'])

                def is_inside(self, point, check_border=False):
                    r2 = point.extract(['x', 'y']).tensor.pow(2).sum(-1)
                    return r2 <= 1 if check_border else r2 < 1
    """

    @property
    def variables(self) -> list[str]:
        """The names of the coordinates of the location, in their defined order.

        Problems read it to build their input variables. A subclass either
        assigns it (``self.variables = ['x', 'y']``) or overrides the property.

        Raises:
            AttributeError: If the subclass neither assigned nor overrode it (as
                for any missing attribute, so ``hasattr`` answers ``False``).
        """
        names: list[str] | None = getattr(self, "_variables", None)
        if names is None:
            raise AttributeError(
                f"{type(self).__qualname__} does not define `variables`; assign "
                "`self.variables = [...]` or override the `variables` property."
            )
        return list(names)

    @variables.setter
    def variables(self, names: str | Sequence[str]) -> None:
        if isinstance(names, str):
            names = [names]
        if not isinstance(names, (list, tuple)) or not all(isinstance(v, str) for v in names):
            raise TypeError(f"variables must be a str or a list of str; got {names!r}.")
        if len(set(names)) != len(names):
            raise ValueError(f"variables={list(names)!r} must not repeat a name.")
        self._variables = list(names)

    @abstractmethod
    def sample(
        self,
        n: int,
        mode: str = "random",
        variables: str | Sequence[str] = "all",
        generator: torch.Generator | None = None,
    ) -> LabelTensor:
        """Draw points of the location.

        Args:
            n: Number of points, a positive int. Modes that build a tensor
                product (such as ``'grid'``) may return ``n`` points *per
                variable* and so ``n**k`` points in all; each geometry documents
                its count.
            mode: Sampling strategy. Every geometry supports ``'random'``
                (uniform); others may add ``'lh'``/``'latin'`` (Latin
                hypercube), ``'grid'`` and ``'chebyshev'``. An unsupported mode
                raises ``ValueError`` listing the supported ones.
            variables: ``'all'``, one variable name, or a list of them (a subset
                of :attr:`variables`): only those are sampled.
            generator: Optional ``torch.Generator`` for reproducible samples;
                ``None`` uses torch's global generator. Callers pass it by
                keyword, and only when it is not ``None``, so subclasses written
                for PINA 0.1 without this argument keep working.

        Returns:
            A ``LabelTensor`` of shape ``(n_points, len(sampled variables))``,
            labelled with the sampled variable names.
        """

    @abstractmethod
    def is_inside(
        self,
        point: LabelTensor | None = None,
        check_border: bool = False,
        *,
        points: LabelTensor | None = None,
    ) -> torch.Tensor:
        """Tell, for every row of ``point``, whether it lies in the location.

        Pass the points positionally, as ``point=`` or as ``points=`` (the
        same argument; the built-in geometries take both names and resolve
        them with ``_points_argument``). Set operations call their members
        as ``is_inside(points, check_border)``, positionally, so a subclass
        may name the argument as it likes.

        Args:
            point: A ``LabelTensor`` of shape ``(n, k)`` whose labels include
                every variable of the location (extra columns are ignored):
                one point per row.
            check_border: If ``True`` the border counts as inside (the closed
                set); if ``False`` (default) only the interior does.
            points: Another name for ``point``, keyword only.

        Returns:
            A bool tensor of shape ``(n,)``: ``True`` where the row is inside.
        """


def _points_argument(
    point: LabelTensor | None, points: LabelTensor | None, owner: object
) -> LabelTensor:
    """The points given to ``owner.is_inside`` as ``point`` or as ``points``.

    Args:
        point: The value of ``point`` (``None`` when not given).
        points: The value of the keyword alias ``points`` (``None`` when not given).
        owner: The geometry, for messages.

    Returns:
        The one that was given (not checked further).

    Raises:
        TypeError: If both or neither were given.
    """
    if points is None:
        if point is None:
            raise TypeError(
                f"{type(owner).__name__}.is_inside() needs the points to test: pass a "
                "LabelTensor positionally, as point=... or as points=...."
            )
        return point
    if point is not None:
        raise TypeError(
            f"{type(owner).__name__}.is_inside() got both point= and points= (two names of "
            "one argument); pass only one."
        )
    return points


def _check_points(points: object, variables: Sequence[str], kind: str) -> LabelTensor:
    """Check the argument of ``is_inside``: a LabelTensor carrying every variable.

    Args:
        points: The value given to ``is_inside``.
        variables: The variables of the geometry.
        kind: Word naming them in messages (``'domain variables'``, ``'variables'``...).

    Returns:
        ``points``, typed as a ``LabelTensor``.

    Raises:
        TypeError: If ``points`` is not a ``LabelTensor``.
        ValueError: If a variable is not among its labels.
    """
    if not isinstance(points, LabelTensor):
        raise ArgumentTypeError(
            f"points must be a LabelTensor labelled with the {kind} {list(variables)!r}; "
            f"got {type(points).__name__}."
        )
    labels = points._labels
    missing = [name for name in variables if name not in labels]
    if missing:
        raise ValueError(
            f"points has labels {labels!r} but lacks the {kind} {missing!r}; "
            f"it must carry all of {list(variables)!r}."
        )
    return points


def _check_n_points(n: object) -> int:
    """Validate a number of points ``n`` (a positive int) and return it as ``int``."""
    if not isinstance(n, numbers.Integral) or isinstance(n, bool):
        raise TypeError(f"n must be a positive int; got {n!r} of type {type(n).__name__}.")
    if n < 1:
        raise ValueError(f"n must be a positive int; got n={n!r}.")
    return int(n)


def _check_mode(mode: object, supported: Sequence[str]) -> str:
    """Validate a sampling ``mode`` against the ``supported`` ones and return it."""
    choices = sorted(supported)
    if not isinstance(mode, str):
        raise ArgumentTypeError(f"mode must be a str, one of {choices!r}; got {mode!r}.")
    if mode not in supported:
        raise UnsupportedValueError(f"mode={mode!r} is not supported; choose one of {choices!r}.")
    return mode


def _check_generator(generator: object) -> torch.Generator | None:
    """Validate an optional ``torch.Generator``."""
    if generator is not None and not isinstance(generator, torch.Generator):
        raise TypeError(
            f"generator must be a torch.Generator or None; got {type(generator).__name__}."
        )
    return generator


def _resolve_variables(variables: object, available: Sequence[str]) -> list[str]:
    """Turn ``variables`` (``'all'``, a name or a list of names) into a list.

    The result keeps the order of ``available`` (the location's own order),
    whatever order the names were given in.
    """
    if isinstance(variables, str):
        names = list(available) if variables == "all" else [variables]
    elif isinstance(variables, (list, tuple)) and all(isinstance(v, str) for v in variables):
        names = list(variables)
    else:
        raise TypeError(f"variables must be 'all', a str or a list of str; got {variables!r}.")
    if len(names) == 0:
        raise ValueError(
            f"variables={variables!r} selects nothing to sample; the location's "
            f"variables are {list(available)!r}."
        )
    if len(set(names)) != len(names):
        raise ValueError(f"variables={variables!r} must not repeat a name.")
    unknown = [name for name in names if name not in available]
    if unknown:
        raise ValueError(
            f"variables={variables!r}: {unknown!r} not in the location; available "
            f"variables are {list(available)!r}."
        )
    return [name for name in available if name in names]
