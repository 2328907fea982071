"""Problems: variables, domains and conditions of what is solved."""

from .abstract_problem import AbstractProblem
from .parametric_problem import ParametricProblem
from .spatial_problem import SpatialProblem
from .timedep_problem import TimeDependentProblem

__all__ = ["AbstractProblem", "ParametricProblem", "SpatialProblem", "TimeDependentProblem"]
