r"""The difference of geometries: :class:`Difference`."""

from __future__ import annotations

import torch

from pina.geometry._measure import measure
from pina.geometry.location import _points_argument
from pina.geometry.operation_interface import OperationInterface
from pina.label_tensor import LabelTensor

__all__ = ["Difference"]


class Difference(OperationInterface):
    r"""The first geometry minus all the others: :math:`A_1 \setminus (A_2 \cup \dots \cup A_k)`.

    **Sampling.** Uniform points of the first geometry are kept if no other
    geometry contains them: a uniform point of :math:`A_1` conditioned on a
    subset is uniform on that subset. The acceptance rate is :math:`|A_1
    \setminus \bigcup_{i>1} A_i| / |A_1|`.

    Args:
        geometries: Two or more geometries with the same variables; the first
            one is the set the others are removed from.

    Example:
        >>> square = CartesianDomain({'x': [-1, 1], 'y': [-1, 1]})
        >>> hole = EllipsoidDomain({'x': [-0.5, 0.5], 'y': [-0.5, 0.5]})
        >>> Difference([square, hole]).sample(1000).shape
        torch.Size([1000, 2])
    """

    def is_inside(
        self,
        point: LabelTensor | None = None,
        check_border: bool = False,
        *,
        points: LabelTensor | None = None,
    ) -> torch.Tensor:
        r"""Tell, for every row of ``point``, whether it lies in the first geometry only.

        * ``check_border=True`` (closure of the result): :math:`x \in \bar A_1`
          and :math:`x` in the interior of no other member (the border of a
          hole belongs to the closed result);
        * ``check_border=False`` (interior): :math:`x \in A_1^\circ` and
          :math:`x` in the closure of no other member.

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
        first = self._memberships(points, check_border, range(1))[0]
        others = self._memberships(points, not check_border, range(1, len(self._geometries)))
        return first & ~others.any(dim=0)

    def _proposal_weights(self) -> list[float]:
        return [1.0] + [0.0] * (len(self._geometries) - 1)

    def _proposal_mass(self, weights: list[float]) -> float:
        return measure(self._geometries[0], "geometries[0]")

    def _accept(
        self, candidates: LabelTensor, inside: torch.Tensor, source: torch.Tensor
    ) -> torch.Tensor:
        return ~inside[1:].any(dim=0)
