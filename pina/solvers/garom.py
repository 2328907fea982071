r"""Generative adversarial reduced order modelling (GAROM): a conditional BEGAN."""

from __future__ import annotations

import math
import numbers
from typing import Any, cast

import pytorch_lightning as pl
import torch
from pytorch_lightning.core.optimizer import LightningOptimizer
from torch import Tensor, nn
from torch.optim.lr_scheduler import ConstantLR, LRScheduler

from .._errors import ArgumentTypeError
from ..data.batch import Batch
from ..label_tensor import LabelTensor
from ..loss import PowerLoss
from ..model.network import Network
from ..problem import AbstractProblem
from ._validation import build_scheduler, loss_module
from .solver import SolverInterface

__all__ = ["GAROM"]

#: Metrics logged once per epoch besides ``<condition>_loss`` and ``mean_loss``.
_GAN_METRICS = ("d_loss", "g_loss", "stability_metric")


class GAROM(SolverInterface):
    r"""Generative adversarial reduced order model (Coscia, Demo and Rozza, arXiv:2305.15881).

    A generator :math:`G` maps parameters :math:`\mu` (and noise it draws
    itself) to snapshots :math:`\tilde{\mathbf{u}} = G(\mu)`, and a
    discriminator :math:`D` is an autoencoder conditioned on :math:`\mu` that
    reconstructs snapshots, :math:`D([\mathbf{u}, \mu]) \approx \mathbf{u}`;
    its reconstruction error :math:`\ell(D([\mathbf{u}, \mu]), \mathbf{u})`
    tells real from generated snapshots (BEGAN, Berthelot et al. 2017). With
    :math:`\ell` the loss (``PowerLoss(p=1)``, the mean absolute error, by
    default), each training step does, on the batch's pairs
    :math:`(\mu, \mathbf{u})`:

    1. one discriminator step, minimising
       :math:`\mathcal{L}_D = \mathcal{L}_{\rm real} - k\,\mathcal{L}_{\rm fake}` with
       :math:`\mathcal{L}_{\rm real} = \ell(D([\mathbf{u}, \mu]), \mathbf{u})` and
       :math:`\mathcal{L}_{\rm fake} = \ell(D([G(\mu), \mu]), G(\mu))`
       (the target :math:`G(\mu)` detached);
    2. one generator step (with a new sample :math:`G(\mu)` and the updated
       :math:`D`), minimising
       :math:`\mathcal{L}_G = \ell(D([G(\mu), \mu]), G(\mu)) + \lambda_r\,
       \ell(\mathbf{u}, G(\mu))` with :math:`\lambda_r = 1` if ``regularizer``
       else 0;
    3. the balance update, with :math:`\mathcal{L}_{\rm real}` and
       :math:`\mathcal{L}_{\rm fake}` of step 1,

       .. math::
           k \leftarrow \min\big(\max\big(k + \lambda_k (\gamma\,
           \mathcal{L}_{\rm real} - \mathcal{L}_{\rm fake}), 0\big), 1\big),
           \qquad k_0 = 0.

    With several data conditions each term is the sum over the batch's
    conditions weighted by their ``data_weight`` (one discriminator and one
    generator step per training step, not one per condition as in PINA 0.1).
    Under a multi-process strategy the gradients are averaged as for the
    other solvers and :math:`\mathcal{L}_{\rm real}, \mathcal{L}_{\rm fake}`
    are averaged over the processes before the update of :math:`k` (one
    small collective per step), so every process holds the same :math:`k`.
    :math:`k` is a buffer (``_k``): it moves with the solver and is saved in
    checkpoints, so a resumed run continues with it.

    The optimization is manual (``automatic_optimization = False``): the two
    steps go through Lightning's ``LightningOptimizer`` wrappers, so precision
    plugins apply and ``trainer.global_step`` counts both, i.e. it advances
    by 2 per training step (Lightning's rule for manual optimization;
    checkpoint names ``epoch=E-step=S.ckpt`` show it). The schedulers are
    stepped at the end of every epoch (PINA 0.1 never stepped them).
    Lightning refuses ``gradient_clip_val`` and ``accumulate_grad_batches > 1``
    with manual optimization (``MisconfigurationException`` naming the
    option, before training starts).

    **Logged metrics**, once per epoch (means over the epoch's steps, and
    over the processes): ``<condition>_loss``, the generator's reconstruction
    error :math:`\ell(\mathbf{u}, G(\mu))` of the condition (unweighted; one
    noise sample per pair, so it measures a single draw, not the mean of
    :meth:`forward`); ``mean_loss``, their mean; and, as in PINA 0.1,
    ``d_loss`` (:math:`\mathcal{L}_D`), ``g_loss`` (:math:`\mathcal{L}_G`)
    and ``stability_metric``
    (:math:`\mathcal{L}_{\rm real} + |\gamma\mathcal{L}_{\rm real} -
    \mathcal{L}_{\rm fake}|`, the BEGAN convergence measure).

    Args:
        problem: A problem with data conditions only: parameters as
            ``input_points`` ``(n, ..., k)``, snapshots as ``output_points``
            ``(n, ..., m)``.
        generator: Module mapping parameters (a ``LabelTensor`` labelled with
            the input variables) to snapshots whose last dimension is the
            number of output variables; it draws its own noise (e.g.
            ``torch.rand`` on the parameters' device).
        discriminator: Module called with the list ``[snapshots, parameters]``
            (labelled like the condition's data) and returning
            a reconstruction of ``snapshots`` (same shape).
        loss: The loss :math:`\ell` (default ``PowerLoss(p=1)``).
        optimizer_generator: Optimizer class of the generator (default Adam; not LBFGS).
        optimizer_generator_kwargs: Its keyword arguments (default ``{'lr': 0.001}``).
        optimizer_discriminator: Optimizer class of the discriminator.
        optimizer_discriminator_kwargs: Its keyword arguments (default ``{'lr': 0.001}``).
        scheduler_generator: Scheduler class of the generator's optimizer
            (default ``ConstantLR``).
        scheduler_generator_kwargs: Its keyword arguments (default
            ``{'factor': 1, 'total_iters': 0}``).
        scheduler_discriminator: Scheduler class of the discriminator's optimizer.
        scheduler_discriminator_kwargs: Its keyword arguments.
        gamma: The diversity ratio :math:`\gamma \ge 0`, the target of
            :math:`\mathcal{L}_{\rm fake} / \mathcal{L}_{\rm real}`.
        lambda_k: The learning rate :math:`\lambda_k \ge 0` of :math:`k`.
        regularizer: Whether to add the reconstruction error to the
            generator's loss.

    Raises:
        TypeError: For arguments of the wrong type.
        ValueError: For a condition that is not a data condition, LBFGS, or
            a negative or non-finite ``gamma``/``lambda_k``.
    """

    _k: Tensor

    def __init__(
        self,
        problem: AbstractProblem,
        generator: nn.Module,
        discriminator: nn.Module,
        loss: nn.Module | None = None,
        optimizer_generator: type[torch.optim.Optimizer] = torch.optim.Adam,
        optimizer_generator_kwargs: dict[str, Any] | None = None,
        optimizer_discriminator: type[torch.optim.Optimizer] = torch.optim.Adam,
        optimizer_discriminator_kwargs: dict[str, Any] | None = None,
        scheduler_generator: type[LRScheduler] = ConstantLR,
        scheduler_generator_kwargs: dict[str, Any] | None = None,
        scheduler_discriminator: type[LRScheduler] = ConstantLR,
        scheduler_discriminator_kwargs: dict[str, Any] | None = None,
        gamma: float = 0.3,
        lambda_k: float = 0.001,
        regularizer: bool = False,
    ) -> None:
        for name, optimizer in (
            ("optimizer_generator", optimizer_generator),
            ("optimizer_discriminator", optimizer_discriminator),
        ):
            if isinstance(optimizer, type) and issubclass(optimizer, torch.optim.LBFGS):
                raise ValueError(
                    f"{name}=LBFGS is not supported: GAROM takes one gradient step per "
                    "optimizer and training step, which LBFGS (a closure-driven line search) "
                    "cannot do; choose e.g. torch.optim.Adam."
                )
        super().__init__(
            models=[generator, discriminator],
            problem=problem,
            optimizers=[optimizer_generator, optimizer_discriminator],
            optimizers_kwargs=[
                {"lr": 0.001} if optimizer_generator_kwargs is None else optimizer_generator_kwargs,
                {"lr": 0.001}
                if optimizer_discriminator_kwargs is None
                else optimizer_discriminator_kwargs,
            ],
        )
        not_data = [n for n, c in problem.conditions.items() if c.output_points is None]
        if not_data:
            raise ValueError(
                f"GAROM trains on data conditions (input_points + output_points) only; the "
                f"conditions {not_data!r} are not. Use PINN for physics conditions."
            )
        self.automatic_optimization = False
        self._loss = loss_module(
            loss, lambda: PowerLoss(p=1), "pina.loss.PowerLoss(p=1) or torch.nn.MSELoss()"
        )
        self.gamma = _non_negative(gamma, "gamma")
        self.lambda_k = _non_negative(lambda_k, "lambda_k")
        if not isinstance(regularizer, bool):
            raise ArgumentTypeError(f"regularizer must be True or False; got {regularizer!r}.")
        self.regularizer = float(regularizer)
        self.register_buffer("_k", torch.zeros(()))
        self._schedulers: list[LRScheduler] = [
            build_scheduler(
                "scheduler_generator",
                scheduler_generator,
                scheduler_generator_kwargs,
                self.optimizers[0],
            ),
            build_scheduler(
                "scheduler_discriminator",
                scheduler_discriminator,
                scheduler_discriminator_kwargs,
                self.optimizers[1],
            ),
        ]
        self._weights = {name: c.data_weight for name, c in problem.conditions.items()}
        self._gan_sum: Tensor | None = None
        self._gan_steps = 0

    # ------------------------------------------------------------------ properties
    @property
    def generator(self) -> Network:
        """The generator (wrapped in :class:`~pina.model.network.Network`)."""
        return cast(Network, self.models[0])

    @property
    def discriminator(self) -> Network:
        """The discriminator (wrapped in :class:`~pina.model.network.Network`)."""
        return cast(Network, self.models[1])

    @property
    def optimizer_generator(self) -> torch.optim.Optimizer:
        """The generator's optimizer."""
        return self.optimizers[0]

    @property
    def optimizer_discriminator(self) -> torch.optim.Optimizer:
        """The discriminator's optimizer."""
        return self.optimizers[1]

    @property
    def scheduler_generator(self) -> LRScheduler:
        """The generator's learning-rate scheduler."""
        return self._schedulers[0]

    @property
    def scheduler_discriminator(self) -> LRScheduler:
        """The discriminator's learning-rate scheduler."""
        return self._schedulers[1]

    @property
    def loss(self) -> nn.Module:
        """The loss."""
        return self._loss

    @property
    def k(self) -> float:
        r"""The BEGAN balance :math:`k \in [0, 1]` (reading it copies it to the host)."""
        return float(self._k)

    @k.setter
    def k(self, value: float) -> None:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
            raise ValueError(f"k must be a number in [0, 1]; got {value!r}.")
        self._k.fill_(float(value))

    # ------------------------------------------------------------------ inference
    def sample(self, x: LabelTensor) -> LabelTensor:
        """One draw of the generator at parameters ``x``.

        Args:
            x: Parameters ``(n, ..., k)`` labelled with the input variables.

        Returns:
            Snapshots ``(n, ..., m)`` labelled with the output variables.
        """
        return self.generator(x)

    def forward(
        self, x: LabelTensor, mc_steps: int = 20, variance: bool = False
    ) -> LabelTensor | tuple[LabelTensor, LabelTensor]:
        r"""Monte Carlo estimate of the generator's mean (and variance) at parameters ``x``.

        .. math::
            \bar{\mathbf{u}}(\mu) = \frac{1}{S}\sum_{s=1}^S G_s(\mu), \qquad
            \sigma^2(\mu) = \frac{1}{S - 1}\sum_{s=1}^S \big(G_s(\mu) -
            \bar{\mathbf{u}}(\mu)\big)^2,

        over :math:`S` = ``mc_steps`` draws :math:`G_s(\mu)` (each with its own noise).

        Args:
            x: Parameters ``(n, ..., k)`` labelled with the input variables.
            mc_steps: Number :math:`S \ge 1` of draws (:math:`\ge 2` with ``variance``).
            variance: Also return the (unbiased) sample variance.

        Returns:
            The mean ``(n, ..., m)``, or ``(mean, variance)``, labelled with
            the output variables.

        Raises:
            TypeError: If ``mc_steps`` is not an int or ``variance`` not a bool.
            ValueError: If ``mc_steps`` is below 1, or below 2 with ``variance``.
        """
        if isinstance(mc_steps, bool) or not isinstance(mc_steps, numbers.Integral):
            raise TypeError(f"mc_steps must be an int; got {mc_steps!r}.")
        if not isinstance(variance, bool):
            raise TypeError(f"variance must be True or False; got {variance!r}.")
        least = 2 if variance else 1
        if mc_steps < least:
            raise ValueError(
                f"mc_steps={mc_steps!r} must be >= {least}"
                + (" to estimate a variance." if variance else ".")
            )
        draws = torch.stack([self.sample(x).tensor for _ in range(int(mc_steps))])
        labels = list(self.problem.output_variables)
        mean = LabelTensor._from(draws.mean(dim=0), labels)
        if variance:
            return mean, LabelTensor._from(draws.var(dim=0), list(labels))
        return mean

    # ------------------------------------------------------------------ training
    def _generate(self, parameters: LabelTensor, snapshots: LabelTensor) -> LabelTensor:
        """A draw of the generator, with the snapshots' columns (labels) in their order."""
        generated = self.generator(parameters)
        if generated.labels != snapshots.labels:
            generated = generated.extract(snapshots.labels)
        return generated

    def _discriminate(self, snapshots: LabelTensor, parameters: LabelTensor) -> Tensor:
        """The discriminator's reconstruction of ``snapshots`` (checked to have their shape)."""
        out = self.discriminator.torchmodel([snapshots, parameters])
        if out.shape != snapshots.shape:
            raise ValueError(
                f"The discriminator returns shape {tuple(out.shape)} for snapshots of shape "
                f"{tuple(snapshots.shape)}; it must reconstruct them (same shape)."
            )
        return out.tensor if isinstance(out, LabelTensor) else out

    def training_step(self, batch: Batch, batch_idx: int) -> Tensor:
        """One discriminator step, one generator step and the update of ``k``; see the class doc.

        Returns:
            The generator's loss (detached).
        """
        wrapped = pl.LightningModule.optimizers(self)
        assert isinstance(wrapped, list) and len(wrapped) == 2
        opt_generator, opt_discriminator = wrapped
        assert isinstance(opt_generator, LightningOptimizer)
        assert isinstance(opt_discriminator, LightningOptimizer)
        data = [
            (name, part.input, part.target, part.scale)
            for name, part in batch.items()
            if part.input.shape[0] > 0 and part.target is not None
        ]
        factors = [self._weights[name] * scale for name, _, _, scale in data]

        # 1. discriminator: L_real - k L_fake
        opt_discriminator.zero_grad()
        real = self._zero_on_graph() if not data else None
        fake = real
        for (_, params, snapshots, _), factor in zip(data, factors):
            generated = self._generate(params, snapshots)
            d_real = self._discriminate(snapshots, params)
            d_fake = self._discriminate(generated, params)
            real_c = factor * self._loss(d_real, snapshots.tensor)
            fake_c = factor * self._loss(d_fake, generated.tensor.detach())
            real = real_c if real is None else real + real_c
            fake = fake_c if fake is None else fake + fake_c
        assert real is not None and fake is not None
        d_loss = real - self._k * fake
        self.manual_backward(d_loss)
        opt_discriminator.step()

        # 2. generator: L(D(G), G) + regularizer * L(u, G)
        opt_generator.zero_grad()
        g_loss = self._zero_on_graph() if not data else None
        reconstruction: list[Tensor] = []
        for (_, params, snapshots, scale), factor in zip(data, factors):
            generated = self._generate(params, snapshots)
            r_c = self._loss(snapshots.tensor, generated.tensor)
            d_fake = self._discriminate(generated, params)
            g_c = self._loss(d_fake, generated.tensor) + self.regularizer * r_c
            g_loss = factor * g_c if g_loss is None else g_loss + factor * g_c
            reconstruction.append((r_c * scale if scale != 1.0 else r_c).detach())
        assert g_loss is not None
        self.manual_backward(g_loss)
        opt_generator.step()
        self._clamp_unknown_parameters()

        # 3. balance k with the discriminator step's losses (global means)
        with torch.no_grad():
            pair = torch.stack([real.detach(), fake.detach()])
            if self.trainer.world_size > 1:
                pair = self.trainer.strategy.reduce(pair, reduce_op="mean")
            diff = self.gamma * pair[0] - pair[1]
            self._k.add_(self.lambda_k * diff).clamp_(0.0, 1.0)
            extras = torch.stack([d_loss.detach(), g_loss.detach(), pair[0] + diff.abs()])
            self._gan_sum = extras if self._gan_sum is None else self._gan_sum + extras
            self._gan_steps += 1
        self._training_total(reconstruction, [name for name, *_ in data], batch, batch_idx)
        if batch_idx == self.trainer.num_training_batches - 1:
            self._log_gan_metrics(batch_idx)
        return g_loss.detach()

    def _log_gan_metrics(self, batch_idx: int) -> None:
        """Publish the epoch means of ``d_loss``, ``g_loss``, ``stability_metric``; reset."""
        assert self._gan_sum is not None
        means = self._gan_sum / self._gan_steps
        if self.trainer.world_size > 1:
            means = self.trainer.strategy.reduce(means, reduce_op="mean")
        self._publisher.publish(self, list(_GAN_METRICS), means, batch_idx)
        self._gan_sum = None
        self._gan_steps = 0

    def on_train_epoch_start(self) -> None:
        """Start the epoch's metrics, ``d_loss``/``g_loss``/``stability_metric`` too, from zero."""
        super().on_train_epoch_start()
        self._gan_sum = None
        self._gan_steps = 0

    def evaluation_losses(self, batch: Batch, stage: str) -> tuple[list[str], list[Tensor]]:
        r"""The generator's reconstruction error :math:`\ell(\mathbf{u}, G(\mu))` per condition.

        One draw of the generator per pair, as for the training ``<condition>_loss``.
        """
        names: list[str] = []
        losses: list[Tensor] = []
        for name, part in batch.items():
            if part.input.shape[0] == 0 or part.target is None:
                continue
            generated = self._generate(part.input, part.target)
            value = self._loss(part.target.tensor, generated.tensor)
            losses.append(value)
            names.append(name)
        return names, losses

    def on_train_epoch_end(self) -> None:
        """Step the learning-rate schedulers (manual optimization does not)."""
        for scheduler in self._schedulers:
            scheduler.step()

    def configure_optimizers(self) -> tuple[list[torch.optim.Optimizer], list[LRScheduler]]:
        """The generator's and the discriminator's optimizers and schedulers."""
        return self.optimizers, self._schedulers


def _non_negative(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ArgumentTypeError(
            f"{name} must be a float; got {value!r} of type {type(value).__name__}."
        )
    number = float(value)
    if not (math.isfinite(number) and number >= 0):
        raise ValueError(f"{name}={value!r} must be a finite number >= 0.")
    return number
