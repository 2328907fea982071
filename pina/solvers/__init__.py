"""Solvers: LightningModules that train models on problems."""

from .garom import GAROM
from .pinns import GPINN, PINN, RBAPINN, SAPINN, CausalPINN, CompetitivePINN, PINNInterface
from .rom import ReducedOrderModelSolver
from .solver import SolverInterface
from .supervised import SupervisedSolver

__all__ = [
    "GPINN",
    "PINN",
    "RBAPINN",
    "SAPINN",
    "CausalPINN",
    "CompetitivePINN",
    "PINNInterface",
    "SolverInterface",
    "SupervisedSolver",
    "ReducedOrderModelSolver",
    "GAROM",
]
