"""Problems defined on a spatial domain."""

from __future__ import annotations

from ..geometry import Location
from .abstract_problem import AbstractProblem

__all__ = ["SpatialProblem"]


class SpatialProblem(AbstractProblem):
    """A problem whose inputs include spatial variables.

    Subclasses set ``spatial_domain`` (a :class:`~pina.geometry.Location`,
    usually a :class:`~pina.geometry.CartesianDomain`).
    """

    spatial_domain: Location

    @property
    def spatial_variables(self) -> list[str]:
        """The variables of ``spatial_domain``."""
        return list(self.spatial_domain.variables)
