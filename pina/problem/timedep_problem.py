"""Problems that evolve in time."""

from __future__ import annotations

from ..geometry import Location
from .abstract_problem import AbstractProblem

__all__ = ["TimeDependentProblem"]


class TimeDependentProblem(AbstractProblem):
    """A problem whose inputs include time.

    Subclasses set ``temporal_domain`` (e.g. ``CartesianDomain({'t': [0, 1]})``).
    """

    temporal_domain: Location

    @property
    def temporal_variable(self) -> list[str]:
        """The variables of ``temporal_domain`` (a list, usually ``['t']``)."""
        return list(self.temporal_domain.variables)
