"""Physics-informed solvers."""

from .basepinn import PINNInterface
from .pinn import PINN

__all__ = ["PINN", "PINNInterface"]
