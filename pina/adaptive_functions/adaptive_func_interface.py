r"""The base of the adaptive activation functions: :class:`AdaptiveActivationFunctionInterface`."""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import torch
from torch import Tensor, nn

from pina._errors import ArgumentTypeError, ArgumentValueError

__all__ = ["AdaptiveActivationFunctionInterface"]

_NAMES = ("alpha", "beta", "gamma")


class AdaptiveActivationFunctionInterface(nn.Module):
    r"""An activation function :math:`f` made adaptive by three scalars.

    The adaptive function is

    .. math::
        f_{\text{adaptive}}(x) = \alpha\, f(\beta x + \gamma),

    applied to a tensor of any shape ``(*)`` (elementwise for elementwise
    :math:`f`; Softmax and Softmin act along the last dimension), returning a
    plain tensor of the same shape. :math:`\alpha, \beta, \gamma` are trainable
    ``torch.nn.Parameter`` scalars, except those named in ``fixed``, which are
    buffers: saved in the ``state_dict`` and moved with the module, but not
    returned by ``parameters()`` and so never optimised. Both kinds are stored
    under ``_alpha``, ``_beta``, ``_gamma`` and read through the :attr:`alpha`,
    :attr:`beta`, :attr:`gamma` properties (a PINA 0.1 ``state_dict`` that stored a
    fixed one as ``alpha``/``beta``/``gamma`` loads as well).

    To make a new adaptive function, subclass this class and, after calling
    ``super().__init__(alpha, beta, gamma, fixed)``, set ``self._func`` to the
    activation, a callable (a module or a function) from tensors to tensors::

        class AdaptiveSoftplus(AdaptiveActivationFunctionInterface):
            def __init__(self, alpha=None, beta=None, gamma=None, fixed=None):
                super().__init__(alpha, beta, gamma, fixed)
                self._func = torch.nn.Softplus()

    or, without an ``__init__``, declare the class attribute ``_activation``, a
    zero-argument callable that builds the activation (called once per instance)::

        class AdaptiveSoftplus(AdaptiveActivationFunctionInterface):
            _activation = torch.nn.Softplus

    References:
        Godfrey, L. B. and Gashler, M. S. (2015). *A continuum among
        logarithmic, linear, and exponential functions, and its potential to
        improve generalization in neural networks*. IC3K 2015.
        arXiv:1602.01321.

        Jagtap, A. D., Kawaguchi, K. and Karniadakis, G. E. (2020). *Adaptive
        activation functions accelerate convergence in deep and
        physics-informed neural networks*. Journal of Computational Physics
        404, 109136. DOI: 10.1016/j.jcp.2019.109136.

    Args:
        alpha: Initial value of the output scale :math:`\alpha`, a real (or
            complex) number; ``None`` (default) means 1.
        beta: Initial value of the input scale :math:`\beta`; ``None``
            (default) means 1.
        gamma: Initial value of the input shift :math:`\gamma`; ``None``
            (default) means 0.
        fixed: Names among ``'alpha'``, ``'beta'``, ``'gamma'`` (a list, tuple,
            or one str) of the scalars to keep fixed at their initial value;
            ``None`` (default) trains all three.

    Raises:
        TypeError: If a value is not a number, or ``fixed`` is not a str or a
            list/tuple of str.
        ValueError: If ``fixed`` names something other than ``'alpha'``,
            ``'beta'``, ``'gamma'``.

    Example:
        >>> act = AdaptiveTanh(beta=2.0, fixed=['alpha'])
        >>> [name for name, _ in act.named_parameters()]
        ['_beta', '_gamma']
        >>> act(torch.zeros(3))
        tensor([0., 0., 0.], grad_fn=<MulBackward0>)
    """

    _alpha: Tensor
    _beta: Tensor
    _gamma: Tensor
    _activation: ClassVar[Callable[[], Callable[[Tensor], Tensor]] | None] = None

    def __init__(
        self,
        alpha: complex | None = None,
        beta: complex | None = None,
        gamma: complex | None = None,
        fixed: str | Sequence[str] | None = None,
    ) -> None:
        super().__init__()
        fixed_names = _check_fixed(fixed)
        defaults = {"alpha": 1.0, "beta": 1.0, "gamma": 0.0}
        given = {"alpha": alpha, "beta": beta, "gamma": gamma}
        for name in _NAMES:
            value = given[name]
            tensor = torch.tensor(_check_value(defaults[name] if value is None else value, name))
            if name in fixed_names:
                self.register_buffer(f"_{name}", tensor)
            else:
                setattr(self, f"_{name}", nn.Parameter(tensor))
        self._fixed = [name for name in _NAMES if name in fixed_names]
        make = type(self)._activation
        self._func: Callable[[Tensor], Tensor] | None = None if make is None else make()

    @property
    def alpha(self) -> Tensor:
        r"""The output scale :math:`\alpha` (a 0-d parameter, or a buffer if fixed)."""
        return self._alpha

    @property
    def beta(self) -> Tensor:
        r"""The input scale :math:`\beta` (a 0-d parameter, or a buffer if fixed)."""
        return self._beta

    @property
    def gamma(self) -> Tensor:
        r"""The input shift :math:`\gamma` (a 0-d parameter, or a buffer if fixed)."""
        return self._gamma

    @property
    def fixed(self) -> list[str]:
        """Names of the fixed (non-trainable) scalars."""
        return list(self._fixed)

    @property
    def func(self) -> Callable[[Tensor], Tensor] | None:
        """The activation :math:`f` (``None`` until a subclass sets it)."""
        return self._func

    def forward(self, x: Tensor) -> Tensor:
        r"""Apply :math:`\alpha f(\beta x + \gamma)`.

        Args:
            x: Input of any shape ``(*)``, a plain tensor or a ``LabelTensor``.

        Returns:
            A plain tensor of shape ``(*)``.

        Raises:
            NotImplementedError: If the class set no activation ``self._func``.
        """
        func = self._func
        if func is None:
            raise NotImplementedError(
                f"{type(self).__name__} has no activation: set self._func to a callable "
                "(e.g. torch.nn.Tanh()) in __init__, after calling super().__init__()."
            )
        return self.alpha * func(self.beta * x + self.gamma)

    def extra_repr(self) -> str:
        values = ", ".join(f"{name}={getattr(self, name).item()}" for name in _NAMES)
        return f"{values}, fixed={self._fixed}"

    def _load_from_state_dict(
        self,
        state_dict: dict[str, Any],
        prefix: str,
        *args: Any,
        **kwargs: Any,
    ) -> None:
        # PINA 0.1 saved a fixed scalar under its bare name ('alpha'); ours is '_alpha'.
        for name in _NAMES:
            old, new = prefix + name, f"{prefix}_{name}"
            if old in state_dict and new not in state_dict:
                state_dict[new] = state_dict.pop(old)
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)


def _check_fixed(fixed: object) -> set[str]:
    if fixed is None:
        return set()
    names = [fixed] if isinstance(fixed, str) else fixed
    if not isinstance(names, (list, tuple)) or not all(isinstance(n, str) for n in names):
        raise ArgumentTypeError(
            f"fixed must be None, a str or a list of str among {list(_NAMES)}; got {fixed!r}."
        )
    unknown = [n for n in names if n not in _NAMES]
    if unknown:
        raise ArgumentValueError(
            f"fixed={fixed!r} names {unknown!r}; the scalars that can be fixed are {list(_NAMES)}."
        )
    return set(names)


def _check_value(value: object, name: str) -> float | complex:
    if isinstance(value, bool) or not isinstance(value, numbers.Complex):
        raise ArgumentTypeError(
            f"{name} must be a real or complex number (or None for the default); got "
            f"{value!r} of type {type(value).__name__}."
        )
    if isinstance(value, numbers.Real):
        return float(value)
    return complex(value)
