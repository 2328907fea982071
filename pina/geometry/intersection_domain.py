r"""The intersection of geometries: :class:`Intersection`."""

from __future__ import annotations

import torch

from pina.geometry._measure import measure
from pina.geometry.location import _points_argument
from pina.geometry.operation_interface import OperationInterface
from pina.label_tensor import LabelTensor

__all__ = ["Intersection"]


class Intersection(OperationInterface):
    r"""The intersection :math:`A_1 \cap \dots \cap A_k = \{x : x \in A_i \ \forall i\}`.

    **Sampling.** Uniform points of one member :math:`A_j` are kept if they
    lie in every member: the law of a uniform point of :math:`A_j`
    conditioned on a subset :math:`S \subset A_j` is uniform on :math:`S`.
    The member proposing is the one of smallest measure (the acceptance rate
    is :math:`|\bigcap_i A_i| / |A_j|`), among the geometries of
    :mod:`pina.geometry` and nested operations; the first geometry if none
    of them is.

    Args:
        geometries: Two or more geometries with the same variables.

    Example:
        >>> square = CartesianDomain({'x': [0, 2], 'y': [0, 2]})
        >>> disk = EllipsoidDomain({'x': [1, 3], 'y': [1, 3]})
        >>> Intersection([square, disk]).sample(1000).shape
        torch.Size([1000, 2])
    """

    def is_inside(
        self,
        point: LabelTensor | None = None,
        check_border: bool = False,
        *,
        points: LabelTensor | None = None,
    ) -> torch.Tensor:
        """Tell, for every row of ``point``, whether it lies in every geometry.

        Args:
            point: A ``LabelTensor`` of shape ``(n, k)`` whose labels include
                every variable; other columns are ignored.
            check_border: Passed to the members: with ``True`` the
                intersection of their closures, with ``False`` of their
                interiors.
            points: Another name for ``point``, keyword only.

        Returns:
            A bool tensor of shape ``(n,)``.

        Raises:
            TypeError: If both or neither of ``point`` and ``points`` are given, or
                they are not a ``LabelTensor``.
            ValueError: If a variable is not among their labels.
        """
        points = _points_argument(point, points, self)
        return self._memberships(points, check_border).all(dim=0)

    def _proposal_weights(self) -> list[float]:
        sizes = [
            (measure(g, f"geometries[{i}]"), i)
            for i, g in enumerate(self._geometries)
            if callable(getattr(g, "_measure", None))
        ]
        chosen = min(sizes)[1] if sizes else 0
        return [1.0 if i == chosen else 0.0 for i in range(len(self._geometries))]

    def _proposal_mass(self, weights: list[float]) -> float:
        chosen = weights.index(1.0)
        return measure(self._geometries[chosen], f"geometries[{chosen}]")

    def _accept(
        self, candidates: LabelTensor, inside: torch.Tensor, source: torch.Tensor
    ) -> torch.Tensor:
        return inside.all(dim=0)
