"""PirateNetBlock and PirateNet: the block formula, identity at init, gradients, training."""

from __future__ import annotations

import pytest
import torch
from _problems import SimpleODE
from torch import nn

from pina.label_tensor import LabelTensor
from pina.model import PirateNet
from pina.model.layers import FourierFeatureEmbedding, PirateNetBlock
from pina.operators import grad, laplacian
from pina.solvers import PINN
from pina.trainer import Trainer


@pytest.fixture(autouse=True)
def _seed() -> None:
    torch.manual_seed(0)


def test_block_matches_the_formula_of_the_paper() -> None:
    block = PirateNetBlock(4)
    with torch.no_grad():
        block.alpha.fill_(0.3)
    x, u, v = torch.randn(5, 4), torch.rand(5, 4), torch.rand(5, 4)

    def layer(linear: nn.Linear, z: torch.Tensor) -> torch.Tensor:
        return torch.tanh(z @ linear.weight.T + linear.bias)

    f = layer(block.linear1, x)
    z1 = f * u + (1 - f) * v
    g = layer(block.linear2, z1)
    z2 = g * u + (1 - g) * v
    h = layer(block.linear3, z2)
    torch.testing.assert_close(block(x, u, v), 0.3 * h + 0.7 * x)


def test_block_is_the_identity_at_init() -> None:
    block = PirateNetBlock(3, activation=nn.SiLU)
    assert block.alpha.shape == () and block.alpha.item() == 0.0 and block.alpha.requires_grad
    assert isinstance(block.activation, nn.SiLU)
    x = torch.randn(4, 3)
    torch.testing.assert_close(block(x, torch.rand(4, 3), torch.rand(4, 3)), x, rtol=0, atol=0)


def test_net_at_init_is_the_readout_of_the_embedding() -> None:
    net = PirateNet(input_dimension=2, inner_size=16, output_dimension=3)
    assert isinstance(net.embedding, FourierFeatureEmbedding)
    assert net.embedding.sigma == 2.0 and net.embedding.matrix.shape == (2, 8)
    assert len(net.blocks) == 3
    x = torch.rand(10, 2)
    expected = net.output_layer(net.embedding(x))
    torch.testing.assert_close(net(x), expected, rtol=0, atol=0)


def test_net_matches_the_composition_with_nonzero_alpha() -> None:
    net = PirateNet(1, 6, 1, n_layers=2)
    with torch.no_grad():
        for i, block in enumerate(net.blocks):
            block.alpha.fill_(0.5 + 0.2 * i)
    x = torch.rand(8, 1)
    h = net.embedding(x)
    u = torch.tanh(net.linear_u(h))
    v = torch.tanh(net.linear_v(h))
    for block in net.blocks:
        h = block(h, u, v)
    torch.testing.assert_close(net(x), net.output_layer(h))
    assert not torch.allclose(net(x), net.output_layer(net.embedding(x)))


def test_custom_embedding() -> None:
    embedding = nn.Linear(2, 5)
    net = PirateNet(2, 5, 1, embedding=embedding, n_layers=1)
    assert net.embedding is embedding
    x = torch.rand(4, 2)
    torch.testing.assert_close(net(x), net.output_layer(embedding(x)), rtol=0, atol=0)


def test_gradcheck_float64() -> None:
    block = PirateNetBlock(3).double()
    with torch.no_grad():
        block.alpha.fill_(0.4)
    args = tuple(torch.rand(2, 3, dtype=torch.float64, requires_grad=True) for _ in range(3))
    assert torch.autograd.gradcheck(block, args)
    net = PirateNet(2, 4, 1, n_layers=2).double()
    with torch.no_grad():
        for block in net.blocks:
            block.alpha.fill_(0.5)
    x = torch.rand(3, 2, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(net, (x,))


def test_state_dict_round_trip_keeps_b_and_alpha() -> None:
    net = PirateNet(1, 4, 1)
    with torch.no_grad():
        net.blocks[1].alpha.fill_(0.25)
    assert "embedding._matrix" in net.state_dict()
    other = PirateNet(1, 4, 1)
    other.load_state_dict(net.state_dict())
    torch.testing.assert_close(other.embedding.matrix, net.embedding.matrix, rtol=0, atol=0)
    assert other.blocks[1].alpha.item() == 0.25
    x = torch.rand(5, 1)
    torch.testing.assert_close(other(x), net(x), rtol=0, atol=0)


def test_second_derivative_through_pina_operators_on_a_labeltensor() -> None:
    net = PirateNet(1, 6, 1, n_layers=1).double()
    with torch.no_grad():
        net.blocks[0].alpha.fill_(0.0)
    x = LabelTensor(torch.rand(5, 1, dtype=torch.float64), ["x"]).requires_grad_(True)
    out = LabelTensor(net(x), ["u"])
    # at alpha = 0: u = w . [cos(b x), sin(b x)] + c, so u'' = -w . (b**2 [cos, sin])
    b = net.embedding.matrix[0]
    w = net.output_layer.weight[0]
    features = torch.cat([torch.cos(x.as_subclass(torch.Tensor) * b), torch.sin(x * b)], dim=1)
    second = -(features * torch.cat([b, b]) ** 2) @ w
    first = torch.cat([-torch.sin(x * b) * b, torch.cos(x * b) * b], dim=1) @ w
    torch.testing.assert_close(grad(out, x, d=["x"]).as_subclass(torch.Tensor)[:, 0], first)
    torch.testing.assert_close(laplacian(out, x, d=["x"]).as_subclass(torch.Tensor)[:, 0], second)


def test_pinn_trains_two_epochs_and_alpha_moves() -> None:
    problem = SimpleODE()
    problem.discretise_domain(1, "random", locations=["x0"])
    problem.discretise_domain(20, "lh", locations=["D"])
    net = PirateNet(1, 8, 1, n_layers=2)
    solver = PINN(problem, net)
    trainer = Trainer(
        solver,
        max_epochs=2,
        accelerator="cpu",
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
    )
    trainer.train()
    assert any(block.alpha.item() != 0.0 for block in net.blocks)
    out = solver(LabelTensor(torch.rand(4, 1), ["x"]))
    assert torch.isfinite(out).all()


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"inner_size": 7}, ValueError, r"inner_size=7 must be even with the default embedding"),
        ({"inner_size": "8"}, TypeError, r"inner_size must be an int; got '8'"),
        ({"n_layers": 0}, ValueError, r"n_layers=0 must be an int >= 1"),
        ({"input_dimension": 0}, ValueError, r"input_dimension=0 must be an int >= 1"),
        ({"output_dimension": 1.5}, TypeError, r"output_dimension must be an int; got 1.5"),
        ({"embedding": "fourier"}, TypeError, r"embedding must be a torch.nn.Module .*'fourier'"),
        (
            {"embedding": nn.Linear(2, 6)},
            ValueError,
            r"embedding must map \(\*, 2\) to \(\*, inner_size=8\).*shape \(2, 6\)",
        ),
        ({"activation": int}, TypeError, r"activation must be a torch.nn.Module subclass"),
    ],
)
def test_argument_errors(kwargs: dict, error: type[Exception], match: str) -> None:
    arguments = {"input_dimension": 2, "inner_size": 8, "output_dimension": 1, **kwargs}
    with pytest.raises(error, match=match):
        PirateNet(**arguments)


def test_block_argument_errors() -> None:
    with pytest.raises(ValueError, match=r"inner_size=0 must be an int >= 1"):
        PirateNetBlock(0)
    with pytest.raises(TypeError, match=r"activation must be a torch.nn.Module subclass"):
        PirateNetBlock(3, activation="tanh")
    with pytest.raises(TypeError, match=r"returned 1 of type int, not a torch.nn.Module"):
        PirateNetBlock(3, activation=lambda: 1)


def test_activation_function_instead_of_module_keeps_torch_error_with_a_note() -> None:
    with pytest.raises(TypeError, match=r"tanh\(\) missing") as info:
        PirateNetBlock(3, activation=torch.tanh)
    notes = getattr(info.value, "__notes__", None)
    if notes is not None:  # Python >= 3.11
        assert any("activation must be a torch.nn.Module subclass" in note for note in notes)
