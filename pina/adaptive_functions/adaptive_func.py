r"""Adaptive activation functions :math:`\alpha f(\beta x + \gamma)` for common :math:`f`.

Every class here takes ``(alpha=None, beta=None, gamma=None, fixed=None)``, documented in
:class:`~pina.adaptive_functions.adaptive_func_interface.AdaptiveActivationFunctionInterface`
(defaults :math:`\alpha = 1, \beta = 1, \gamma = 0`), except :class:`AdaptiveExp`, which has
no :math:`\gamma`. Softmax and Softmin normalise along the last dimension (``dim=-1``; PINA 0.1
left ``dim`` unset, which for 2-D inputs is the same and otherwise depends on the rank).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

import torch

from .adaptive_func_interface import AdaptiveActivationFunctionInterface

__all__ = [
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


class AdaptiveReLU(AdaptiveActivationFunctionInterface):
    r"""Adaptive ReLU: :math:`\alpha f(\beta x + \gamma)`.

    Here :math:`f` is ``torch.nn.ReLU``:

    .. math::
        \operatorname{ReLU}(x) = \max(0, x).

    The arguments are those of :class:`AdaptiveActivationFunctionInterface`.
    """

    _activation = torch.nn.ReLU


class AdaptiveSigmoid(AdaptiveActivationFunctionInterface):
    r"""Adaptive Sigmoid: :math:`\alpha f(\beta x + \gamma)`.

    Here :math:`f` is ``torch.nn.Sigmoid``:

    .. math::
        \sigma(x) = \frac{1}{1 + e^{-x}}.

    The arguments are those of :class:`AdaptiveActivationFunctionInterface`.
    """

    _activation = torch.nn.Sigmoid


class AdaptiveTanh(AdaptiveActivationFunctionInterface):
    r"""Adaptive Tanh: :math:`\alpha f(\beta x + \gamma)`.

    Here :math:`f` is ``torch.nn.Tanh``:

    .. math::
        \tanh(x) = \frac{e^{x} - e^{-x}}{e^{x} + e^{-x}}.

    The arguments are those of :class:`AdaptiveActivationFunctionInterface`.
    """

    _activation = torch.nn.Tanh


class AdaptiveSiLU(AdaptiveActivationFunctionInterface):
    r"""Adaptive SiLU: :math:`\alpha f(\beta x + \gamma)`.

    Here :math:`f` is ``torch.nn.SiLU`` (:math:`\sigma` the logistic sigmoid):

    .. math::
        \operatorname{SiLU}(x) = x\,\sigma(x).

    The arguments are those of :class:`AdaptiveActivationFunctionInterface`.
    """

    _activation = torch.nn.SiLU


class AdaptiveMish(AdaptiveActivationFunctionInterface):
    r"""Adaptive Mish: :math:`\alpha f(\beta x + \gamma)`.

    Here :math:`f` is ``torch.nn.Mish``:

    .. math::
        \operatorname{Mish}(x) = x \tanh(\log(1 + e^{x})).

    The arguments are those of :class:`AdaptiveActivationFunctionInterface`.
    """

    _activation = torch.nn.Mish


class AdaptiveELU(AdaptiveActivationFunctionInterface):
    r"""Adaptive ELU: :math:`\alpha f(\beta x + \gamma)`.

    Here :math:`f` is ``torch.nn.ELU`` (its own parameter at 1):

    .. math::
        \operatorname{ELU}(x) = \begin{cases} x & x > 0\\ e^{x} - 1 & x \le 0 \end{cases}.

    The arguments are those of :class:`AdaptiveActivationFunctionInterface`.
    """

    _activation = torch.nn.ELU


class AdaptiveCELU(AdaptiveActivationFunctionInterface):
    r"""Adaptive CELU: :math:`\alpha f(\beta x + \gamma)`.

    Here :math:`f` is ``torch.nn.CELU`` (its own parameter at 1):

    .. math::
        \operatorname{CELU}(x) = \max(0, x) + \min(0, e^{x} - 1).

    The arguments are those of :class:`AdaptiveActivationFunctionInterface`.
    """

    _activation = torch.nn.CELU


class AdaptiveGELU(AdaptiveActivationFunctionInterface):
    r"""Adaptive GELU: :math:`\alpha f(\beta x + \gamma)`.

    Here :math:`f` is ``torch.nn.GELU`` (exact form, :math:`\Phi` the standard normal CDF):

    .. math::
        \operatorname{GELU}(x) = x\,\Phi(x).

    The arguments are those of :class:`AdaptiveActivationFunctionInterface`.
    """

    _activation = torch.nn.GELU


class AdaptiveSoftmin(AdaptiveActivationFunctionInterface):
    r"""Adaptive Softmin: :math:`\alpha f(\beta x + \gamma)`.

    Here :math:`f` is ``torch.nn.Softmin`` along the last dimension:

    .. math::
        \operatorname{Softmin}(x)_i = \frac{e^{-x_i}}{\sum_j e^{-x_j}}.

    The arguments are those of :class:`AdaptiveActivationFunctionInterface`.
    """

    _activation = partial(torch.nn.Softmin, dim=-1)


class AdaptiveSoftmax(AdaptiveActivationFunctionInterface):
    r"""Adaptive Softmax: :math:`\alpha f(\beta x + \gamma)`.

    Here :math:`f` is ``torch.nn.Softmax`` along the last dimension:

    .. math::
        \operatorname{Softmax}(x)_i = \frac{e^{x_i}}{\sum_j e^{x_j}}.

    The arguments are those of :class:`AdaptiveActivationFunctionInterface`.
    """

    _activation = partial(torch.nn.Softmax, dim=-1)


class AdaptiveSIREN(AdaptiveActivationFunctionInterface):
    r"""Adaptive SIREN: :math:`\alpha f(\beta x + \gamma)`.

    Here :math:`f` is ``torch.sin`` (the SIREN activation):

    .. math::
        \sin(x).

    The arguments are those of :class:`AdaptiveActivationFunctionInterface`.
    """

    _activation = staticmethod(lambda: torch.sin)


class AdaptiveExp(AdaptiveActivationFunctionInterface):
    r"""Adaptive exponential :math:`\alpha \exp(\beta x)`.

    A shift would be redundant (:math:`\alpha e^{\beta x + \gamma} = (\alpha e^{\gamma})
    e^{\beta x}`), so, as in PINA 0.1, there is no ``gamma`` argument: :math:`\gamma = 0` is
    a fixed buffer and ``fixed`` always contains ``'gamma'``.

    Args:
        alpha: Initial :math:`\alpha`; ``None`` (default) means 1.
        beta: Initial :math:`\beta`; ``None`` (default) means 1.
        fixed: Names among ``'alpha'``, ``'beta'`` to keep fixed (``'gamma'``
            is accepted and always fixed); see
            :class:`AdaptiveActivationFunctionInterface`.

    Raises:
        TypeError: If a value is not a number or ``fixed`` is not a str or a
            list/tuple of str.
        ValueError: If ``fixed`` names an unknown scalar.
    """

    _activation = staticmethod(lambda: torch.exp)

    def __init__(
        self,
        alpha: complex | None = None,
        beta: complex | None = None,
        fixed: str | Sequence[str] | None = None,
    ) -> None:
        if fixed is None:
            fixed = ["gamma"]
        elif isinstance(fixed, str):
            fixed = [fixed, "gamma"]
        elif isinstance(fixed, (list, tuple)):
            fixed = [*fixed, "gamma"]
        super().__init__(alpha, beta, 0.0, fixed)
