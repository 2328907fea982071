r"""The symmetric difference of geometries: :class:`Exclusion`."""

from __future__ import annotations

import torch

from pina.geometry.location import _points_argument
from pina.geometry.operation_interface import OperationInterface
from pina.label_tensor import LabelTensor

__all__ = ["Exclusion"]


class Exclusion(OperationInterface):
    r"""The points in exactly one of the geometries (symmetric difference).

    .. math::
        \{x : \#\{i : x \in A_i\} = 1\},

    for two geometries :math:`A \triangle B = (A \setminus B) \cup (B
    \setminus A)`.

    **Sampling.** Member :math:`i` is proposed with probability
    :math:`|A_i| / \sum_j |A_j|` and a uniform point of it is kept if no other
    member contains it. A point :math:`x` in exactly one member :math:`A_i`
    can only come from that member, with density :math:`(|A_i| / \sum_j
    |A_j|) / |A_i| = 1 / \sum_j |A_j|`, the same everywhere: the kept points
    are uniform in the result.

    Args:
        geometries: Two or more geometries with the same variables.

    Example:
        >>> square = CartesianDomain({'x': [0, 2], 'y': [0, 2]})
        >>> disk = EllipsoidDomain({'x': [1, 3], 'y': [1, 3]})
        >>> Exclusion([square, disk]).sample(1000).shape
        torch.Size([1000, 2])
    """

    def is_inside(
        self,
        point: LabelTensor | None = None,
        check_border: bool = False,
        *,
        points: LabelTensor | None = None,
    ) -> torch.Tensor:
        r"""Tell, for every row of ``point``, whether it lies in exactly one geometry.

        With :math:`\bar A_i` the closure and :math:`A_i^\circ` the interior
        of member :math:`i` (its answers with ``check_border`` ``True`` and
        ``False``):

        * ``check_border=True`` (closure of the result): :math:`x \in \bar
          A_i` and :math:`x \notin A_j^\circ` for all :math:`j \ne i`, for
          some :math:`i`;
        * ``check_border=False`` (interior): :math:`x \in A_i^\circ` and
          :math:`x \notin \bar A_j` for all :math:`j \ne i`, for some
          :math:`i`.

        Away from the borders both are "in exactly one member".

        Args:
            point: A ``LabelTensor`` of shape ``(n, k)`` whose labels include
                every variable; other columns are ignored.
            check_border: Whether the border of the result counts as inside.
            points: Another name for ``point``, keyword only.

        Returns:
            A bool tensor of shape ``(n,)``.

        Raises:
            TypeError: If both or neither of ``point`` and ``points`` are given, or
                they are not a ``LabelTensor``.
            ValueError: If a variable is not among their labels.
        """
        points = _points_argument(point, points, self)
        closed = self._memberships(points, True)
        interior = self._memberships(points, False)
        mine, others = (closed, interior) if check_border else (interior, closed)
        in_others = others.sum(dim=0) - others.to(torch.long)
        return (mine & (in_others == 0)).any(dim=0)

    def _accept(
        self, candidates: LabelTensor, inside: torch.Tensor, source: torch.Tensor
    ) -> torch.Tensor:
        return inside.sum(dim=0) == 1
