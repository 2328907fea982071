r"""The union of geometries: :class:`Union`."""

from __future__ import annotations

import torch

from pina.geometry.location import _points_argument
from pina.geometry.operation_interface import OperationInterface, _first_member
from pina.label_tensor import LabelTensor

__all__ = ["Union"]


class Union(OperationInterface):
    r"""The union :math:`A_1 \cup \dots \cup A_k = \{x : x \in A_i \text{ for some } i\}`.

    **Sampling.** Member :math:`i` is proposed with probability
    :math:`|A_i| / \sum_j |A_j|` and a uniform point :math:`x` of it is kept
    if :math:`i` is the *first* member containing :math:`x`. Kept points from
    member :math:`i` are uniform on :math:`B_i = A_i \setminus (A_1 \cup
    \dots \cup A_{i-1})`, at a rate proportional to :math:`|A_i| \cdot |B_i| /
    |A_i| = |B_i|`; the :math:`B_i` partition the union, so the points are
    uniform in it and overlaps are not over-sampled. The acceptance rate is
    :math:`|\bigcup_i A_i| / \sum_i |A_i| \ge 1/k`.

    Args:
        geometries: Two or more geometries with the same variables.

    Example:
        >>> square = CartesianDomain({'x': [0, 2], 'y': [0, 2]})
        >>> disk = EllipsoidDomain({'x': [1, 3], 'y': [1, 3]})
        >>> Union([square, disk]).sample(1000).shape
        torch.Size([1000, 2])
    """

    def is_inside(
        self,
        point: LabelTensor | None = None,
        check_border: bool = False,
        *,
        points: LabelTensor | None = None,
    ) -> torch.Tensor:
        """Tell, for every row of ``point``, whether it lies in at least one geometry.

        Args:
            point: A ``LabelTensor`` of shape ``(n, k)`` whose labels include
                every variable; other columns are ignored.
            check_border: Passed to the members: with ``True`` the union of
                their closures, with ``False`` the union of their interiors.
            points: Another name for ``point``, keyword only.

        Returns:
            A bool tensor of shape ``(n,)``.

        Raises:
            TypeError: If both or neither of ``point`` and ``points`` are given, or
                they are not a ``LabelTensor``.
            ValueError: If a variable is not among their labels.
        """
        points = _points_argument(point, points, self)
        return self._memberships(points, check_border).any(dim=0)

    def _accept(
        self, candidates: LabelTensor, inside: torch.Tensor, source: torch.Tensor
    ) -> torch.Tensor:
        return _first_member(inside) == source
