"""A callback making the solver's model work on normalised data, in the data's units outside."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pytorch_lightning as pl
import torch
from pytorch_lightning.callbacks import Callback
from torch import Tensor

from ..data import PinaDataModule
from ..data.data_module import ConditionData
from ..model.network import Network
from ..solvers.rom import ReducedOrderModelSolver
from ..solvers.solver import SolverInterface

__all__ = ["DataNormalizer"]

_SIDES = ("input", "target")


class DataNormalizer(Callback):
    r"""Train the solver's model on normalised inputs and targets; predict in the data's units.

    When fitting starts, the callback computes per-column statistics of the
    **training split** of the data conditions (those with ``output_points``),
    pooled over all of them: a shift :math:`s` and a scale :math:`\sigma`
    per input variable (from the conditions' input points) and per output
    variable (from their ``output_points``). For fields ``(n, ..., k)``
    every dimension but the last is reduced. A zero scale (a constant column)
    becomes 1; an output variable without data gets :math:`s = 0`,
    :math:`\sigma = 1`.

    The solver's model :math:`\mathcal{M}` (its first model, the one
    ``solver.forward`` evaluates: the PINN network, the supervised model,
    GAROM's generator; a discriminator is left as it is) then computes

    .. math::
        u(x) = \mathcal{M}\Big(\frac{x - s_{in}}{\sigma_{in}}\Big)\,
        \sigma_{out} + s_{out},

    so it sees inputs and produces outputs of order one while ``solver(x)``
    returns predictions in the data's units, and every loss (data and
    physics, training, validation and test) is computed in those units, as
    without the callback. Derivatives of :math:`u` with respect to :math:`x`
    go through the affine maps exactly, so physics conditions sharing the
    model keep their meaning. Extra features are computed from the original
    :math:`x`.

    It helps when the data have scales far from one, or very different from
    each other (e.g. inputs in :math:`[0, 10^{-3}]` and outputs around
    :math:`10^4`): a network initialised for order-one values then needs no
    huge weights or biases, and the optimiser's steps fit every column.

    The statistics are buffers of the model's
    :class:`~pina.model.network.Network` (``input_shift``, ``input_scale``,
    ``output_shift``, ``output_scale``; :meth:`~pina.model.network.Network.set_normalization`),
    so they move with it, are saved in its ``state_dict`` and in checkpoints,
    and come back with ``SolverClass.load_from_checkpoint``. They are also the
    callback's state (:meth:`state_dict`), so ``Trainer.train(ckpt_path=...)``
    resumes with the checkpoint's statistics rather than ones computed again
    from another split. A model that already carries statistics (trained
    before with a normaliser) keeps them, and a callback that already has
    statistics (an earlier fit, or :meth:`load_state_dict`) applies them
    instead of computing new ones.

    Args:
        apply_to: What to normalise: ``'input'``, ``'target'`` or both (a
            tuple of them).
        shift_fn: Statistic of the shift, called as ``shift_fn(values, dim=0)``
            on the ``(N, k)`` pooled training values and returning ``(k,)``
            (``torch.mean`` by default; ``torch.min``-like functions returning
            ``(values, indices)`` work too).
        scale_fn: Statistic of the scale, called the same way
            (``torch.std`` by default).

    Raises:
        TypeError: If ``apply_to`` is not a str or a tuple of str, or a
            statistic is not callable; when fitting starts, if the Trainer is
            not a :class:`pina.trainer.Trainer` (its ``datamodule`` is not a
            :class:`~pina.data.PinaDataModule`), or the solver is not a pina
            solver or is a :class:`~pina.solvers.ReducedOrderModelSolver`.
        ValueError: For an unknown or repeated ``apply_to`` entry; when
            fitting starts, if the problem has no data condition, no
            training row, statistics of the wrong shape or not finite, or
            a model normalised already for other sides than ``apply_to``.

    Example:
        >>> solver = SupervisedSolver(problem, torch.nn.Linear(1, 1))
        >>> Trainer(solver, callbacks=[DataNormalizer()], max_epochs=300).train()
        >>> solver(x)  # in the units of the output data
    """

    def __init__(
        self,
        apply_to: str | Sequence[str] = ("input", "target"),
        shift_fn: Callable[..., Any] = torch.mean,
        scale_fn: Callable[..., Any] = torch.std,
    ) -> None:
        super().__init__()
        self._apply_to = _check_apply_to(apply_to)
        for name, fn in (("shift_fn", shift_fn), ("scale_fn", scale_fn)):
            if not callable(fn):
                raise TypeError(
                    f"{name} must be a callable fn(values, dim=0) -> per-column tensor, e.g. "
                    f"torch.mean or torch.std; got {fn!r}."
                )
        self._shift_fn = shift_fn
        self._scale_fn = scale_fn
        self._shift: dict[str, Tensor] = {}
        self._scale: dict[str, Tensor] = {}

    @property
    def apply_to(self) -> tuple[str, ...]:
        """What is normalised: some of ``'input'`` and ``'target'``."""
        return self._apply_to

    @property
    def shift(self) -> dict[str, Tensor]:
        """``'input'`` -> ``(k,)``, ``'target'`` -> ``(m,)`` shifts (empty before fitting)."""
        return dict(self._shift)

    @property
    def scale(self) -> dict[str, Tensor]:
        """``'input'`` -> ``(k,)``, ``'target'`` -> ``(m,)`` scales (empty before fitting)."""
        return dict(self._scale)

    # ------------------------------------------------------------------ hooks
    def setup(self, trainer: pl.Trainer, pl_module: pl.LightningModule, stage: str) -> None:
        """When fitting starts: compute (or reuse) the statistics and set them on the model."""
        if stage != "fit":
            return
        datamodule = getattr(trainer, "datamodule", None)  # set by Lightning when fitting
        if not isinstance(datamodule, PinaDataModule):
            raise TypeError(
                "DataNormalizer needs a pina.trainer.Trainer (it reads the training split of "
                "trainer.datamodule, a pina.data.PinaDataModule); got a "
                f"{type(trainer).__name__} with datamodule={type(datamodule).__name__}."
            )
        if not isinstance(pl_module, SolverInterface) or isinstance(
            pl_module, ReducedOrderModelSolver
        ):
            raise TypeError(
                "DataNormalizer needs a pina solver whose forward evaluates its first model "
                "(PINN, SupervisedSolver, GAROM, ...; not ReducedOrderModelSolver, which "
                f"calls its networks directly); got {type(pl_module).__name__}."
            )
        network = pl_module.models[0]
        assert isinstance(network, Network)
        carried = network.normalization
        if carried:
            sides = tuple(
                side for side, key in zip(_SIDES, ("input_shift", "output_shift")) if key in carried
            )
            if sides != self._apply_to:
                raise ValueError(
                    f"The solver's model is normalised already for {sides!r} (trained before "
                    f"with a normaliser) but apply_to={self._apply_to!r}; use "
                    f"DataNormalizer(apply_to={sides!r}), or a new model."
                )
            self._shift, self._scale = {}, {}
            for side, key in zip(_SIDES, ("input", "output")):
                if side in sides:
                    self._shift[side] = carried[f"{key}_shift"].detach().cpu().clone()
                    self._scale[side] = carried[f"{key}_scale"].detach().cpu().clone()
            return
        if not self._shift:
            shift, scale = self._statistics(datamodule, pl_module)
            if trainer.world_size > 1:  # every process uses rank 0's statistics
                shift, scale = trainer.strategy.broadcast((shift, scale), src=0)
            self._shift, self._scale = shift, scale
        self._apply(network)

    def state_dict(self) -> dict[str, Any]:
        """The statistics: ``{'shift': {side: Tensor}, 'scale': {side: Tensor}}`` (CPU)."""
        return {
            "shift": {k: v.detach().cpu().clone() for k, v in self._shift.items()},
            "scale": {k: v.detach().cpu().clone() for k, v in self._scale.items()},
        }

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Keep the statistics of :meth:`state_dict` (applied, not recomputed, when fitting).

        Raises:
            ValueError: If they are not those of the sides in ``apply_to``.
        """
        sides = tuple(side for side in _SIDES if side in state_dict["shift"])
        if sides != self._apply_to or set(state_dict["scale"]) != set(sides):
            raise ValueError(
                f"The saved statistics are for {sides!r} but apply_to={self._apply_to!r}; "
                f"load them into DataNormalizer(apply_to={sides!r})."
            )
        self._shift = {k: v.detach().cpu().clone() for k, v in state_dict["shift"].items()}
        self._scale = {k: v.detach().cpu().clone() for k, v in state_dict["scale"].items()}

    # ---------------------------------------------------------------- helpers
    def _apply(self, network: Network) -> None:
        """Set the callback's statistics on the model's Network."""
        kwargs: dict[str, Tensor] = {}
        for side, key in zip(_SIDES, ("input", "output")):
            if side in self._shift:
                kwargs[f"{key}_shift"] = self._shift[side]
                kwargs[f"{key}_scale"] = self._scale[side]
        network.set_normalization(**kwargs)

    def _statistics(
        self, datamodule: PinaDataModule, solver: SolverInterface
    ) -> tuple[dict[str, Tensor], dict[str, Tensor]]:
        """Shift and scale of each side in ``apply_to``, from the data conditions' training rows."""
        data: list[ConditionData] = [
            c for c in datamodule.conditions.values() if c.target is not None
        ]
        if not data:
            raise ValueError(
                "DataNormalizer needs data conditions (input_points + output_points) to compute "
                f"statistics from; the conditions {list(datamodule.conditions)!r} of "
                f"{type(solver.problem).__name__} have none. Add a data condition or remove the "
                "callback."
            )
        rows = [c.rows("train") for c in data]
        if sum(r.input.shape[0] for r in rows) == 0:
            raise ValueError(
                f"The data conditions {[c.name for c in data]!r} have no point in the training "
                "split; give the Trainer a train_size > 0."
            )
        shift: dict[str, Tensor] = {}
        scale: dict[str, Tensor] = {}
        if "input" in self._apply_to:
            width = len(solver.problem.input_variables)
            values = torch.cat([_plain(r.input).reshape(-1, width) for r in rows])
            shift["input"], scale["input"] = self._columns(values, "input")
        if "target" in self._apply_to:
            targets = [r.target for r in rows if r.target is not None]
            stats: list[tuple[Tensor, Tensor] | None] = []
            for variable in solver.problem.output_variables:
                columns = [
                    _plain(t)[..., t.labels.index(variable)].reshape(-1, 1)
                    for t in targets
                    if variable in t.labels
                ]
                stats.append(
                    self._columns(torch.cat(columns), f"target {variable!r}") if columns else None
                )
            # An output variable without data is left as it is: shift 0, scale 1.
            like = next((st[0] for st in stats if st is not None), torch.zeros(1))
            shift["target"] = torch.cat(
                [torch.zeros_like(like) if s is None else s[0] for s in stats]
            )
            scale["target"] = torch.cat(
                [torch.ones_like(like) if s is None else s[1] for s in stats]
            )
        return shift, scale

    def _columns(self, values: Tensor, what: str) -> tuple[Tensor, Tensor]:
        """``shift_fn``/``scale_fn`` of ``values`` ``(N, k)`` along rows, checked: two ``(k,)``."""
        if not values.is_floating_point():
            values = values.to(torch.get_default_dtype())
        width = values.shape[-1]
        result = []
        for name, fn in (("shift_fn", self._shift_fn), ("scale_fn", self._scale_fn)):
            stat = fn(values, dim=0)
            if isinstance(stat, tuple):  # torch.min/torch.max: (values, indices)
                stat = stat[0]
            if not isinstance(stat, Tensor) or stat.numel() != width:
                raise ValueError(
                    f"{name}(values, dim=0) must return one value per column ({width}) of the "
                    f"{what} training values of shape {tuple(values.shape)}; got {stat!r}."
                )
            stat = stat.detach().reshape(width).to(values.dtype).cpu()
            if not bool(torch.isfinite(stat).all()):
                raise ValueError(
                    f"{name} gives non-finite statistics {stat.tolist()!r} for the {what} "
                    f"training values of shape {tuple(values.shape)} (e.g. torch.std of a single "
                    "row); give more training points or another statistic."
                )
            result.append(stat)
        shift, scale = result
        scale = torch.where(scale == 0, torch.ones_like(scale), scale)
        return shift, scale


def _check_apply_to(apply_to: Any) -> tuple[str, ...]:
    """``apply_to`` as a tuple of distinct sides, in ``_SIDES`` order."""
    entries = [apply_to] if isinstance(apply_to, str) else apply_to
    if not isinstance(entries, (list, tuple)) or not all(isinstance(e, str) for e in entries):
        raise TypeError(f"apply_to must be 'input', 'target' or a tuple of them; got {apply_to!r}.")
    unknown = [e for e in entries if e not in _SIDES]
    if unknown or not entries or len(set(entries)) != len(entries):
        raise ValueError(
            f"apply_to={apply_to!r} is not supported; choose one or both (once each) of "
            f"{list(_SIDES)!r}."
        )
    return tuple(side for side in _SIDES if side in entries)


def _plain(values: Tensor) -> Tensor:
    """``values`` as a plain detached tensor."""
    return values.detach().as_subclass(Tensor)
