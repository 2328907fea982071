r"""The training step of PINNs trained as a two-player game (manual optimization)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import pytorch_lightning as pl
import torch
from pytorch_lightning.core.optimizer import LightningOptimizer
from torch import Tensor, nn
from torch.optim.lr_scheduler import LRScheduler

from ...data.batch import Batch
from ...equation.equation_interface import EquationInterface
from ...label_tensor import LabelTensor
from .._validation import build_scheduler
from .basepinn import PINNInterface


class MinMaxPINN(PINNInterface):
    r"""Base of the PINNs that solve :math:`\min_\theta \max_\phi G(\theta, \phi)`.

    The model's weights :math:`\theta` (with the unknown parameters of an
    inverse problem) descend and an adversary's :math:`\phi` ascend the same
    objective :math:`G = \sum_c w_c G_c` (the subclass's :meth:`loss_phys` and
    :meth:`loss_data` give each condition's :math:`G_c` as gradient and PINN's
    loss as value). Each step is one simultaneous gradient descent-ascent
    step: one forward and one backward pass give both gradients,

    .. math::
        \theta \leftarrow \mathrm{opt}_\theta(\nabla_\theta G), \qquad
        \phi \leftarrow \mathrm{opt}_\phi(-\nabla_\phi G),

    then the unknown parameters are clamped into their range.

    The optimization is manual (``automatic_optimization = False``): the two
    steps go through Lightning's ``LightningOptimizer`` wrappers, so
    precision plugins apply and ``trainer.global_step`` counts both, i.e. it
    advances by 2 per training step (Lightning's rule for manual
    optimization; checkpoint names ``epoch=E-step=S.ckpt`` show it). The
    schedulers are stepped at the end of every epoch. Lightning itself refuses
    ``gradient_clip_val`` and ``accumulate_grad_batches > 1`` with manual
    optimization (``MisconfigurationException`` naming the option, before
    training starts), as well as ``StochasticWeightAveraging`` (two optimizers).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.automatic_optimization = False
        self._schedulers: list[LRScheduler] = []

    def _set_schedulers(
        self,
        names: Sequence[str],
        schedulers: Sequence[type[LRScheduler]],
        schedulers_kwargs: Sequence[dict[str, Any] | None],
    ) -> None:
        """Build one scheduler per optimizer (after both optimizers exist)."""
        for optimizer in self.optimizers:
            if isinstance(optimizer, torch.optim.LBFGS):
                raise ValueError(
                    f"{type(self).__name__} takes one gradient step per optimizer and training "
                    "step, which LBFGS (a closure-driven line search) cannot do; choose e.g. "
                    "torch.optim.Adam."
                )
        self._schedulers = [
            build_scheduler(name, scheduler, kwargs, optimizer)
            for name, scheduler, kwargs, optimizer in zip(
                names, schedulers, schedulers_kwargs, self.optimizers
            )
        ]

    def _adversary_parameters(self) -> Iterator[nn.Parameter]:
        r"""The parameters :math:`\phi` that ascend :math:`G` (those of the second optimizer)."""
        for group in self.optimizers[1].param_groups:
            yield from group["params"]

    def loss_phys(self, samples: LabelTensor, equation: EquationInterface) -> Tensor:
        """PINN's ``loss(0, residual)`` at the samples (a new forward pass)."""
        residual = self.compute_residual(samples, equation)
        return self.loss(torch.zeros_like(residual), residual)

    def training_step(self, batch: Batch, batch_idx: int) -> Tensor:
        """One simultaneous descent (model) and ascent (adversary) step; see the class doc."""
        names, losses = self._condition_losses(batch)
        total = self._training_total(losses, names, batch, batch_idx)
        if self.trainer.world_size > 1:
            # Adversary parameters unused on this process in this step (e.g. the weights of
            # a condition without points here) must still join DDP's gradient all-reduce.
            total = total + self._zero_on_graph(self._adversary_parameters())
        wrapped = pl.LightningModule.optimizers(self)
        assert isinstance(wrapped, list) and len(wrapped) == 2
        model_optimizer, adversary_optimizer = wrapped
        assert isinstance(model_optimizer, LightningOptimizer)
        assert isinstance(adversary_optimizer, LightningOptimizer)
        model_optimizer.zero_grad()
        adversary_optimizer.zero_grad()
        self.manual_backward(total)
        with torch.no_grad():
            for param in self._adversary_parameters():
                if param.grad is not None:
                    param.grad.neg_()
        model_optimizer.step()
        adversary_optimizer.step()
        self._clamp_unknown_parameters()
        return total.detach()

    def on_train_epoch_end(self) -> None:
        """Step the learning-rate schedulers (manual optimization does not)."""
        for scheduler in self._schedulers:
            scheduler.step()

    def configure_optimizers(self) -> tuple[list[torch.optim.Optimizer], list[LRScheduler]]:
        """The model's and the adversary's optimizers and schedulers."""
        return self.optimizers, self._schedulers
