"""Solvers: LightningModules that train models on problems."""

from .pinns import PINN, PINNInterface
from .solver import SolverInterface

__all__ = ["PINN", "PINNInterface", "SolverInterface"]
