r"""Callbacks that move the collocation points during training."""

from __future__ import annotations

from typing import Any

import pytorch_lightning as pl
import torch
from pytorch_lightning.callbacks import Callback
from torch import Tensor

from .._errors import ArgumentTypeError
from .._rng import PicklesGenerators, seeded_generator
from ..label_tensor import LabelTensor
from ..trainer import Trainer

__all__ = ["R3Refinement"]


class R3Refinement(PicklesGenerators, Callback):
    r"""Retain-Resample-Release refinement of the collocation points (Daw et al., 2023).

    Every ``sample_every`` epochs (after epochs ``sample_every - 1``,
    ``2 * sample_every - 1``, ...), for each physics condition defined on a
    location (``Condition(location=..., equation=...)``) with points
    :math:`x_1, \dots, x_n`:

    1. the residual magnitude :math:`r_i = \lVert \mathcal{A}[u](x_i) \rVert_2`
       (the absolute value for a one-column residual) is computed with the
       solver's current model (``solver.compute_residual``; no optimizer step);
    2. the points with :math:`r_i > \bar r = \frac1n \sum_j r_j` are kept
       (retained), in their order;
    3. the others are released and as many new points are drawn uniformly
       (``mode='random'``) from the condition's location, after the kept ones;

    so each condition keeps its number of points. The new points are written
    to ``problem.input_pts`` and training uses them from the next epoch
    (through :meth:`pina.trainer.Trainer.update_points`). The points
    concentrate where the residual stays large.

    Randomness comes from the callback's own ``torch.Generator``, seeded from
    torch's global generator when fitting first starts (so
    ``seed_everything`` reproduces runs). Its state is saved in checkpoints
    and the points in the Trainer's, so a resumed run refines exactly as an
    uninterrupted one. Under a multi-process strategy, process 0 refines and
    sends the points to the others.

    Differences from PINA 0.1.1: the mean is taken per condition (0.1.1 pooled
    all conditions' residuals, whose scales differ, and spread the new points
    evenly over the conditions, changing their sizes); the first refinement
    comes after ``sample_every`` epochs (0.1.1 also refined after epoch 0);
    multi-column residuals use their norm.

    Args:
        sample_every: Number of epochs between refinements, a positive int.

    Raises:
        TypeError: If ``sample_every`` is not an int; when fitting starts, if
            the Trainer is not a :class:`pina.trainer.Trainer` or the solver
            has no ``compute_residual`` (a PINN solver is needed).
        ValueError: If ``sample_every < 1``; when fitting starts, if no
            physics condition has a location.

    Example:
        >>> Trainer(pinn, max_epochs=1000, callbacks=[R3Refinement(sample_every=10)]).train()
    """

    # A torch.Generator cannot cross to processes started by torch.multiprocessing
    # (strategy='ddp_spawn' pickles the callbacks): its state is sent instead.
    _generator_attributes = ("_generator",)

    def __init__(self, sample_every: int) -> None:
        super().__init__()
        if isinstance(sample_every, bool) or not isinstance(sample_every, int):
            raise ArgumentTypeError(f"sample_every must be a positive int; got {sample_every!r}.")
        if sample_every < 1:
            raise ValueError(f"sample_every must be a positive int; got {sample_every!r}.")
        self._sample_every = sample_every
        self._generator: torch.Generator | None = None
        self._conditions: list[str] = []

    @property
    def sample_every(self) -> int:
        """Number of epochs between refinements."""
        return self._sample_every

    # ------------------------------------------------------------------ hooks
    def setup(self, trainer: pl.Trainer, pl_module: pl.LightningModule, stage: str) -> None:
        if stage != "fit":
            return
        if not isinstance(trainer, Trainer):
            raise TypeError(
                "R3Refinement needs a pina.trainer.Trainer (it trains on the refined points "
                f"through Trainer.update_points); got {type(trainer).__name__}."
            )
        if not callable(getattr(pl_module, "compute_residual", None)):
            raise TypeError(
                "R3Refinement needs a physics-informed solver with compute_residual (e.g. "
                f"PINN); got {type(pl_module).__name__}."
            )
        problem = trainer.solver.problem
        self._conditions = [
            name
            for name, c in problem.conditions.items()
            if c.location is not None and c.equation is not None
        ]
        if not self._conditions:
            raise ValueError(
                f"R3Refinement refines physics conditions defined on a location, and "
                f"{type(problem).__name__} has none among {list(problem.conditions)!r}."
            )
        if self._generator is None:
            self._generator = seeded_generator()

    def on_train_epoch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if (trainer.current_epoch + 1) % self._sample_every == 0:
            self._refine(trainer, pl_module)

    def state_dict(self) -> dict[str, Any]:
        return {} if self._generator is None else {"generator": self._generator.get_state()}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        if "generator" in state_dict:
            if self._generator is None:
                self._generator = torch.Generator()
            self._generator.set_state(state_dict["generator"])

    # ------------------------------------------------------------- refinement
    def _refine(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        """Refine every condition now (see the class doc); called every ``sample_every`` epochs.

        Args:
            trainer: The pina Trainer fitting ``pl_module``.
            pl_module: The solver.
        """
        assert isinstance(trainer, Trainer) and self._generator is not None
        problem = trainer.solver.problem
        new_points: dict[str, LabelTensor] | None = None
        if trainer.is_global_zero:
            new_points = {
                name: self._refine_condition(pl_module, problem, name) for name in self._conditions
            }
        if trainer.world_size > 1:
            new_points = trainer.strategy.broadcast(new_points, src=0)
        assert new_points is not None
        for name, points in new_points.items():
            problem.input_pts[name] = points
        trainer.update_points(list(new_points))

    def _refine_condition(self, solver: Any, problem: Any, name: str) -> LabelTensor:
        """Kept points of condition ``name`` followed by new ones, on the CPU."""
        condition = problem.conditions[name]
        old: LabelTensor = problem.input_pts[name].detach()
        magnitude = self._residual_magnitude(solver, old, condition.equation).cpu()
        keep = magnitude > magnitude.mean()
        kept = old.cpu()[keep]
        n_new = old.shape[0] - kept.shape[0]
        if n_new == 0:
            return kept
        sampled = condition.location.sample(n_new, "random", generator=self._generator)
        fresh = sampled.extract(kept.labels).to(dtype=kept.dtype)
        return LabelTensor.vstack([kept, fresh])

    @staticmethod
    def _residual_magnitude(solver: Any, points: LabelTensor, equation: Any) -> Tensor:
        r"""Residual magnitude :math:`\lVert \mathcal{A}[u](x_i) \rVert_2` at each point.

        Args:
            solver: A solver with ``compute_residual`` (a PINN solver).
            points: ``LabelTensor`` ``(n, k)`` labelled with the input variables.
            equation: The condition's equation.

        Returns:
            A detached tensor ``(n,)`` on the solver's device.
        """
        with torch.enable_grad():
            pts = points.to(device=solver.device, dtype=solver.dtype).requires_grad_()
            residual = solver.compute_residual(pts, equation)
        values = residual.detach().reshape(points.shape[0], -1)
        return torch.linalg.vector_norm(values, dim=1)
