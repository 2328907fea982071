"""GAROM: one training step against the BEGAN maths, manual optimization (global_step,
schedulers, refused Lightning options), metrics, Monte Carlo forward, checkpoints."""

from __future__ import annotations

import copy

import pytest
import torch
from lightning_fabric.utilities.exceptions import MisconfigurationException
from pytorch_lightning.callbacks import Callback
from torch import nn

from pina import Condition, LabelTensor, Trainer
from pina.callbacks import MetricTracker
from pina.equation import FixedValue
from pina.geometry import CartesianDomain
from pina.problem import AbstractProblem, ParametricProblem
from pina.solvers import GAROM

D = 10  # points of each snapshot
LABELS = [f"u{i}" for i in range(D)]
MU = torch.linspace(1, 3, 16).reshape(-1, 1)
METRICS = {"data_loss", "mean_loss", "d_loss", "g_loss", "stability_metric"}


def _snapshots(mu: torch.Tensor) -> torch.Tensor:
    return torch.sin(mu * torch.linspace(0, torch.pi, D))


def _problem() -> AbstractProblem:
    class Snapshots(ParametricProblem):
        output_variables = LABELS
        parameter_domain = CartesianDomain({"mu": [1, 3]})
        conditions = {
            "data": Condition(
                input_points=LabelTensor(MU, ["mu"]),
                output_points=LabelTensor(_snapshots(MU), LABELS),
            )
        }

    return Snapshots()


class Generator(nn.Module):
    """Snapshots from the parameter and uniform noise in [-1, 1] (drawn from torch's RNG)."""

    def __init__(self, noise: int = 3) -> None:
        super().__init__()
        self.noise = noise
        self.net = nn.Sequential(nn.Linear(1 + noise, 16), nn.SiLU(), nn.Linear(16, D))

    def forward(self, mu: torch.Tensor) -> torch.Tensor:
        z = 2 * torch.rand(mu.shape[0], self.noise, dtype=mu.dtype, device=mu.device) - 1
        return self.net(torch.cat([mu, z], dim=-1))


class Discriminator(nn.Module):
    """An autoencoder of snapshots conditioned on the parameter."""

    def __init__(self, hidden: int = 4) -> None:
        super().__init__()
        self.encode = nn.Linear(D, hidden)
        self.condition = nn.Linear(1, hidden)
        self.decode = nn.Sequential(nn.Tanh(), nn.Linear(2 * hidden, D))

    def forward(self, data: list[torch.Tensor]) -> torch.Tensor:
        u, mu = data
        return self.decode(torch.cat([self.encode(u), self.condition(mu)], dim=-1))


def _garom(seed: int = 0, **kwargs) -> GAROM:
    torch.manual_seed(seed)
    return GAROM(_problem(), Generator(), Discriminator(), **kwargs)


# ------------------------------------------------------------------ one step, by hand
def test_one_step_is_the_began_update(trainer_kwargs) -> None:
    torch.manual_seed(0)
    generator = nn.Sequential(nn.Linear(1, 8), nn.Tanh(), nn.Linear(8, D))  # no noise
    discriminator = Discriminator()
    g0, d0 = copy.deepcopy(generator), copy.deepcopy(discriminator)
    lr, gamma, lambda_k, k0 = 0.1, 0.3, 0.2, 0.5
    u = _snapshots(MU)

    def l1(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:  # PowerLoss(p=1)
        return (a - b).abs().mean()

    # 1. discriminator: L_real - k L_fake, the generated target detached
    fake = g0(MU)
    real_loss = l1(d0([u, MU]), u)
    fake_loss = l1(d0([fake, MU]), fake.detach())
    grads = torch.autograd.grad(real_loss - k0 * fake_loss, list(d0.parameters()))
    d1 = copy.deepcopy(d0)
    with torch.no_grad():
        for p, g in zip(d1.parameters(), grads):
            p -= lr * g
    # 2. generator, against the updated discriminator, with the regulariser
    fake = g0(MU)
    reconstruction = l1(u, fake)
    g_loss = l1(d1([fake, MU]), fake) + reconstruction
    grads = torch.autograd.grad(g_loss, list(g0.parameters()))
    expected_g = [p.detach() - lr * g for p, g in zip(g0.parameters(), grads)]
    # 3. k
    diff = gamma * real_loss - fake_loss
    expected_k = min(max(k0 + lambda_k * float(diff), 0.0), 1.0)
    assert 0.0 < expected_k < 1.0 and expected_k != k0

    solver = GAROM(
        _problem(),
        generator,
        discriminator,
        optimizer_generator=torch.optim.SGD,
        optimizer_generator_kwargs={"lr": lr},
        optimizer_discriminator=torch.optim.SGD,
        optimizer_discriminator_kwargs={"lr": lr},
        gamma=gamma,
        lambda_k=lambda_k,
        regularizer=True,
    )
    assert solver.k == 0.0
    solver.k = k0
    trainer = Trainer(solver, max_epochs=1, **trainer_kwargs)
    trainer.train()

    assert trainer.global_step == 2  # the discriminator's step and the generator's
    for got, want in zip(discriminator.parameters(), d1.parameters()):
        torch.testing.assert_close(got.detach(), want.detach(), rtol=1e-5, atol=1e-7)
    for got, want in zip(generator.parameters(), expected_g):
        torch.testing.assert_close(got.detach(), want, rtol=1e-5, atol=1e-7)
    assert solver.k == pytest.approx(expected_k, rel=1e-5)
    logged = trainer.logged_metrics
    assert set(logged) == METRICS
    # the condition loss is the generator's reconstruction error
    assert float(logged["data_loss"]) == pytest.approx(float(reconstruction), rel=1e-5)
    assert float(logged["mean_loss"]) == pytest.approx(float(reconstruction), rel=1e-5)
    assert float(logged["d_loss"]) == pytest.approx(float(real_loss - k0 * fake_loss), rel=1e-5)
    assert float(logged["g_loss"]) == pytest.approx(float(g_loss), rel=1e-5)
    stability = float(real_loss + diff.abs())
    assert float(logged["stability_metric"]) == pytest.approx(stability, rel=1e-5)


# ------------------------------------------------------------------ training loop
def test_trains_in_batches_advancing_global_step_and_the_schedulers(
    trainer_kwargs, tmp_path
) -> None:
    solver = _garom(
        scheduler_generator=torch.optim.lr_scheduler.StepLR,
        scheduler_generator_kwargs={"step_size": 1, "gamma": 0.5},
    )
    tracker = MetricTracker()
    epochs, steps = 3, 2  # 16 samples in batches of 8
    trainer = Trainer(
        solver, batch_size=8, max_epochs=epochs, callbacks=[tracker], **trainer_kwargs
    )
    trainer.train()
    # two optimizer steps (LightningOptimizer.step) per training step
    assert trainer.global_step == 2 * epochs * steps
    assert set(trainer.logged_metrics) == METRICS
    for name in METRICS:
        values = tracker.metrics[name]
        assert values.shape == (epochs,) and torch.isfinite(values).all()
    assert 0.0 <= solver.k <= 1.0
    # schedulers stepped once per epoch (manual optimization does not step them itself)
    assert solver.optimizer_generator.param_groups[0]["lr"] == pytest.approx(0.001 / 2**epochs)
    assert solver.optimizer_discriminator.param_groups[0]["lr"] == pytest.approx(0.001)
    (path,) = tmp_path.rglob("*.ckpt")  # Lightning's name shows the optimizer steps
    assert path.name == f"epoch={epochs - 1}-step={2 * epochs * steps}.ckpt"


@pytest.mark.parametrize(
    ("option", "match"),
    [
        ({"gradient_clip_val": 0.5}, r"gradient clipping is not supported for manual optimization"),
        ({"accumulate_grad_batches": 2}, r"accumulation is not supported for manual optimization"),
    ],
)
def test_options_manual_optimization_cannot_honour_are_refused(
    trainer_kwargs, tmp_path, option, match
) -> None:
    solver = _garom()
    before = [p.detach().clone() for p in solver.parameters()]
    trainer = Trainer(solver, max_epochs=1, **option, **trainer_kwargs)
    with pytest.raises(MisconfigurationException, match=match):
        trainer.train()
    assert all(torch.equal(a, b) for a, b in zip(before, solver.parameters()))
    assert list(tmp_path.rglob("*.ckpt")) == []


# ------------------------------------------------------------------ forward
def test_forward_is_the_monte_carlo_mean_and_variance() -> None:
    solver = _garom()
    x = LabelTensor(torch.tensor([[1.2], [2.0], [2.7]]), ["mu"])
    torch.manual_seed(3)
    with torch.no_grad():
        mean, variance = solver(x, mc_steps=7, variance=True)
    torch.manual_seed(3)
    with torch.no_grad():
        draws = torch.stack([solver.generator.torchmodel(x.tensor) for _ in range(7)])
    assert isinstance(mean, LabelTensor) and isinstance(variance, LabelTensor)
    assert mean.shape == variance.shape == (3, D)
    assert mean.labels == variance.labels == LABELS
    torch.testing.assert_close(mean.tensor, draws.mean(dim=0))
    torch.testing.assert_close(variance.tensor, draws.var(dim=0))
    assert bool((variance.tensor > 0).all())  # the noise matters
    with torch.no_grad():
        assert solver(x).shape == (3, D)  # 20 draws, mean only

    with pytest.raises(ValueError, match=r"mc_steps=1 must be >= 2 to estimate a variance"):
        solver(x, mc_steps=1, variance=True)
    with pytest.raises(ValueError, match=r"mc_steps=0 must be >= 1"):
        solver(x, mc_steps=0)
    with pytest.raises(TypeError, match=r"mc_steps must be an int; got 2.5"):
        solver(x, mc_steps=2.5)


# ------------------------------------------------------------------ wrong arguments
def test_wrong_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match=r"optimizer_discriminator=LBFGS is not supported"):
        _garom(optimizer_discriminator=torch.optim.LBFGS)
    with pytest.raises(ValueError, match=r"gamma=-0.1 must be a finite number >= 0"):
        _garom(gamma=-0.1)
    with pytest.raises(TypeError, match=r"lambda_k must be a float; got '0.1'"):
        _garom(lambda_k="0.1")
    with pytest.raises(TypeError, match=r"regularizer must be True or False; got 1"):
        _garom(regularizer=1)
    with pytest.raises(TypeError, match=r"scheduler_discriminator must be a torch.optim"):
        _garom(scheduler_discriminator=torch.optim.SGD)
    with pytest.raises(ValueError, match=r"k must be a number in \[0, 1\]; got 1.5"):
        _garom().k = 1.5

    class WithPhysics(ParametricProblem):
        output_variables = LABELS
        parameter_domain = CartesianDomain({"mu": [1, 3]})
        conditions = {
            "mu1": Condition(location=CartesianDomain({"mu": 1.0}), equation=FixedValue(0))
        }

    with pytest.raises(ValueError, match=r"GAROM trains on data conditions .* \['mu1'\]"):
        GAROM(WithPhysics(), Generator(), Discriminator())


def test_a_discriminator_that_does_not_reconstruct_is_refused(trainer_kwargs) -> None:
    class Scalar(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.linear = nn.Linear(D + 1, 1)

        def forward(self, data):
            return self.linear(torch.cat(data, dim=-1))

    solver = GAROM(_problem(), Generator(), Scalar())
    with pytest.raises(ValueError, match=r"discriminator returns shape \(16, 1\) for snapshots"):
        Trainer(solver, max_epochs=1, **trainer_kwargs).train()


# ------------------------------------------------------------------ checkpoints
class _ReseedEachEpoch(Callback):
    """The generator's noise of epoch e comes from seed 100 + e, so runs can be compared."""

    def on_train_epoch_start(self, trainer, pl_module) -> None:
        torch.manual_seed(100 + trainer.current_epoch)


def _fit(solver, epochs: int, root, trainer_kwargs, **fit) -> Trainer:
    kwargs = {**trainer_kwargs, "default_root_dir": str(root), "deterministic": True}
    trainer = Trainer(solver, max_epochs=epochs, callbacks=[_ReseedEachEpoch()], **kwargs)
    trainer.train(**fit)
    return trainer


def test_resume_from_checkpoint_equals_an_uninterrupted_run(trainer_kwargs, tmp_path) -> None:
    # lambda_k large enough for k to move: it must come back from the file too
    options = {"lambda_k": 0.05, "gamma": 1.0}
    straight = _garom(**options)
    _fit(straight, 6, tmp_path / "straight", trainer_kwargs)
    _fit(_garom(**options), 3, tmp_path / "first", trainer_kwargs)
    (path,) = (tmp_path / "first").rglob("*.ckpt")
    assert path.name == "epoch=2-step=6.ckpt"

    resumed = _garom(seed=1, **options)  # other initial weights: the file wins
    trainer = _fit(resumed, 6, tmp_path / "resumed", trainer_kwargs, ckpt_path=str(path))
    assert trainer.global_step == 12
    assert straight.k > 0.0
    assert set(resumed.state_dict()) == set(straight.state_dict())
    for name, value in straight.state_dict().items():
        assert torch.equal(resumed.state_dict()[name], value), name


def test_load_from_checkpoint_restores_the_outputs_and_k(trainer_kwargs, tmp_path) -> None:
    solver = _garom(lambda_k=0.05, gamma=1.0)
    _fit(solver, 3, tmp_path, trainer_kwargs)
    (path,) = tmp_path.rglob("*.ckpt")
    torch.manual_seed(9)
    loaded = GAROM.load_from_checkpoint(
        str(path), problem=_problem(), generator=Generator(), discriminator=Discriminator()
    )
    assert loaded.k == solver.k > 0.0
    x = LabelTensor(torch.linspace(1, 3, 5).reshape(-1, 1), ["mu"])
    with torch.no_grad():
        torch.manual_seed(0)
        expected = solver(x, mc_steps=4, variance=True)
        torch.manual_seed(0)
        got = loaded(x, mc_steps=4, variance=True)
    for a, b in zip(got, expected):
        assert torch.equal(a.tensor, b.tensor)


def test_a_fit_stopped_mid_epoch_leaks_nothing_into_the_next(trainer_kwargs) -> None:
    # Regression: GAROM's own sums (d_loss, g_loss, stability_metric) kept the steps of a
    # fit stopped mid-epoch: the second fit's epoch means then averaged 5 steps, not 4.
    class Recording(GAROM):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.published: list[tuple[int, float]] = []

        def _log_gan_metrics(self, batch_idx):
            assert self._gan_sum is not None
            self.published.append((self._gan_steps, float(self._gan_sum[0] / self._gan_steps)))
            super()._log_gan_metrics(batch_idx)

    torch.manual_seed(0)
    solver = Recording(_problem(), Generator(), Discriminator())
    Trainer(solver, batch_size=4, max_steps=2, **trainer_kwargs).train()  # 1 of 4 steps
    assert solver.published == []
    trainer = Trainer(solver, batch_size=4, max_epochs=1, **trainer_kwargs)
    trainer.train()
    ((steps, mean),) = solver.published
    assert steps == 4
    assert float(trainer.logged_metrics["d_loss"]) == pytest.approx(mean, rel=1e-6)
