"""Adaptive activation functions: alpha * f(beta * x + gamma), fixed scalars, gradients, errors."""

from __future__ import annotations

import math

import pytest
import torch
from torch.func import functional_call

import pina.adaptive_functions as adaptive
from pina.adaptive_functions import (
    AdaptiveActivationFunctionInterface,
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
from pina.label_tensor import LabelTensor


def _sigmoid(z):
    return 1.0 / (1.0 + torch.exp(-z))


def _tanh(z):
    return (torch.exp(z) - torch.exp(-z)) / (torch.exp(z) + torch.exp(-z))


# f written from its definition with elementary torch functions (not torch.nn)
ACTIVATIONS = {
    AdaptiveReLU: lambda z: torch.where(z > 0, z, torch.zeros_like(z)),
    AdaptiveSigmoid: _sigmoid,
    AdaptiveTanh: _tanh,
    AdaptiveSiLU: lambda z: z * _sigmoid(z),
    AdaptiveMish: lambda z: z * _tanh(torch.log(1.0 + torch.exp(z))),
    AdaptiveELU: lambda z: torch.where(z > 0, z, torch.exp(z) - 1.0),
    AdaptiveCELU: lambda z: torch.where(z > 0, z, torch.exp(z) - 1.0),
    AdaptiveGELU: lambda z: 0.5 * z * (1.0 + torch.erf(z / math.sqrt(2.0))),
    AdaptiveSoftmin: lambda z: torch.exp(-z) / torch.exp(-z).sum(-1, keepdim=True),
    AdaptiveSoftmax: lambda z: torch.exp(z) / torch.exp(z).sum(-1, keepdim=True),
    AdaptiveSIREN: torch.sin,
}
WITH_GAMMA = list(ACTIVATIONS)
ALL = [*WITH_GAMMA, AdaptiveExp]


@pytest.fixture
def x() -> torch.Tensor:
    # no entry of beta * x + gamma near 0, where ReLU/ELU/CELU have kinks
    return torch.tensor([[-2.0, -0.9, 0.2], [0.8, 1.7, -3.1]], dtype=torch.float64)


def test_all_is_exact() -> None:
    expected = [
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
    assert adaptive.__all__ == expected
    assert all(hasattr(adaptive, name) for name in expected)


@pytest.mark.parametrize("cls", WITH_GAMMA, ids=lambda c: c.__name__)
def test_value_is_alpha_f_of_beta_x_plus_gamma(cls, x) -> None:
    act = cls(alpha=1.5, beta=-0.7, gamma=0.3).double()
    expected = 1.5 * ACTIVATIONS[cls](-0.7 * x + 0.3)
    torch.testing.assert_close(act(x), expected)


@pytest.mark.parametrize("cls", WITH_GAMMA, ids=lambda c: c.__name__)
def test_defaults_give_f_itself_with_three_trainable_scalars(cls, x) -> None:
    act = cls().double()
    torch.testing.assert_close(act(x), ACTIVATIONS[cls](x))
    assert [name for name, _ in act.named_parameters()] == ["_alpha", "_beta", "_gamma"]
    assert (act.alpha.item(), act.beta.item(), act.gamma.item()) == (1.0, 1.0, 0.0)
    assert list(act.buffers()) == []


def test_exp_is_alpha_exp_beta_x_with_gamma_fixed_at_zero(x) -> None:
    act = AdaptiveExp(alpha=2.0, beta=0.5).double()
    torch.testing.assert_close(act(x), 2.0 * torch.exp(0.5 * x))
    assert [name for name, _ in act.named_parameters()] == ["_alpha", "_beta"]
    assert act.gamma.item() == 0.0 and act.fixed == ["gamma"]
    assert AdaptiveExp(fixed=["alpha"]).fixed == ["alpha", "gamma"]
    assert [n for n, _ in AdaptiveExp(fixed="beta").named_parameters()] == ["_alpha"]


@pytest.mark.parametrize("cls", WITH_GAMMA, ids=lambda c: c.__name__)
def test_fixed_scalars_are_buffers_not_parameters(cls) -> None:
    act = cls(alpha=2.0, gamma=-1.0, fixed=["alpha", "gamma"])
    assert [name for name, _ in act.named_parameters()] == ["_beta"]
    assert sorted(name for name, _ in act.named_buffers()) == ["_alpha", "_gamma"]
    assert set(act.state_dict()) == {"_alpha", "_beta", "_gamma"}
    assert not act.alpha.requires_grad and act.beta.requires_grad
    assert act.fixed == ["alpha", "gamma"]
    # a training step moves beta only
    opt = torch.optim.SGD(act.parameters(), lr=0.1)
    act(torch.linspace(-1, 1, 7)).pow(2).sum().backward()
    opt.step()
    assert (act.alpha.item(), act.gamma.item()) == (2.0, -1.0)


def test_single_name_and_dtype_conversion() -> None:
    act = AdaptiveTanh(alpha=3, fixed="beta")  # an int value becomes a float scalar
    assert act.alpha.dtype == torch.get_default_dtype() and act.alpha.item() == 3.0
    assert [n for n, _ in act.named_parameters()] == ["_alpha", "_gamma"]
    act = act.double()
    assert act.alpha.dtype == torch.float64 and act.beta.dtype == torch.float64


@pytest.mark.parametrize("cls", ALL, ids=lambda c: c.__name__)
def test_gradients_reach_the_scalars_gradcheck(cls, x) -> None:
    act = cls().double()
    names = [name for name, _ in act.named_parameters()]
    values = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in (1.3, 0.8, 0.2)][
        : len(names)
    ]

    def func(inputs, *scalars):
        return functional_call(act, dict(zip(names, scalars)), (inputs,))

    inputs = x.clone().requires_grad_()
    assert torch.autograd.gradcheck(func, (inputs, *values))
    act(x).sum().backward()
    assert all(p.grad is not None for p in act.parameters())


def test_label_tensor_input_gives_plain_tensor() -> None:
    pts = LabelTensor(torch.rand(5, 2), ["x", "y"])
    out = AdaptiveSigmoid(beta=2.0)(pts)
    assert type(out) is torch.Tensor
    torch.testing.assert_close(out, torch.sigmoid(2.0 * pts.tensor))


def test_pina_0_1_state_dict_with_bare_fixed_names_loads() -> None:
    act = AdaptiveReLU(fixed=["alpha"])
    old = {"alpha": torch.tensor(4.0), "_beta": torch.tensor(2.0), "_gamma": torch.tensor(1.0)}
    act.load_state_dict(old)
    assert (act.alpha.item(), act.beta.item(), act.gamma.item()) == (4.0, 2.0, 1.0)


def test_custom_subclass_and_missing_activation() -> None:
    class AdaptiveSoftplus(AdaptiveActivationFunctionInterface):
        def __init__(self, alpha=None, beta=None, gamma=None, fixed=None):
            super().__init__(alpha, beta, gamma, fixed)
            self._func = torch.nn.Softplus()

    z = torch.linspace(-2, 2, 5)
    torch.testing.assert_close(
        AdaptiveSoftplus(alpha=2.0, gamma=0.5)(z), 2.0 * torch.log1p(torch.exp(z + 0.5))
    )
    with pytest.raises(NotImplementedError, match="has no activation: set self._func"):
        AdaptiveActivationFunctionInterface()(z)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"alpha": "1"}, TypeError, "alpha must be a real or complex number.*got '1' of type str"),
        ({"beta": True}, TypeError, "beta must be a real or complex number"),
        ({"gamma": [0.0]}, TypeError, "gamma must be a real or complex number"),
        ({"fixed": ["alpha", "delta"]}, ValueError, r"names \['delta'\]; the scalars that can"),
        ({"fixed": 3}, TypeError, "fixed must be None, a str or a list of str"),
        ({"fixed": ["alpha", 1]}, TypeError, "fixed must be None, a str or a list of str"),
    ],
)
def test_errors(kwargs, error, match) -> None:
    with pytest.raises(error, match=match):
        AdaptiveTanh(**kwargs)
    if "gamma" not in kwargs:
        with pytest.raises(error, match=match):
            AdaptiveExp(**kwargs)
