import pytest
import torch
from torch import nn

from pina.label_tensor import LabelTensor
from pina.model.network import Network


class Affine(nn.Module):
    """out_j = sum_i W[j, i] * in_i + b_j with fixed, readable weights."""

    def __init__(self, weight: list[list[float]], bias: list[float]) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.tensor(weight))
        self.bias = nn.Parameter(torch.tensor(bias))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x @ self.weight.T + self.bias


class Recorder(nn.Module):
    """Return its input unchanged and remember it."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: torch.Tensor | None = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.seen = x
        return x


class Product(nn.Module):
    """Extra feature x * y, returned as a plain tensor."""

    def forward(self, x: LabelTensor) -> torch.Tensor:
        return x.extract("x").tensor * x.extract("y").tensor


class SinFeature(nn.Module):
    """Extra feature sin(pi x), labelled."""

    def forward(self, x: LabelTensor) -> LabelTensor:
        return LabelTensor(torch.sin(torch.pi * x.extract("x").tensor), "sin_x")


@pytest.fixture
def pts() -> LabelTensor:
    return LabelTensor(torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]), ["x", "y", "t"])


def test_selects_input_variables_by_label(pts: LabelTensor) -> None:
    # u = x - 2 y: t is ignored, and permuting the columns changes nothing.
    net = Network(Affine([[1.0, -2.0]], [0.0]), ["x", "y"], ["u"])
    out = net(pts)
    assert isinstance(out, LabelTensor)
    assert out.labels == ["u"]
    torch.testing.assert_close(out.tensor, torch.tensor([[-3.0], [-6.0]]))
    permuted = LabelTensor(pts.tensor[:, [2, 1, 0]], ["t", "y", "x"])
    torch.testing.assert_close(net(permuted).tensor, out.tensor)


def test_model_receives_columns_in_input_variables_order(pts: LabelTensor) -> None:
    rec = Recorder()
    net = Network(rec, ["t", "x"], ["a", "b"])
    out = net(pts)
    assert rec.seen is not None
    torch.testing.assert_close(
        rec.seen.as_subclass(torch.Tensor), torch.tensor([[3.0, 1.0], [6.0, 4.0]])
    )
    assert out.labels == ["a", "b"]


def test_labels_multi_output(pts: LabelTensor) -> None:
    net = Network(
        Affine([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], [0.0, 0.0, 1.0]), ["x", "y"], ["u", "v", "p"]
    )
    out = net(pts)
    assert out.labels == ["u", "v", "p"]
    torch.testing.assert_close(out.extract("p").tensor, torch.tensor([[4.0], [10.0]]))
    assert net.output_variables == ["u", "v", "p"]
    assert net.input_variables == ["x", "y"]


def test_extra_features_appended(pts: LabelTensor) -> None:
    rec = Recorder()
    net = Network(rec, ["x", "y"], ["x", "y", "xy", "sx"], extra_features=[Product(), SinFeature()])
    out = net(pts)
    x = torch.tensor([[1.0], [4.0]])
    y = torch.tensor([[2.0], [5.0]])
    expected = torch.cat([x, y, x * y, torch.sin(torch.pi * x)], dim=-1)
    torch.testing.assert_close(out.tensor, expected)
    assert isinstance(rec.seen, LabelTensor)
    assert rec.seen.labels == ["x", "y", "extra_feature_0_0", "sin_x"]
    assert len(net.extra_features) == 2


def test_extra_features_with_parameters_train() -> None:
    class Scaled(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.k = nn.Parameter(torch.tensor(2.0))

        def forward(self, x: LabelTensor) -> torch.Tensor:
            return self.k * x.extract("x").tensor

    net = Network(Affine([[0.0, 3.0]], [0.0]), ["x"], ["u"], extra_features=[Scaled()])
    names = {name for name, _ in net.named_parameters()}
    assert "_extra_features.0.k" in names
    pts = LabelTensor(torch.tensor([[1.0], [2.0]]), "x")
    net(pts).tensor.sum().backward()
    feature = net.extra_features[0]
    assert feature.k.grad is not None
    # u = 3 k x  ->  du/dk summed = 3 (1 + 2)
    torch.testing.assert_close(feature.k.grad, torch.tensor(9.0))


def test_output_width_mismatch(pts: LabelTensor) -> None:
    net = Network(Affine([[1.0, 0.0], [0.0, 1.0]], [0.0, 0.0]), ["x", "y"], ["u"])
    with pytest.raises(
        ValueError,
        match=r"returns 2 output column\(s\).*output_variables=\['u'\].*output_dimensions 1",
    ):
        net(pts)


def test_non_label_tensor_input() -> None:
    net = Network(Affine([[1.0, 0.0]], [0.0]), ["x", "y"], ["u"])
    with pytest.raises(
        TypeError,
        match=r"Network input must be a LabelTensor labelled with \['x', 'y'\]; got Tensor",
    ):
        net(torch.rand(3, 2))


def test_missing_input_variable() -> None:
    net = Network(Affine([[1.0, 0.0]], [0.0]), ["x", "y"], ["u"])
    with pytest.raises(ValueError, match=r"\['y'\] not found; available labels are \['x', 't'\]"):
        net(LabelTensor(torch.rand(3, 2), ["x", "t"]))


def test_gradients_flow_to_input_points() -> None:
    net = Network(Affine([[2.0, -1.0]], [0.0]), ["x", "y"], ["u"])
    pts = LabelTensor(torch.rand(4, 2), ["y", "x"]).requires_grad_()
    net(pts).tensor.sum().backward()
    assert pts.grad is not None
    torch.testing.assert_close(pts.grad, torch.tensor([[-1.0, 2.0]] * 4))


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"model": lambda x: x}, TypeError, "model must be a torch.nn.Module; got function"),
        ({"input_variables": "x"}, TypeError, "input_variables must be a list of str; got 'x'"),
        ({"output_variables": ["u", 1]}, TypeError, r"output_variables must be a list of str"),
        (
            {"extra_features": [lambda x: x]},
            TypeError,
            r"extra_features\[0\] must be a torch.nn.Module",
        ),
    ],
)
def test_constructor_errors(kwargs: dict, error: type, match: str) -> None:
    args = {"model": nn.Identity(), "input_variables": ["x"], "output_variables": ["u"], **kwargs}
    with pytest.raises(error, match=match):
        Network(**args)


def test_torchmodel_and_submodule() -> None:
    inner = nn.Linear(2, 1)
    net = Network(inner, ["x", "y"], ["u"])
    assert net.torchmodel is inner
    assert sum(p.numel() for p in net.parameters()) == 3
