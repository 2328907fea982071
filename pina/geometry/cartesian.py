r"""Axis-aligned boxes, with some coordinates possibly fixed: :class:`CartesianDomain`."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import torch

from pina.geometry._bounds import BoundedVariables, parse_bounds
from pina.geometry._sampling import generator_device
from pina.geometry.location import (
    Location,
    _check_generator,
    _check_mode,
    _check_n_points,
    _points_argument,
    _resolve_variables,
)
from pina.label_tensor import LabelTensor
from pina.utils import chebyshev_roots, torch_lhs

__all__ = ["CartesianDomain"]

_MODES = ("random", "lh", "latin", "grid", "chebyshev")


class CartesianDomain(BoundedVariables, Location):
    r"""A box :math:`\prod_i [a_i, b_i]`, where some coordinates may be fixed.

    Each variable either spans a closed interval ``[a, b]`` (``a < b``) or is
    fixed to one value: ``{'x': [0, 1], 'y': 0.5}`` is the segment
    :math:`[0, 1] \times \{0.5\}`. Fixed variables are how boundaries are
    written: ``{'x': 0, 'y': [0, 1]}`` is the left side of the unit square.

    Args:
        cartesian_dict: Mapping from variable name to either a pair
            ``[a, b]`` (list or tuple of two finite reals, ``a < b``) or one
            finite real (a fixed value). The insertion order of the mapping is
            the order of :attr:`variables` and of the sampled columns.

    Raises:
        TypeError: If ``cartesian_dict`` is not a mapping, a name is not a str,
            or a value is neither a real number nor a list/tuple.
        ValueError: If a range does not have two entries, is not increasing,
            or a value is not finite.

    Example:
        >>> domain = CartesianDomain({'x': [0, 1], 'y': 0.5})
        >>> domain.variables
        ['x', 'y']
        >>> domain.sample(4, 'grid').labels
        ['x', 'y']
    """

    _edit_hint = "use update(CartesianDomain({...})) to add or change variables."

    def __init__(self, cartesian_dict: Mapping[str, float | Sequence[float]]) -> None:
        self._bounds = parse_bounds(cartesian_dict, "cartesian_dict")

    # ----------------------------------------------------------- description
    def update(self, new_domain: CartesianDomain) -> None:
        """Add the variables of ``new_domain`` to this domain, in place.

        A variable already present takes the range or value of ``new_domain``
        and keeps its position; new variables are appended in their order.

        Args:
            new_domain: The domain whose variables are added.

        Raises:
            TypeError: If ``new_domain`` is not a ``CartesianDomain``.

        Example:
            >>> domain = CartesianDomain({'x': [0, 1]})
            >>> domain.update(CartesianDomain({'t': [0, 2], 'x': 0}))
            >>> domain
            CartesianDomain({'x': 0.0, 't': [0.0, 2.0]})
        """
        if not isinstance(new_domain, CartesianDomain):
            raise TypeError(
                f"new_domain must be a CartesianDomain; got {type(new_domain).__name__}."
            )
        self._bounds.update(new_domain._bounds)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._spec()!r})"

    def _measure(self) -> float:
        """Volume of the box over its ranged variables (1 for a point): weights set operations."""
        return math.prod(b - a for a, b in self.range_.values())

    # --------------------------------------------------------------- sampling
    def sample(
        self,
        n: int,
        mode: str = "random",
        variables: str | Sequence[str] = "all",
        generator: torch.Generator | None = None,
    ) -> LabelTensor:
        r"""Sample points of the domain.

        Ranged variables are sampled according to ``mode``; fixed variables
        give constant columns.

        * ``'random'``: ``n`` points, uniform in the box (all ranged variables
          jointly).
        * ``'lh'`` / ``'latin'``: ``n`` points forming a Latin hypercube over
          the ranged variables: each of the ``n`` equal slices of every range
          holds exactly one point (see :func:`pina.utils.torch_lhs`).
        * ``'grid'``: ``n`` equispaced values per ranged variable, both
          endpoints included (``torch.linspace(a, b, n)``; ``n = 1`` gives
          ``a``).
        * ``'chebyshev'``: the ``n`` Chebyshev roots
          :math:`\cos\frac{(2j+1)\pi}{2n}` mapped affinely from :math:`[-1, 1]`
          onto ``[a, b]``, increasing (endpoints excluded).

        ``'grid'`` and ``'chebyshev'`` then take the tensor product of the
        per-variable values: with ``k`` ranged variables there are ``n**k``
        points, the first variable varying fastest (as
        ``LabelTensor.append(mode='cross')``). If no ranged variable is sampled
        (a fixed-only domain, or ``variables`` naming only fixed ones), every
        mode returns ``n`` identical rows, the point itself.

        Args:
            n: Number of points (per variable for ``'grid'`` and
                ``'chebyshev'``), a positive int.
            mode: One of ``'random'``, ``'lh'``, ``'latin'``, ``'grid'``,
                ``'chebyshev'``.
            variables: ``'all'``, one variable name or a list of names; only
                those are sampled.
            generator: Optional ``torch.Generator`` (``'random'`` and ``'lh'``
                use it); ``None`` uses torch's global generator. Points are
                created on the generator's device (CPU by default).

        Returns:
            A ``LabelTensor`` of the default dtype and shape
            ``(n_points, len(sampled))``, labelled with the sampled variable
            names in the order of :attr:`variables` (whatever order
            ``variables`` lists them in).

        Raises:
            TypeError: If ``n`` is not an int, ``mode`` is not a str,
                ``variables`` is not a str or a list of str, or ``generator``
                is not a ``torch.Generator``.
            ValueError: If ``n < 1``, ``mode`` is unknown, or ``variables``
                names a variable that the domain does not have (or none).

        Example:
            >>> CartesianDomain({'x': [0, 1], 'y': [0, 1]}).sample(2, 'grid').tolist()
            [[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]
        """
        n = _check_n_points(n)
        mode = _check_mode(mode, _MODES)
        generator = _check_generator(generator)
        names = _resolve_variables(variables, self.variables)
        device = generator_device(generator)
        dtype = torch.get_default_dtype()

        ranged = [name for name in names if isinstance(self._bounds[name], tuple)]
        bounds = torch.tensor([self._bounds[name] for name in ranged], dtype=torch.float64).reshape(
            -1, 2
        )
        lower = bounds[:, 0].to(device=device, dtype=dtype)
        upper = bounds[:, 1].to(device=device, dtype=dtype)
        k = len(ranged)

        if k == 0:
            values = torch.empty(n, 0, dtype=dtype, device=device)
        elif mode == "random":
            unit = torch.rand(n, k, generator=generator, dtype=dtype, device=device)
            values = _to_box(unit, lower, upper)
        elif mode in ("lh", "latin"):
            unit = torch_lhs(n, k, generator=generator).to(device=device, dtype=dtype)
            values = _to_box(unit, lower, upper)
        else:
            if mode == "grid":
                axes = [
                    torch.linspace(a, b, n, dtype=dtype, device=device)
                    for a, b in zip(lower.tolist(), upper.tolist())
                ]
            else:  # chebyshev
                unit = (chebyshev_roots(n).to(device=device, dtype=dtype) + 1) / 2
                axes = list(_to_box(unit[:, None], lower, upper).T)
            values = _tensor_product(axes)

        columns = []
        ranged_columns = iter(values.unbind(-1))
        for name in names:
            bound = self._bounds[name]
            if isinstance(bound, tuple):
                columns.append(next(ranged_columns))
            else:
                columns.append(torch.full((values.shape[0],), bound, dtype=dtype, device=device))
        return LabelTensor(torch.stack(columns, dim=-1), names)

    # ------------------------------------------------------------- membership
    def is_inside(
        self,
        point: LabelTensor | None = None,
        check_border: bool = False,
        *,
        points: LabelTensor | None = None,
    ) -> torch.Tensor:
        """Tell, for every row of ``point``, whether it lies in the domain.

        A ranged variable must lie in ``(a, b)`` (``check_border=False``) or
        ``[a, b]`` (``check_border=True``); a fixed variable must equal its
        value within an absolute and relative tolerance of ``1e-6`` (so the
        points sampled on a face, stored in float32, are recognised), whatever
        ``check_border`` is.

        Args:
            point: A ``LabelTensor`` of shape ``(n, k)`` whose labels include
                every variable of the domain; other columns are ignored.
            check_border: Whether points on the border of a range count as
                inside.
            points: Another name for ``point``, keyword only.

        Returns:
            A bool tensor of shape ``(n,)`` (``point.shape[:-1]`` in general).

        Raises:
            TypeError: If ``point`` is not a ``LabelTensor``, or both or neither
                of ``point`` and ``points`` are given.
            ValueError: If a variable of the domain is not among its labels.
        """
        points = _points_argument(point, points, self)
        points, inside = self._inside_fixed(points)
        data, labels = points.tensor, points._labels
        for name, (a, b) in self.range_.items():
            column = data[..., labels.index(name)]
            if check_border:
                inside &= (column >= a) & (column <= b)
            else:
                inside &= (column > a) & (column < b)
        return inside


def _to_box(unit: torch.Tensor, lower: torch.Tensor, upper: torch.Tensor) -> torch.Tensor:
    """Map points of ``[0, 1]^k`` (shape ``(m, k)``) onto the box, never leaving it."""
    return torch.clamp(lower + (upper - lower) * unit, min=lower, max=upper)


def _tensor_product(axes: list[torch.Tensor]) -> torch.Tensor:
    """All combinations of the 1-D ``axes`` as rows, the first axis varying fastest.

    Args:
        axes: ``k`` tensors of shape ``(n_i,)``.

    Returns:
        A tensor of shape ``(n_1 * ... * n_k, k)``.
    """
    # meshgrid with 'ij' indexing makes its last argument vary fastest.
    grids = torch.meshgrid(*reversed(axes), indexing="ij")
    return torch.stack([g.reshape(-1) for g in reversed(grids)], dim=-1)
