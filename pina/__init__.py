"""pina: physics-informed neural networks and neural operators on PyTorch Lightning."""

from .condition import Condition
from .dataset import SamplePointDataset, SamplePointLoader
from .geometry import Location
from .label_tensor import LabelTensor
from .meta import __version__
from .plotter import Plotter
from .solvers import PINN
from .trainer import Trainer

__all__ = [
    "Condition",
    "LabelTensor",
    "Location",
    "PINN",
    "Plotter",
    "SamplePointDataset",
    "SamplePointLoader",
    "Trainer",
    "__version__",
]
