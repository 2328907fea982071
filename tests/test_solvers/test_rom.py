"""ReducedOrderModelSolver: a POD-NN on parametric snapshots, its loss and step against the
maths, the encode/decode contract, checkpoints."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from pina import Condition, LabelTensor, Trainer
from pina.equation import FixedValue
from pina.geometry import CartesianDomain
from pina.model import FeedForward
from pina.model.layers import PODBlock
from pina.problem import AbstractProblem, ParametricProblem
from pina.solvers import ReducedOrderModelSolver

N = 50  # points of each snapshot
X = torch.linspace(0, torch.pi, N)
LABELS = [f"u{i}" for i in range(N)]


def _snapshots(mu: torch.Tensor) -> torch.Tensor:
    """u(x; mu) = sin(mu x) at the N points of [0, pi]: (n, 1) parameters -> (n, N) fields."""
    return torch.sin(mu * X)


def _problem(**data: tuple[torch.Tensor, float]) -> AbstractProblem:
    """Snapshot conditions ``name=(mu, data_weight)``; mu in [1, 3]."""

    class Snapshots(ParametricProblem):
        output_variables = LABELS
        parameter_domain = CartesianDomain({"mu": [1, 3]})
        conditions = {
            name: Condition(
                input_points=LabelTensor(mu, ["mu"]),
                output_points=LabelTensor(_snapshots(mu), LABELS),
                data_weight=weight,
            )
            for name, (mu, weight) in data.items()
        }

    return Snapshots()


class PODReduction(nn.Module):
    """A POD as reduction network: encode = reduce, decode = expand (no trainable parameter)."""

    def __init__(self, rank: int) -> None:
        super().__init__()
        self.pod = PODBlock(rank)

    def encode(self, u: torch.Tensor) -> torch.Tensor:
        return self.pod.reduce(u)

    def decode(self, c: torch.Tensor) -> torch.Tensor:
        return self.pod.expand(c)


class AutoEncoder(nn.Module):
    """A trainable linear autoencoder."""

    def __init__(self, rank: int) -> None:
        super().__init__()
        self.encode = nn.Linear(N, rank)
        self.decode = nn.Linear(rank, N)


MU_TRAIN = torch.linspace(1, 3, 40).reshape(-1, 1)


def _pod_rom(seed: int, rank: int = 6, fit: bool = True) -> ReducedOrderModelSolver:
    reduction = PODReduction(rank)
    if fit:
        reduction.pod.fit(_snapshots(MU_TRAIN))
    torch.manual_seed(seed)
    interpolation = FeedForward(1, rank, layers=[20, 20], func=torch.nn.Tanh)
    return ReducedOrderModelSolver(
        _problem(snapshots=(MU_TRAIN, 1.0)),
        reduction,
        interpolation,
        optimizer_kwargs={"lr": 0.01},
    )


def _relative(approximation: torch.Tensor, exact: torch.Tensor) -> float:
    norm = torch.linalg.vector_norm
    return float(norm(approximation - exact) / norm(exact))


def _relative_error(rom: ReducedOrderModelSolver, mu: torch.Tensor) -> float:
    with torch.no_grad():
        prediction = rom(LabelTensor(mu, ["mu"]))
    assert prediction.labels == LABELS
    return _relative(prediction.tensor, _snapshots(mu))


# -------------------------------------------------------------------------- accuracy
def test_pod_rom_reaches_its_tolerance_on_held_out_parameters(trainer_kwargs) -> None:
    rom = _pod_rom(seed=0)
    basis = rom.reduction_network.pod.basis.clone()
    assert list(rom.reduction_network.parameters()) == []  # the POD is fitted, not trained
    Trainer(rom, max_epochs=500, **trainer_kwargs).train()
    assert torch.equal(rom.reduction_network.pod.basis, basis)

    mu_test = 1 + 2 * torch.rand(50, 1, generator=torch.Generator().manual_seed(1))
    # the POD of rank 6 itself reconstructs the held-out snapshots to 2e-5
    projection = rom.reduction_network.decode(rom.reduction_network.encode(_snapshots(mu_test)))
    assert _relative(projection, _snapshots(mu_test)) < 1e-4
    # measured 0.84% (seeds 0-3 of the interpolation network: 0.7% to 1.2%)
    assert _relative_error(rom, mu_test) < 0.03


# ---------------------------------------------------------------- the loss and the step
def test_one_sgd_step_follows_the_latent_plus_reconstruction_loss(trainer_kwargs) -> None:
    torch.manual_seed(0)
    mu_a, mu_b = 1 + 2 * torch.rand(9, 1), 1 + 2 * torch.rand(4, 1)
    weights = {"a": 1.0, "b": 3.0}
    problem = _problem(a=(mu_a, weights["a"]), b=(mu_b, weights["b"]))
    reduction, interpolation = AutoEncoder(3), FeedForward(1, 3, layers=[6])
    lr = 0.05

    def loss(mu: torch.Tensor) -> torch.Tensor:
        u = _snapshots(mu)
        latent = reduction.encode(u)
        return ((interpolation(mu) - latent) ** 2).mean() + (
            (reduction.decode(latent) - u) ** 2
        ).mean()

    losses = {"a": loss(mu_a), "b": loss(mu_b)}
    params = list(reduction.parameters()) + list(interpolation.parameters())
    grads = torch.autograd.grad(sum(weights[k] * v for k, v in losses.items()), params)
    expected = [p.detach() - lr * g for p, g in zip(params, grads)]
    assert all(float(g.abs().max()) > 0 for g in grads)  # the encoder learns from both terms

    rom = ReducedOrderModelSolver(
        problem, reduction, interpolation, optimizer=torch.optim.SGD, optimizer_kwargs={"lr": lr}
    )
    trainer = Trainer(rom, max_epochs=1, **trainer_kwargs)
    trainer.train()
    assert trainer.global_step == 1
    for param, want in zip(params, expected):
        torch.testing.assert_close(param.detach(), want, rtol=1e-5, atol=1e-7)
    logged = trainer.logged_metrics
    assert set(logged) == {"a_loss", "b_loss", "mean_loss"}
    for name, value in losses.items():
        assert float(logged[f"{name}_loss"]) == pytest.approx(float(value), rel=1e-5)
    mean = (float(losses["a"]) + float(losses["b"])) / 2
    assert float(logged["mean_loss"]) == pytest.approx(mean, rel=1e-5)


def test_forward_decodes_the_interpolated_coefficients() -> None:
    rom = _pod_rom(seed=0)
    mu = torch.tensor([[1.5], [2.5]])
    # extra and reordered columns: the input variable is selected by label
    x = LabelTensor(torch.cat([torch.zeros(2, 1), mu], dim=1), ["other", "mu"])
    with torch.no_grad():
        got = rom(x)
        want = rom.reduction_network.decode(rom.interpolation_network(mu))
    assert isinstance(got, LabelTensor) and got.labels == LABELS
    torch.testing.assert_close(got.tensor, want)
    assert set(rom.neural_net) == {"reduction_network", "interpolation_network"}
    with pytest.raises(TypeError, match=r"input must be a LabelTensor labelled with \['mu'\]"):
        rom(mu)


# ------------------------------------------------------------------------ the contract
class _OnlyDecode(nn.Module):
    def decode(self, c):
        return c


class _OnlyEncode(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.encode = nn.Linear(N, 2)
        self.decode = 3  # not callable


@pytest.mark.parametrize(
    ("reduction", "method"), [(_OnlyDecode(), "encode"), (_OnlyEncode(), "decode")]
)
def test_a_reduction_without_encode_or_decode_is_refused(reduction, method) -> None:
    returns = {"encode": "a lower-dimensional representation", "decode": "the snapshots"}[method]
    with pytest.raises(
        TypeError,
        match=rf"reduction_network \(\w+\) must have a callable '{method}' method "
        rf"returning {returns}",
    ):
        ReducedOrderModelSolver(_problem(s=(MU_TRAIN, 1.0)), reduction, FeedForward(1, 2))


def test_other_wrong_arguments_are_refused() -> None:
    problem = _problem(s=(MU_TRAIN, 1.0))
    with pytest.raises(TypeError, match=r"interpolation_network must be a torch.nn.Module; got"):
        ReducedOrderModelSolver(problem, AutoEncoder(2), lambda mu: mu)
    frozen = FeedForward(1, 2)
    frozen.requires_grad_(False)
    with pytest.raises(ValueError, match=r"Neither reduction_network nor interpolation_network"):
        ReducedOrderModelSolver(problem, PODReduction(2), frozen)

    class WithPhysics(ParametricProblem):
        output_variables = ["u0"]
        parameter_domain = CartesianDomain({"mu": [1, 3]})
        conditions = {
            "mu1": Condition(location=CartesianDomain({"mu": 1.0}), equation=FixedValue(0))
        }

    with pytest.raises(ValueError, match=r"data conditions .* only; the conditions \['mu1'\]"):
        ReducedOrderModelSolver(WithPhysics(), AutoEncoder(2), FeedForward(1, 2))


def test_interpolation_and_encoding_of_other_shapes_are_refused(trainer_kwargs) -> None:
    # an interpolation network predicting 3 coefficients for a reduction of rank 2
    rom = ReducedOrderModelSolver(_problem(s=(MU_TRAIN, 1.0)), AutoEncoder(2), FeedForward(1, 3))
    with pytest.raises(
        ValueError,
        match=r"interpolation_network returns shape \(40, 3\) but .*encode returns "
        r"\(40, 2\)",
    ):
        Trainer(rom, max_epochs=1, **trainer_kwargs).train()


# ------------------------------------------------------------------------ checkpoints
def _fit(rom, epochs: int, root, trainer_kwargs, **fit) -> Trainer:
    kwargs = {**trainer_kwargs, "default_root_dir": str(root), "deterministic": True}
    trainer = Trainer(rom, max_epochs=epochs, **kwargs)
    trainer.train(**fit)
    return trainer


def test_resume_from_checkpoint_equals_an_uninterrupted_run(trainer_kwargs, tmp_path) -> None:
    straight = _pod_rom(seed=0)
    _fit(straight, 6, tmp_path / "straight", trainer_kwargs)
    _fit(_pod_rom(seed=0), 3, tmp_path / "first", trainer_kwargs)
    (path,) = (tmp_path / "first").rglob("*.ckpt")

    resumed = _pod_rom(seed=1, fit=False)  # other weights and an unfitted POD: the file wins
    trainer = _fit(resumed, 6, tmp_path / "resumed", trainer_kwargs, ckpt_path=str(path))
    assert trainer.global_step == 6
    for a, b in zip(resumed.state_dict().values(), straight.state_dict().values()):
        assert torch.equal(a, b)


def test_load_from_checkpoint_restores_the_outputs(trainer_kwargs, tmp_path) -> None:
    rom = _pod_rom(seed=0)
    _fit(rom, 3, tmp_path, trainer_kwargs)
    (path,) = tmp_path.rglob("*.ckpt")
    loaded = ReducedOrderModelSolver.load_from_checkpoint(
        str(path),
        problem=_problem(snapshots=(MU_TRAIN, 1.0)),
        reduction_network=PODReduction(6),  # unfitted: its basis comes from the file
        interpolation_network=FeedForward(1, 6, layers=[20, 20], func=torch.nn.Tanh),
    )
    x = LabelTensor(torch.linspace(1, 3, 7).reshape(-1, 1), ["mu"])
    with torch.no_grad():
        assert torch.equal(loaded(x).tensor, rom(x).tensor)
    assert torch.equal(loaded.reduction_network.pod.basis, rom.reduction_network.pod.basis)
