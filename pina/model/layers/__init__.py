"""Building blocks for models: layers to stack with or inside networks."""

from .avno_layer import AVNOBlock
from .convolution_2d import ContinuousConvBlock
from .embedding import PeriodicBoundaryEmbedding
from .fourier import FourierBlock1D, FourierBlock2D, FourierBlock3D
from .lowrank_layer import LowRankBlock
from .pod import PODBlock
from .residual import EnhancedLinear, ResidualBlock
from .spectral import SpectralConvBlock1D, SpectralConvBlock2D, SpectralConvBlock3D

__all__ = [
    "AVNOBlock",
    "ContinuousConvBlock",
    "EnhancedLinear",
    "FourierBlock1D",
    "FourierBlock2D",
    "FourierBlock3D",
    "LowRankBlock",
    "PODBlock",
    "PeriodicBoundaryEmbedding",
    "ResidualBlock",
    "SpectralConvBlock1D",
    "SpectralConvBlock2D",
    "SpectralConvBlock3D",
]
