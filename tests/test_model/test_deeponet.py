"""DeepONet and MIONet: the formula with fixed nets, combinations, indices, state, errors."""

from __future__ import annotations

import copy

import pytest
import torch
from torch import nn

from pina.label_tensor import LabelTensor
from pina.model.deeponet import DeepONet, MIONet
from pina.model.feed_forward import FeedForward

COMBINE = {
    "+": lambda t: t.sum(-1),
    "*": lambda t: t.prod(-1),
    "mean": lambda t: t.mean(-1),
    "min": lambda t: t.min(-1).values,
    "max": lambda t: t.max(-1).values,
}


@pytest.fixture(autouse=True)
def _seed() -> None:
    torch.manual_seed(0)


def fixed_linear(weight: list[list[float]], bias: list[float]) -> nn.Linear:
    layer = nn.Linear(len(weight[0]), len(weight))
    with torch.no_grad():
        layer.weight.copy_(torch.tensor(weight))
        layer.bias.copy_(torch.tensor(bias))
    return layer


def branch_trunk() -> tuple[nn.Linear, nn.Linear]:
    """branch(a, b) = (a, b, a + b); trunk(x) = (x, 2x, 1)."""
    branch = fixed_linear([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], [0.0, 0.0, 0.0])
    trunk = fixed_linear([[1.0], [2.0], [0.0]], [0.0, 0.0, 1.0])
    return branch, trunk


def hand_features(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The branch and trunk features of ``branch_trunk`` for columns (x, a, b)."""
    x_, a, b = x[:, 0], x[:, 1], x[:, 2]
    branch = torch.stack([a, b, a + b], dim=-1)
    trunk = torch.stack([x_, 2 * x_, torch.ones_like(x_)], dim=-1)
    return branch, trunk


def set_affine(model: MIONet, s: float, t: float) -> None:
    with torch.no_grad():
        model.scale.fill_(s)
        model.translation.fill_(t)


def test_default_is_scaled_sum_of_products_closed_form() -> None:
    branch, trunk = branch_trunk()
    model = DeepONet(branch, trunk, ["a", "b"], ["x"])
    set_affine(model, 2.0, 0.5)
    x = LabelTensor(torch.tensor([[1.0, 2.0, 3.0], [0.5, -1.0, 4.0]]), ["x", "a", "b"])
    # row 0: 2*1 + 3*2 + 5*1 = 13 -> 2*13 + 0.5; row 1: -0.5 + 4 + 3 = 6.5 -> 13.5
    out = model(x)
    assert type(out) is torch.Tensor and out.shape == (2, 1)
    torch.testing.assert_close(out, torch.tensor([[26.5], [13.5]]))


@pytest.mark.parametrize("reduction", list(COMBINE))
@pytest.mark.parametrize("aggregator", list(COMBINE))
def test_each_aggregator_and_reduction_matches_its_definition(
    aggregator: str, reduction: str
) -> None:
    branch, trunk = branch_trunk()
    model = DeepONet(branch, trunk, [1, 2], [0], aggregator=aggregator, reduction=reduction)
    set_affine(model, -1.5, 0.25)
    x = torch.randn(6, 3)
    b, t = hand_features(x)
    expected = -1.5 * COMBINE[reduction](COMBINE[aggregator](torch.stack([b, t], -1))) + 0.25
    torch.testing.assert_close(model(x), expected.unsqueeze(-1))


def test_label_and_int_indices_give_identical_results() -> None:
    branch, trunk = branch_trunk()
    by_label = DeepONet(branch, trunk, ["a", "b"], ["x"])
    by_int = DeepONet(branch, trunk, [1, 2], [0])
    data = torch.randn(10, 3)
    x = LabelTensor(data, ["x", "a", "b"])
    expected = by_int(data)
    torch.testing.assert_close(by_label(x), expected)
    torch.testing.assert_close(by_int(x), expected)  # int indices on a LabelTensor
    shuffled = LabelTensor(data[:, [2, 0, 1]], ["b", "x", "a"])
    torch.testing.assert_close(by_label(shuffled), expected)


def test_networks_receive_label_tensors_with_their_labels() -> None:
    seen: list[list[str]] = []

    class Reads(nn.Module):
        def forward(self, x: LabelTensor) -> torch.Tensor:
            seen.append(x.labels)
            return x.extract(x.labels[:1]).tensor.expand(-1, 2)

    model = DeepONet(Reads(), Reads(), ["b", "a"], "x")
    model(LabelTensor(torch.randn(3, 3), ["x", "a", "b"]))
    assert seen == [["b", "a"], ["x"]]


def test_mionet_is_sum_over_features_of_the_product_of_all_networks() -> None:
    nets = [nn.Linear(1, 4), nn.Linear(2, 4), nn.Linear(1, 4)]
    model = MIONet({nets[0]: ["x"], nets[1]: ["x", "y"], nets[2]: ["z"]})
    set_affine(model, 0.5, -2.0)
    data = torch.randn(7, 3)
    x = LabelTensor(data, ["x", "y", "z"])
    product = nets[0](data[:, :1]) * nets[1](data[:, :2]) * nets[2](data[:, 2:])
    torch.testing.assert_close(model(x), 0.5 * product.sum(-1, keepdim=True) - 2.0)
    assert list(model.models) == nets
    assert model.indeces_variables_extracted == [["x"], ["x", "y"], ["z"]]


def test_callable_aggregator_and_module_reduction() -> None:
    branch, trunk = branch_trunk()
    received: list[tuple[int, ...]] = []

    def difference(stacked: torch.Tensor) -> torch.Tensor:
        received.append(tuple(stacked.shape))
        return stacked[..., 0] - stacked[..., 1]

    head = nn.Linear(3, 2)
    model = DeepONet(branch, trunk, [1, 2], [0], aggregator=difference, reduction=head)
    x = torch.randn(5, 3)
    b, t = hand_features(x)
    out = model(x)
    assert received == [(5, 3, 2)]
    torch.testing.assert_close(out, head(b - t))  # s = 1, t = 0 at start
    assert model.aggregator is difference and model.reduction is head
    assert any(p is head.weight for p in model.parameters())  # the module is trained


def test_callable_reduction_returning_one_value_per_point_gives_a_column() -> None:
    branch, trunk = branch_trunk()
    model = DeepONet(branch, trunk, [1, 2], [0], reduction=lambda t: t.norm(dim=-1))
    x = torch.randn(4, 3)
    b, t = hand_features(x)
    torch.testing.assert_close(model(x), (b * t).norm(dim=-1, keepdim=True))


def test_leading_dimensions_broadcast() -> None:
    class PooledBranch(nn.Module):
        """Maps (B, N, 1) sensor values to (B, 1, 3) features (the mean over sensors)."""

        def __init__(self) -> None:
            super().__init__()
            self.linear = nn.Linear(1, 3)

        def forward(self, u: torch.Tensor) -> torch.Tensor:
            return self.linear(u.mean(dim=-2, keepdim=True))

    branch, trunk = PooledBranch(), nn.Linear(1, 3)
    model = DeepONet(branch, trunk, [1], [0])
    x = torch.randn(2, 5, 2)
    expected = (branch(x[..., 1:]) * trunk(x[..., :1])).sum(-1, keepdim=True)
    out = model(x)
    assert out.shape == (2, 5, 1)
    torch.testing.assert_close(out, expected)


def test_scale_and_translation_are_parameters_in_state_dict() -> None:
    model = DeepONet(FeedForward(1, 4), FeedForward(2, 4), ["a"], ["x", "y"])
    state = model.state_dict()
    assert {"_scale", "_trasl", "models.0.model.0.weight", "models.1.model.4.bias"} <= set(state)
    assert isinstance(model.scale, nn.Parameter) and isinstance(model.translation, nn.Parameter)
    torch.testing.assert_close(state["_scale"], torch.ones(1))
    torch.testing.assert_close(state["_trasl"], torch.zeros(1))
    model.double()
    assert model.scale.dtype == torch.float64 and model.translation.dtype == torch.float64
    out = model(LabelTensor(torch.randn(3, 3, dtype=torch.float64), ["x", "y", "a"]))
    assert out.dtype == torch.float64


def test_fixed_scale_and_translation_are_buffers_outside_state_dict() -> None:
    branch, trunk = branch_trunk()
    model = DeepONet(branch, trunk, [1, 2], [0], scale=False, translation=False)
    assert "_scale" not in model.state_dict() and "_trasl" not in model.state_dict()
    assert all(p is not model.scale for p in model.parameters())
    torch.testing.assert_close(model.scale, torch.ones(1))
    torch.testing.assert_close(model.translation, torch.zeros(1))
    x = torch.randn(4, 3)
    b, t = hand_features(x)
    torch.testing.assert_close(model(x), (b * t).sum(-1, keepdim=True))
    model.double()
    assert model.scale.dtype == torch.float64 and model.translation.dtype == torch.float64


def test_gradients_reach_every_parameter() -> None:
    model = MIONet(
        {FeedForward(1, 4): [0], FeedForward(2, 4): [0, 1], FeedForward(1, 4): [2]},
        aggregator="*",
        reduction=nn.Linear(4, 1),
    )
    model(torch.randn(6, 3)).square().sum().backward()
    for name, param in model.named_parameters():
        assert param.grad is not None and param.grad.abs().sum() > 0, name


def test_gradcheck_in_float64() -> None:
    model = DeepONet(FeedForward(2, 3), FeedForward(1, 3), [1, 2], [0]).double()
    x = torch.randn(4, 3, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(model, (x,))


def test_same_module_as_branch_and_trunk_and_properties() -> None:
    net = nn.Linear(1, 3)
    model = DeepONet(net, net, [0], [1])
    assert model.branch_net is net and model.trunk_net is net and len(model.models) == 2
    x = torch.randn(4, 2)
    torch.testing.assert_close(model(x), (net(x[:, :1]) * net(x[:, 1:])).sum(-1, keepdim=True))
    assert model.model is model.models
    assert model.indeces_variables_extracted == [[0], [1]]


def test_copies_and_whole_model_pickles(tmp_path) -> None:
    model = DeepONet(FeedForward(1, 4), FeedForward(1, 4), ["a"], ["x"], aggregator="max")
    x = LabelTensor(torch.randn(5, 2), ["x", "a"])
    torch.testing.assert_close(copy.deepcopy(model)(x), model(x))
    path = tmp_path / "deeponet.pt"
    torch.save(model, path)
    loaded = torch.load(path, weights_only=False)
    torch.testing.assert_close(loaded(x), model(x))


# ----------------------------------------------------------------------------- errors
def test_unknown_label_names_it_and_the_available_ones() -> None:
    model = DeepONet(nn.Linear(1, 2), nn.Linear(1, 2), ["a"], ["z"])
    x = LabelTensor(torch.randn(3, 2), ["x", "a"])
    with pytest.raises(
        ValueError,
        match=r"input_indeces_trunk_net=\['z'\]: \['z'\] not found among the input labels "
        r"\['x', 'a'\]",
    ):
        model(x)


def test_out_of_range_column_names_it() -> None:
    model = DeepONet(nn.Linear(1, 2), nn.Linear(1, 2), [5], [0])
    with pytest.raises(
        ValueError,
        match=r"input_indeces_branch_net=\[5\]: column\(s\) \[5\] out of range for an input with "
        r"2 column\(s\)",
    ):
        model(torch.randn(3, 2))


def test_labels_on_a_plain_tensor() -> None:
    model = DeepONet(nn.Linear(1, 2), nn.Linear(1, 2), ["a"], ["x"])
    with pytest.raises(TypeError, match=r"selects columns by label, so the input must be a Label"):
        model(torch.randn(3, 2))


def test_mionet_messages_name_the_network_entry() -> None:
    model = MIONet({nn.Linear(1, 2): ["x"], nn.Linear(1, 2): ["q"]})
    with pytest.raises(ValueError, match=r"networks entry 1 \(Linear\)=\['q'\]"):
        model(LabelTensor(torch.randn(3, 1), ["x"]))


@pytest.mark.parametrize(
    "branch, trunk",
    [
        (FeedForward(1, 10), FeedForward(1, 8)),
        (nn.Linear(1, 10), nn.Sequential(nn.Linear(1, 8), nn.Tanh())),
    ],
)
def test_output_width_mismatch_detected_at_construction(branch: nn.Module, trunk: nn.Module):
    with pytest.raises(
        ValueError,
        match=r"same number of features p .* got output widths branch_net: 10, trunk_net: 8",
    ):
        DeepONet(branch, trunk, [0], [1])


def test_output_width_mismatch_detected_at_forward() -> None:
    class Opaque(nn.Module):
        def __init__(self, width: int) -> None:
            super().__init__()
            self.linear = nn.Linear(1, width)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.linear(x)

    model = DeepONet(Opaque(10), Opaque(8), [0], [1])
    with pytest.raises(
        ValueError, match=r"same width p .* branch_net: \(3, 10\), trunk_net: \(3, 8\)"
    ):
        model(torch.randn(3, 2))


def test_leading_shapes_that_do_not_broadcast() -> None:
    class Rows(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return x[:2].expand(-1, 3)

    model = DeepONet(Rows(), nn.Linear(1, 3), [0], [1])
    with pytest.raises(ValueError, match=r"leading dimensions that broadcast"):
        model(torch.randn(3, 2))


def test_input_dimension_mismatch_detected_at_construction() -> None:
    with pytest.raises(
        ValueError,
        match=r"input_indeces_trunk_net=\['x', 'y'\] selects 2 column\(s\) but trunk_net takes "
        r"inputs of width 1",
    ):
        DeepONet(FeedForward(1, 4), FeedForward(1, 4), ["a"], ["x", "y"])


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"aggregator": "sum"}, ValueError, r"aggregator='sum' is not supported; choose one of"),
        ({"reduction": "prod"}, ValueError, r"reduction='prod' is not supported"),
        ({"aggregator": 3}, TypeError, r"aggregator must be one of .* or a callable"),
        ({"scale": 1}, TypeError, r"scale must be True or False; got 1"),
        ({"translation": None}, TypeError, r"translation must be True or False"),
        ({"input_indeces_branch_net": []}, ValueError, r"input_indeces_branch_net is empty"),
        ({"input_indeces_branch_net": ["a", 0]}, TypeError, r"all str .* or all int"),
        ({"input_indeces_branch_net": [True]}, TypeError, r"all str .* or all int"),
        ({"input_indeces_trunk_net": ["x", "x"]}, ValueError, r"has repeated entries"),
        ({"input_indeces_trunk_net": {"x": 0}}, TypeError, r"must be a list of str"),
        ({"branch_net": torch.sin}, TypeError, r"branch_net must be a torch.nn.Module"),
    ],
)
def test_deeponet_argument_errors(kwargs: dict, error: type[Exception], match: str) -> None:
    args = {
        "branch_net": nn.Linear(1, 2),
        "trunk_net": nn.Linear(1, 2),
        "input_indeces_branch_net": ["a"],
        "input_indeces_trunk_net": ["x"],
        **kwargs,
    }
    with pytest.raises(error, match=match):
        DeepONet(**args)


@pytest.mark.parametrize("networks", [[nn.Linear(1, 1)], None])
def test_mionet_networks_must_be_a_dict(networks: object) -> None:
    with pytest.raises(TypeError, match=r"networks must be a dict mapping each torch.nn.Module"):
        MIONet(networks)


def test_mionet_networks_must_not_be_empty() -> None:
    with pytest.raises(ValueError, match=r"networks is empty; give at least one network"):
        MIONet({})


def test_aggregator_returning_a_non_tensor() -> None:
    model = DeepONet(nn.Linear(1, 2), nn.Linear(1, 2), [0], [1], aggregator=lambda t: 1.0)
    with pytest.raises(TypeError, match=r"the aggregator must return a torch.Tensor"):
        model(torch.randn(3, 2))
