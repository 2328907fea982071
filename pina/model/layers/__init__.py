"""Building blocks for models: layers to stack with or inside networks."""

from .avno_layer import AVNOBlock
from .convolution_2d import ContinuousConvBlock
from .embedding import PeriodicBoundaryEmbedding
from .fourier import FourierBlock1D, FourierBlock2D, FourierBlock3D
from .fourier_embedding import FourierFeatureEmbedding
from .kan_block import KANBlock
from .lowrank_layer import LowRankBlock
from .pirate_block import PirateNetBlock
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
    "FourierFeatureEmbedding",
    "KANBlock",
    "LowRankBlock",
    "PODBlock",
    "PeriodicBoundaryEmbedding",
    "PirateNetBlock",
    "ResidualBlock",
    "SpectralConvBlock1D",
    "SpectralConvBlock2D",
    "SpectralConvBlock3D",
]
