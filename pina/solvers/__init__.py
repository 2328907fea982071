"""Solvers: LightningModules that train models on problems."""

from .pinns import PINN, PINNInterface
from .solver import SolverInterface
from .supervised import SupervisedSolver

__all__ = ["PINN", "PINNInterface", "SolverInterface", "SupervisedSolver"]
