"""Ready-made problems, built from data instead of written as a class."""

from .supervised_problem import SupervisedProblem

__all__ = ["SupervisedProblem"]
