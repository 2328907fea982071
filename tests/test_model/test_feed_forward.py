import functools
import math
import sys

import pytest
import torch
from torch import nn

from pina.label_tensor import LabelTensor
from pina.model.feed_forward import FeedForward, ResidualFeedForward


@pytest.fixture(autouse=True)
def _seed() -> None:
    torch.manual_seed(0)


def linear_widths(net: FeedForward) -> list[int]:
    return [net.layers[0].in_features] + [layer.out_features for layer in net.layers]


def set_linear(layer: nn.Linear, weight: list[list[float]], bias: list[float]) -> None:
    with torch.no_grad():
        layer.weight.copy_(torch.tensor(weight))
        layer.bias.copy_(torch.tensor(bias))


# ----------------------------------------------------------------------------- FeedForward
def test_known_weights_give_closed_form_output() -> None:
    net = FeedForward(2, 1, layers=[2])
    set_linear(net.layers[0], [[1.0, 0.0], [1.0, -1.0]], [0.0, 0.5])
    set_linear(net.layers[1], [[2.0, -3.0]], [1.0])
    x = torch.tensor([[0.5, -1.0], [0.0, 0.0]])
    expected = [
        2 * math.tanh(0.5) - 3 * math.tanh(0.5 + 1.0 + 0.5) + 1,
        2 * math.tanh(0.0) - 3 * math.tanh(0.5) + 1,
    ]
    out = net(x)
    assert out.shape == (2, 1)
    torch.testing.assert_close(out[:, 0], torch.tensor(expected))


def test_forward_matches_hand_written_mlp_with_batch_dims() -> None:
    net = FeedForward(3, 2, inner_size=5, n_layers=3)
    x = torch.randn(4, 6, 3)
    h = x
    for layer in net.layers[:-1]:
        h = torch.tanh(h @ layer.weight.T + layer.bias)
    expected = h @ net.layers[-1].weight.T + net.layers[-1].bias
    out = net(x)
    assert out.shape == (4, 6, 2)
    torch.testing.assert_close(out, expected)


def test_defaults_and_attributes() -> None:
    net = FeedForward(3, 2)
    assert net.input_dimension == 3 and net.output_dimension == 2
    assert linear_widths(net) == [3, 20, 20, 2]
    assert [type(m) for m in net.model] == [nn.Linear, nn.Tanh] * 2 + [nn.Linear]
    assert all(a is b for a, b in zip(net.layers, net.model[::2]))
    assert [type(f) for f in net.functions] == [nn.Tanh, nn.Tanh]


def test_state_dict_names_are_those_of_pina_0_1() -> None:
    net = FeedForward(3, 2, layers=[5, 4])
    assert list(net.state_dict()) == [
        f"model.{i}.{p}" for i in (0, 2, 4) for p in ("weight", "bias")
    ]


@pytest.mark.parametrize(
    ("kwargs", "widths"),
    [
        ({}, [3, 20, 20, 2]),
        ({"inner_size": 7, "n_layers": 4}, [3, 7, 7, 7, 7, 2]),
        ({"layers": [4, 6]}, [3, 4, 6, 2]),
        ({"inner_size": 7, "n_layers": 5, "layers": (4, 6)}, [3, 4, 6, 2]),
        ({"n_layers": 0}, [3, 2]),
        ({"layers": []}, [3, 2]),
    ],
)
@pytest.mark.parametrize("bias", [True, False])
def test_widths_and_parameter_count(kwargs: dict, widths: list[int], bias: bool) -> None:
    net = FeedForward(3, 2, bias=bias, **kwargs)
    assert linear_widths(net) == widths
    expected = sum((a + int(bias)) * b for a, b in zip(widths[:-1], widths[1:]))
    assert sum(p.numel() for p in net.parameters()) == expected
    assert all((layer.bias is not None) == bias for layer in net.layers)


def test_zero_hidden_layers_is_affine() -> None:
    net = FeedForward(3, 2, n_layers=0)
    x = torch.randn(5, 3)
    torch.testing.assert_close(net(x), x @ net.layers[0].weight.T + net.layers[0].bias)


def test_list_of_activations_applied_per_layer() -> None:
    net = FeedForward(1, 1, layers=[1, 1], func=[nn.ReLU, nn.Sigmoid])
    assert [type(m) for m in net.model] == [nn.Linear, nn.ReLU, nn.Linear, nn.Sigmoid, nn.Linear]
    set_linear(net.layers[0], [[1.0]], [0.0])
    set_linear(net.layers[1], [[2.0]], [0.5])
    set_linear(net.layers[2], [[1.0]], [0.0])
    x = torch.tensor([[-3.0], [2.0]])
    # relu then sigmoid: x=-3 -> 0 -> sigmoid(0.5); x=2 -> 2 -> sigmoid(4.5)
    expected = torch.tensor([[1 / (1 + math.exp(-0.5))], [1 / (1 + math.exp(-4.5))]])
    torch.testing.assert_close(net(x), expected)


def test_none_means_no_activation() -> None:
    net = FeedForward(2, 1, layers=[3, 3], func=[None, nn.Tanh])
    assert [type(m) for m in net.model] == [nn.Linear, nn.Linear, nn.Tanh, nn.Linear]
    assert net.functions[0] is None
    linear = FeedForward(2, 1, layers=[3, 3], func=None)
    assert all(isinstance(m, nn.Linear) for m in linear.model)


def test_no_activation_after_last_layer() -> None:
    net = FeedForward(2, 1, layers=[4])
    assert isinstance(net.model[-1], nn.Linear)
    with torch.no_grad():
        net.layers[-1].weight.fill_(-10.0)
        net.layers[-1].bias.fill_(-5.0)
    x = torch.randn(8, 2)
    hidden = torch.tanh(net.layers[0](x))
    out = net(x)
    torch.testing.assert_close(out, -10.0 * hidden.sum(-1, keepdim=True) - 5.0)
    assert (out.abs() > 1).any()  # not squashed by a Tanh


def test_instance_is_copied_per_layer_and_factory_called_per_layer() -> None:
    act = nn.Softplus(beta=3.0)
    net = FeedForward(2, 1, layers=[3, 3], func=act)
    first, second = net.functions
    assert isinstance(first, nn.Softplus) and first.beta == 3.0
    assert first is not second and act not in (first, second)

    factory = functools.partial(nn.LeakyReLU, 0.2)
    net = FeedForward(2, 1, layers=[3, 3], func=factory)
    assert all(isinstance(f, nn.LeakyReLU) and f.negative_slope == 0.2 for f in net.functions)
    assert net.functions[0] is not net.functions[1]


def test_instances_in_a_list_are_used_as_given() -> None:
    prelu = nn.PReLU()
    net = FeedForward(2, 1, layers=[3, 3], func=[prelu, nn.Tanh()])
    assert net.functions[0] is prelu
    assert any(p is prelu.weight for p in net.parameters())


def test_label_tensor_input_returns_plain_tensor() -> None:
    net = FeedForward(2, 3)
    x = torch.randn(6, 2)
    out = net(LabelTensor(x, ["x", "y"]))
    assert type(out) is torch.Tensor
    torch.testing.assert_close(out, net(x))


def test_gradcheck_input_and_every_parameter() -> None:
    net = FeedForward(2, 2, layers=[3, 2]).double()
    names, params = zip(*net.named_parameters())
    x = torch.randn(4, 2, dtype=torch.float64, requires_grad=True)

    def f(x: torch.Tensor, *ps: torch.Tensor) -> torch.Tensor:
        return torch.func.functional_call(net, dict(zip(names, ps)), (x,))

    inputs = (x, *(p.detach().clone().requires_grad_() for p in params))
    assert torch.autograd.gradcheck(f, inputs)
    net(x).sum().backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in net.parameters())


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"input_dimensions": 2.0}, TypeError, r"input_dimensions must be an int; got 2\.0"),
        ({"input_dimensions": True}, TypeError, r"input_dimensions must be an int; got True"),
        ({"input_dimensions": 0}, ValueError, r"input_dimensions=0 must be an int >= 1"),
        ({"output_dimensions": -1}, ValueError, r"output_dimensions=-1 must be an int >= 1"),
        ({"inner_size": 0}, ValueError, r"inner_size=0 must be an int >= 1"),
        ({"inner_size": "20"}, TypeError, r"inner_size must be an int; got '20'"),
        ({"n_layers": -1}, ValueError, r"n_layers=-1 must be an int >= 0"),
        ({"layers": [3, 0]}, ValueError, r"layers\[1\]=0 must be an int >= 1"),
        ({"layers": [3, 2.5]}, TypeError, r"layers\[1\] must be an int; got 2\.5"),
        ({"layers": 3}, TypeError, r"layers must be a list or tuple of positive ints"),
        ({"layers": "34"}, TypeError, r"layers must be a list or tuple of positive ints"),
        ({"bias": 1}, TypeError, r"bias must be True or False; got 1"),
        (
            {"func": [nn.Tanh] * 3},
            ValueError,
            r"func has 3 entries but the network has 2 hidden layers",
        ),
        (
            {"func": int},
            TypeError,
            r"func must be a torch\.nn\.Module subclass .*; got <class 'int'>",
        ),
        ({"n_layers": 0, "func": "tanh"}, TypeError, r"func must be .*; got 'tanh'"),
        ({"func": [nn.Tanh, "relu"]}, TypeError, r"func\[1\] must be .*; got 'relu'"),
        ({"func": lambda: 3}, TypeError, r"func=<function .*> returned 3 of type int, not a"),
    ],
)
def test_feed_forward_errors(kwargs: dict, error: type[Exception], match: str) -> None:
    args = {"input_dimensions": 2, "output_dimensions": 1, **kwargs}
    with pytest.raises(error, match=match):
        FeedForward(**args)


def test_function_instead_of_module_class_fails_with_a_note() -> None:
    with pytest.raises(TypeError) as info:
        FeedForward(2, 1, func=torch.tanh)
    if sys.version_info >= (3, 11):
        assert "torch.nn.Tanh, not the function torch.tanh" in "".join(info.value.__notes__)


# ----------------------------------------------------------------------------- ResidualFeedForward
def modified_mlp(
    x: torch.Tensor,
    u_net: nn.Module,
    v_net: nn.Module,
    gates: list[nn.Linear],
    act: nn.Module,
    last: nn.Linear,
) -> torch.Tensor:
    """Hand-written H_{k+1} = (1 - Z_k) * U + Z_k * V, Z_k = act(W_k H_k + b_k)."""
    U, V, H = u_net(x), v_net(x), x
    for gate in gates:
        Z = act(H @ gate.weight.T + gate.bias)
        H = (1 - Z) * U + Z * V
    return H @ last.weight.T + last.bias


def test_residual_matches_formula_with_default_encoders() -> None:
    net = ResidualFeedForward(3, 2, inner_size=5, n_layers=3)
    (u_lin, v_lin) = (enc._model[0] for enc in net.transformer_nets)

    def u_net(x: torch.Tensor) -> torch.Tensor:
        return torch.tanh(x @ u_lin.weight.T + u_lin.bias)

    def v_net(x: torch.Tensor) -> torch.Tensor:
        return torch.tanh(x @ v_lin.weight.T + v_lin.bias)

    x = torch.randn(7, 3)
    expected = modified_mlp(x, u_net, v_net, net.layers, torch.tanh, net.last_layer)
    torch.testing.assert_close(net(x), expected)


def test_residual_known_weights_closed_form() -> None:
    u_net, v_net = nn.Linear(1, 1), nn.Linear(1, 1)
    set_linear(u_net, [[1.0]], [0.0])  # U = x
    set_linear(v_net, [[0.0]], [2.0])  # V = 2
    net = ResidualFeedForward(1, 1, inner_size=1, n_layers=1, transformer_nets=[u_net, v_net])
    set_linear(net.layers[0], [[1.0]], [0.0])  # Z = tanh(x)
    set_linear(net.last_layer, [[3.0]], [-1.0])
    x = 0.5
    z = math.tanh(x)
    expected = 3.0 * ((1 - z) * x + z * 2.0) - 1.0
    torch.testing.assert_close(net(torch.tensor([[x]])), torch.tensor([[expected]]))


def test_residual_custom_encoders_and_activation_list() -> None:
    u_net = nn.Sequential(nn.Linear(2, 4), nn.Sigmoid())
    v_net = FeedForward(2, 4, layers=[3])
    net = ResidualFeedForward(
        2,
        1,
        inner_size=4,
        n_layers=2,
        func=[nn.Sigmoid, nn.Sigmoid],
        transformer_nets=(u_net, v_net),
    )
    assert net.transformer_nets[0] is u_net and net.transformer_nets[1] is v_net
    x = torch.randn(5, 2)
    expected = modified_mlp(x, u_net, v_net, net.layers, torch.sigmoid, net.last_layer)
    torch.testing.assert_close(net(x), expected)


def test_residual_structure_bias_and_parameter_count() -> None:
    net = ResidualFeedForward(3, 2, inner_size=5, n_layers=3, bias=False)
    assert net.input_dimension == 3 and net.output_dimension == 2
    assert [(g.in_features, g.out_features) for g in net.layers] == [(3, 5), (5, 5), (5, 5)]
    assert all(g.bias is None for g in net.layers) and net.last_layer.bias is None
    # encoders keep their bias (as in PINA 0.1): 2 * (3 + 1) * 5
    expected = 2 * 4 * 5 + 3 * 5 + 5 * 5 * 2 + 5 * 2
    assert sum(p.numel() for p in net.parameters()) == expected
    assert [type(f) for f in net.functions] == [nn.Tanh] * 3


def test_residual_state_dict_names_are_those_of_pina_0_1() -> None:
    net = ResidualFeedForward(3, 2, n_layers=2)
    enc = [f"transformer_nets.{i}._model.0.{p}" for i in (0, 1) for p in ("weight", "bias")]
    inner = [f"inner_layers.{i}._model.0.{p}" for i in (0, 1) for p in ("weight", "bias")]
    assert list(net.state_dict()) == enc + ["last_layer.weight", "last_layer.bias"] + inner


def test_residual_label_tensor_and_gradcheck() -> None:
    net = ResidualFeedForward(2, 1, inner_size=3, n_layers=2).double()
    x = torch.randn(4, 2, dtype=torch.float64, requires_grad=True)
    out = net(LabelTensor(x, ["x", "y"]))
    assert type(out) is torch.Tensor
    torch.testing.assert_close(out, net(x))

    names, params = zip(*net.named_parameters())

    def f(x: torch.Tensor, *ps: torch.Tensor) -> torch.Tensor:
        return torch.func.functional_call(net, dict(zip(names, ps)), (x,))

    inputs = (x, *(p.detach().clone().requires_grad_() for p in params))
    assert torch.autograd.gradcheck(f, inputs)
    net(x).sum().backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in net.parameters())


def test_encoder_probe_has_no_side_effects() -> None:
    u_net = nn.Sequential(nn.Linear(2, 4), nn.BatchNorm1d(4), nn.Tanh())
    v_net = nn.Sequential(nn.Linear(2, 4), nn.Dropout(0.5))
    v_net[1].eval()
    stats = u_net[1].running_mean.clone()
    rng = torch.get_rng_state()
    ResidualFeedForward(2, 1, inner_size=4, transformer_nets=[u_net, v_net])
    torch.testing.assert_close(u_net[1].running_mean, stats)
    assert u_net.training and u_net[1].training and v_net.training and not v_net[1].training
    # the probe draws no random numbers: the first gate gets the next ones
    torch.set_rng_state(rng)
    fresh = nn.Linear(2, 4)
    torch.set_rng_state(rng)
    net = ResidualFeedForward(2, 1, inner_size=4, transformer_nets=[u_net, v_net])
    torch.testing.assert_close(net.layers[0].weight, fresh.weight)


def test_encoder_probe_follows_encoder_dtype() -> None:
    encoders = [nn.Linear(2, 3).double(), nn.Linear(2, 3).double()]
    net = ResidualFeedForward(2, 1, inner_size=3, transformer_nets=encoders).double()
    assert net(torch.randn(4, 2, dtype=torch.float64)).dtype == torch.float64


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"n_layers": 0}, ValueError, r"n_layers=0 must be an int >= 1"),
        ({"inner_size": 2.0}, TypeError, r"inner_size must be an int; got 2\.0"),
        ({"bias": None}, TypeError, r"bias must be True or False; got None"),
        ({"func": [nn.Tanh]}, ValueError, r"func has 1 entries but the network has 2 hidden"),
        ({"func": "tanh"}, TypeError, r"func must be a torch\.nn\.Module subclass"),
        ({"transformer_nets": nn.Linear(2, 4)}, TypeError, r"transformer_nets must be None or a"),
        (
            {"transformer_nets": [nn.Linear(2, 4)] * 3},
            ValueError,
            r"transformer_nets has 3 entries; it must hold exactly two",
        ),
        (
            {"transformer_nets": [nn.Linear(2, 4), "net"]},
            TypeError,
            r"transformer_nets\[1\] must be a torch\.nn\.Module; got 'net'",
        ),
        (
            {"transformer_nets": [nn.Linear(2, 4), nn.Linear(2, 5)]},
            ValueError,
            r"transformer_nets\[1\] maps an input of shape \(2, 2\) to \(2, 5\); .*"
            r"\(\*, inner_size=4\)",
        ),
        (
            {"transformer_nets": [nn.Linear(2, 4), nn.Flatten(0)]},
            ValueError,
            r"transformer_nets\[1\] maps an input of shape \(2, 2\) to \(4,\)",
        ),
    ],
)
def test_residual_errors(kwargs: dict, error: type[Exception], match: str) -> None:
    args = {"input_dimensions": 2, "output_dimensions": 1, "inner_size": 4, **kwargs}
    with pytest.raises(error, match=match):
        ResidualFeedForward(**args)


def test_encoder_with_wrong_input_size_raises_its_own_error_with_a_note() -> None:
    with pytest.raises(RuntimeError, match="mat1 and mat2") as info:
        ResidualFeedForward(2, 1, inner_size=4, transformer_nets=[nn.Linear(3, 4), nn.Linear(2, 4)])
    if sys.version_info >= (3, 11):
        assert "while checking transformer_nets[0]" in "".join(info.value.__notes__)
