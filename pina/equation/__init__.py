"""Equations: residuals that conditions ask the solution to satisfy."""

from .equation import Equation
from .equation_factory import FixedFlux, FixedGradient, FixedValue, Laplace
from .equation_interface import EquationInterface
from .system_equation import SystemEquation

__all__ = [
    "Equation",
    "EquationInterface",
    "FixedFlux",
    "FixedGradient",
    "FixedValue",
    "Laplace",
    "SystemEquation",
]
