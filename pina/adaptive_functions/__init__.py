r"""Adaptive activation functions :math:`\alpha f(\beta x + \gamma)` with trainable scalars."""

from .adaptive_func import (
    AdaptiveCELU,
    AdaptiveELU,
    AdaptiveExp,
    AdaptiveGELU,
    AdaptiveMish,
    AdaptiveReLU,
    AdaptiveSigmoid,
    AdaptiveSiLU,
    AdaptiveSIREN,
    AdaptiveSoftmax,
    AdaptiveSoftmin,
    AdaptiveTanh,
)
from .adaptive_func_interface import AdaptiveActivationFunctionInterface

__all__ = [
    "AdaptiveActivationFunctionInterface",
    "AdaptiveReLU",
    "AdaptiveSigmoid",
    "AdaptiveTanh",
    "AdaptiveSiLU",
    "AdaptiveMish",
    "AdaptiveELU",
    "AdaptiveCELU",
    "AdaptiveGELU",
    "AdaptiveSoftmin",
    "AdaptiveSoftmax",
    "AdaptiveSIREN",
    "AdaptiveExp",
]
