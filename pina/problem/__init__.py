"""Problems: variables, domains and conditions of what is solved."""

from .abstract_problem import AbstractProblem
from .inverse_problem import InverseProblem
from .parametric_problem import ParametricProblem
from .spatial_problem import SpatialProblem
from .timedep_problem import TimeDependentProblem
from .zoo import SupervisedProblem

__all__ = [
    "AbstractProblem",
    "InverseProblem",
    "ParametricProblem",
    "SpatialProblem",
    "SupervisedProblem",
    "TimeDependentProblem",
]
