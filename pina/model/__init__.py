"""Models: networks that map input variables to output variables, and neural operators."""

from .avno import AveragingNeuralOperator
from .deeponet import DeepONet, MIONet
from .feed_forward import FeedForward, ResidualFeedForward
from .fno import FNO, FourierIntegralKernel
from .kernel_neural_operator import KernelNeuralOperator
from .kolmogorov_arnold_network import KolmogorovArnoldNetwork
from .lno import LowRankNeuralOperator
from .multi_feed_forward import MultiFeedForward
from .network import Network
from .pirate_network import PirateNet

__all__ = [
    "FNO",
    "AveragingNeuralOperator",
    "DeepONet",
    "FeedForward",
    "FourierIntegralKernel",
    "KernelNeuralOperator",
    "KolmogorovArnoldNetwork",
    "LowRankNeuralOperator",
    "MIONet",
    "MultiFeedForward",
    "Network",
    "PirateNet",
    "ResidualFeedForward",
]
