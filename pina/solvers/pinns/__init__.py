"""Physics-informed solvers."""

from .basepinn import PINNInterface
from .causalpinn import CausalPINN
from .competitive_pinn import CompetitivePINN
from .gpinn import GPINN
from .pinn import PINN
from .rbapinn import RBAPINN
from .sapinn import SAPINN

__all__ = ["GPINN", "PINN", "RBAPINN", "SAPINN", "CausalPINN", "CompetitivePINN", "PINNInterface"]
