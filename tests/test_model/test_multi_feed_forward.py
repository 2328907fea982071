"""MultiFeedForward: named FeedForward networks, a user-written forward, and errors."""

from __future__ import annotations

import sys

import pytest
import torch

from pina.model.feed_forward import FeedForward
from pina.model.multi_feed_forward import MultiFeedForward


@pytest.fixture(autouse=True)
def _seed() -> None:
    torch.manual_seed(0)


class SumOfTwo(MultiFeedForward):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.u(x) + self.v(x)


FFN = {
    "u": {"input_dimensions": 2, "output_dimensions": 1, "layers": [4]},
    "v": {"input_dimensions": 2, "output_dimensions": 1, "n_layers": 1, "inner_size": 3},
}


def test_networks_are_built_from_their_arguments() -> None:
    model = SumOfTwo(FFN)
    assert isinstance(model.u, FeedForward) and isinstance(model.v, FeedForward)
    widths = [[layer.out_features for layer in net.layers] for net in (model.u, model.v)]
    assert widths == [[4, 1], [3, 1]]
    assert model.u.input_dimension == 2 and model.v.output_dimension == 1
    assert [name for name, _ in model.named_children()] == ["u", "v"]


def test_user_forward_combines_the_networks() -> None:
    model = SumOfTwo(FFN)
    x = torch.randn(5, 2)
    h = torch.tanh(x @ model.u.layers[0].weight.T + model.u.layers[0].bias)
    u = h @ model.u.layers[1].weight.T + model.u.layers[1].bias
    torch.testing.assert_close(model(x), u + model.v(x))


def test_parameters_are_registered_and_trained() -> None:
    model = SumOfTwo(FFN)
    assert {"u.model.0.weight", "v.model.2.bias"} <= set(model.state_dict())
    n_params = sum(p.numel() for p in model.parameters())
    assert n_params == (2 * 4 + 4) + (4 + 1) + (2 * 3 + 3) + (3 + 1)
    model(torch.randn(4, 2)).sum().backward()
    assert all(p.grad is not None for p in model.parameters())


def test_without_forward_the_base_class_cannot_be_called() -> None:
    model = MultiFeedForward(FFN)
    with pytest.raises(NotImplementedError, match=r"forward"):
        model(torch.randn(2, 2))


def test_the_dict_is_not_modified() -> None:
    ffn = {"u": {"input_dimensions": 2, "output_dimensions": 1}}
    MultiFeedForward(ffn)
    assert ffn == {"u": {"input_dimensions": 2, "output_dimensions": 1}}


@pytest.mark.parametrize(
    "ffn_dict, error, match",
    [
        ([("u", {})], TypeError, r"ffn_dict must be a dict mapping a network name"),
        ({1: {}}, TypeError, r"ffn_dict keys must be str .*; got 1"),
        ({"my net": {}}, ValueError, r"ffn_dict key 'my net' is not a valid Python identifier"),
        ({"forward": {}}, ValueError, r"key 'forward' would shadow .*MultiFeedForward.forward"),
        ({"training": {}}, ValueError, r"key 'training' would shadow"),
        ({"u": [2, 1]}, TypeError, r"ffn_dict\['u'\] must be a dict of FeedForward keyword"),
    ],
)
def test_errors(ffn_dict: object, error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        MultiFeedForward(ffn_dict)


def test_feed_forward_errors_come_out_with_a_note_naming_the_entry() -> None:
    with pytest.raises(ValueError, match=r"output_dimensions=0 must be an int >= 1") as info:
        MultiFeedForward({"u": {"input_dimensions": 2, "output_dimensions": 0}})
    if sys.version_info >= (3, 11):
        assert "while building FeedForward(**ffn_dict['u'])" in info.value.__notes__
    with pytest.raises(TypeError, match=r"unexpected keyword argument 'widths'"):
        MultiFeedForward({"u": {"input_dimensions": 2, "output_dimensions": 1, "widths": [2]}})
