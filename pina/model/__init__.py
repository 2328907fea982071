"""Models: networks that map input variables to output variables, and neural operators."""

from .avno import AveragingNeuralOperator
from .deeponet import DeepONet, MIONet
from .feed_forward import FeedForward, ResidualFeedForward
from .fno import FNO, FourierIntegralKernel
from .kernel_neural_operator import KernelNeuralOperator
from .lno import LowRankNeuralOperator
from .multi_feed_forward import MultiFeedForward
from .network import Network

__all__ = [
    "FNO",
    "AveragingNeuralOperator",
    "DeepONet",
    "FeedForward",
    "FourierIntegralKernel",
    "KernelNeuralOperator",
    "LowRankNeuralOperator",
    "MIONet",
    "MultiFeedForward",
    "Network",
    "ResidualFeedForward",
]
