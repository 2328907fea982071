"""Problems that depend on parameters."""

from __future__ import annotations

from ..geometry import Location
from .abstract_problem import AbstractProblem

__all__ = ["ParametricProblem"]


class ParametricProblem(AbstractProblem):
    """A problem whose inputs include parameters (e.g. a coefficient ``mu``).

    Subclasses set ``parameter_domain`` (e.g. ``CartesianDomain({'mu': [0, 1]})``).
    """

    parameter_domain: Location

    @property
    def parameters(self) -> list[str]:
        """The variables of ``parameter_domain``."""
        return list(self.parameter_domain.variables)
