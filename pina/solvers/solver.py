"""The base of every solver: a LightningModule holding models, optimizers and a problem."""

from __future__ import annotations

import os
from abc import ABCMeta, abstractmethod
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import pytorch_lightning as pl
import torch
from pytorch_lightning.core.optimizer import LightningOptimizer
from torch import Tensor, nn

from .._checkpoint import check_checkpoint_file, problem_signature, signature_differences
from .._errors import ArgumentTypeError
from ..data.batch import Batch, ConditionBatch
from ..label_tensor import LabelTensor
from ..model.network import Network
from ..problem import AbstractProblem, InverseProblem
from ._epoch_losses import EpochLosses
from ._epoch_metrics import EpochMetricsPublisher
from ._validation import check_kwargs, check_optimizer_class, naming_kwargs

__all__ = ["SolverInterface"]


def data_loss(loss: nn.Module, prediction: LabelTensor, target: LabelTensor) -> Tensor:
    """``loss(prediction, target)`` on the target's columns (labels matched once, no copy).

    Args:
        loss: The loss module.
        prediction: Model output ``(n, ..., m)`` labelled with the output variables.
        target: Expected values ``(n, ..., j)`` labelled with some of them.

    Returns:
        A scalar tensor.
    """
    if prediction._labels != target._labels:
        prediction = prediction.extract(target._labels)
    return loss(prediction.tensor, target.tensor)


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, (list, tuple)) else [value]


class SolverInterface(pl.LightningModule, metaclass=ABCMeta):
    r"""Base class of the solvers: a ``pytorch_lightning.LightningModule``.

    Every model is wrapped in a :class:`~pina.model.network.Network` (which
    selects the input variables, appends the extra features and labels the
    output) and gets its own optimizer, built here over the model's parameters.

    For an :class:`~pina.problem.InverseProblem`, the unknown parameters
    :math:`\mu_j \in [a_j, b_j]` are trained with the first model:

    * they are registered on the solver, in a ``torch.nn.ParameterDict``
      holding the very ``Parameter`` objects of ``problem.unknown_parameters``
      (so the problem's dict shows the trained values), which moves them with
      the solver to its device and dtype and saves them in its ``state_dict``
      and checkpoints (``load_from_checkpoint`` and ``ckpt_path=`` restore
      them);
    * the first optimizer holds them as a second parameter group (same
      options as the model's; e.g. ``optimizers[0].param_groups[1]['lr']``
      sets their own learning rate), except ``LBFGS``, which allows one group;
    * after every optimizer step they are clamped into their range,
      :math:`\mu_j \leftarrow \min(\max(\mu_j, a_j), b_j)`.

    Args:
        models: A model or a list of models (``torch.nn.Module``).
        problem: The problem to solve.
        optimizers: An optimizer class (e.g. ``torch.optim.Adam``) or one per model.
        optimizers_kwargs: Keyword arguments of each optimizer (a dict or one per model).
        extra_features: ``None``; a list of feature modules given to every
            model; or a list of such lists, one per model.

    Raises:
        TypeError: For arguments of the wrong type.
        ValueError: For lists whose lengths do not match the number of models,
            or an unknown parameter outside its range.
    """

    def __init__(
        self,
        models: nn.Module | Sequence[nn.Module],
        problem: AbstractProblem,
        optimizers: type[torch.optim.Optimizer] | Sequence[type[torch.optim.Optimizer]],
        optimizers_kwargs: dict[str, Any] | Sequence[dict[str, Any]],
        extra_features: Sequence[Any] | None = None,
    ) -> None:
        super().__init__()
        model_list = _as_list(models)
        optimizer_list = _as_list(optimizers)
        kwargs_list = _as_list(optimizers_kwargs)
        for i, model in enumerate(model_list):
            if not isinstance(model, nn.Module):
                raise ArgumentTypeError(
                    f"models[{i}] must be a torch.nn.Module; got {type(model).__name__}."
                )
        if not isinstance(problem, AbstractProblem):
            raise ArgumentTypeError(
                f"problem must be an AbstractProblem; got {type(problem).__name__}."
            )
        for i, optimizer in enumerate(optimizer_list):
            check_optimizer_class(f"optimizers[{i}]", optimizer)
        kwargs_names = (
            ["optimizer_kwargs"]
            if len(kwargs_list) == 1
            else [f"optimizers_kwargs[{i}]" for i in range(len(kwargs_list))]
        )
        for kwargs_name, kwargs in zip(kwargs_names, kwargs_list):
            if not isinstance(kwargs, dict):
                raise ArgumentTypeError(f"{kwargs_name} must be a dict; got {kwargs!r}.")
        if len(optimizer_list) != len(model_list) or len(kwargs_list) != len(model_list):
            raise ValueError(
                f"Give one optimizer and one optimizer_kwargs dict per model; got "
                f"{len(model_list)} model(s), {len(optimizer_list)} optimizer(s) and "
                f"{len(kwargs_list)} optimizer_kwargs."
            )
        features = self._features_per_model(extra_features, len(model_list))
        self._pina_problem = problem
        self._pina_models = nn.ModuleList(
            Network(model, problem.input_variables, problem.output_variables, feats)
            for model, feats in zip(model_list, features)
        )
        unknowns: dict[str, nn.Parameter] = {}
        self._unknown_ranges: dict[str, list[float]] = {}
        if isinstance(problem, InverseProblem):
            unknowns = problem._check_unknown_parameters()
            self._unknown_ranges = problem.unknown_parameter_domain.range_
        # The same Parameter objects as the problem's (nn.ParameterDict does not copy them).
        self._pina_unknown_parameters = nn.ParameterDict(unknowns)
        self._pina_optimizers = [
            _build_optimizer(
                kwargs_names[i],
                optimizer,
                kwargs,
                network,
                list(unknowns.values()) if i == 0 else [],
            )
            for i, (optimizer, kwargs, network) in enumerate(
                zip(optimizer_list, kwargs_list, self._pina_models)
            )
        ]
        self._epoch_losses = {
            stage: EpochLosses.of(problem, stage) for stage in ("train", "val", "test")
        }
        self._publisher = EpochMetricsPublisher()
        # Evaluating physics conditions needs autograd, also in validation and test.
        self._has_physics = any(c.equation is not None for c in problem.conditions.values())

    @staticmethod
    def _features_per_model(extra_features: Sequence[Any] | None, n_models: int) -> list[list[Any]]:
        if extra_features is None or len(extra_features) == 0:
            return [[] for _ in range(n_models)]
        if not isinstance(extra_features, (list, tuple)):
            raise TypeError(
                f"extra_features must be a list of modules (or one list per model); "
                f"got {type(extra_features).__name__}."
            )
        if isinstance(extra_features[0], (list, tuple)):
            if len(extra_features) != n_models:
                raise ValueError(
                    f"extra_features has {len(extra_features)} lists but there are {n_models} "
                    "models; give one list per model, or one flat list shared by all models."
                )
            return [list(f) for f in extra_features]
        return [list(extra_features) for _ in range(n_models)]

    @property
    def models(self) -> nn.ModuleList:
        """The models, each wrapped in a :class:`~pina.model.network.Network`."""
        return self._pina_models

    @property
    def optimizers(self) -> list[torch.optim.Optimizer]:  # type: ignore[override]
        """The torch optimizers, one per model."""
        return self._pina_optimizers

    @property
    def problem(self) -> AbstractProblem:
        """The problem being solved."""
        return self._pina_problem

    # ------------------------------------------------------------- checkpoints
    #: Key of the problem's signature in checkpoints (see :meth:`on_save_checkpoint`).
    _SIGNATURE_KEY = "pina_problem"

    def on_save_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        """Store the problem's signature (conditions, variables, unknowns) in the checkpoint.

        Subclasses overriding this hook call ``super().on_save_checkpoint(checkpoint)``.
        """
        checkpoint[self._SIGNATURE_KEY] = problem_signature(self.problem)

    def on_load_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        """Refuse a checkpoint made for another problem, before any weight is restored.

        Resuming (``Trainer.train(ckpt_path=...)``) needs the same conditions,
        input and output variables and unknown parameters;
        ``load_from_checkpoint`` the same variables and unknown parameters
        (the weights do not depend on the conditions). Checkpoints without a
        signature (older files) are not checked. Subclasses overriding this
        hook call ``super().on_load_checkpoint(checkpoint)``.

        Raises:
            ValueError: Naming what differs.
        """
        saved = checkpoint.get(self._SIGNATURE_KEY)
        if not isinstance(saved, dict):
            return
        resuming = self._trainer is not None
        keys: tuple[str, ...] = ("input_variables", "output_variables", "unknown_parameters")
        if resuming:
            keys = ("conditions", *keys)
        differences = signature_differences(saved, problem_signature(self.problem), keys)
        if differences:
            action = "resume training of" if resuming else "load the weights into"
            raise ValueError(
                f"This checkpoint was made for another problem ({saved.get('problem')!r}), so "
                f"it cannot {action} {type(self).__name__} on {type(self.problem).__qualname__}"
                ": " + "; ".join(differences) + "."
            )

    @classmethod
    def load_from_checkpoint(cls, checkpoint_path: Any, *args: Any, **kwargs: Any) -> Any:
        """Lightning's ``load_from_checkpoint``, refusing a truncated or corrupt file first.

        Args:
            checkpoint_path: The checkpoint file (or an open file object).
            *args: Passed to ``pytorch_lightning.LightningModule.load_from_checkpoint``.
            **kwargs: Passed on too (``problem=``, ``model=``, ``map_location``, ...).

        Raises:
            FileNotFoundError: If there is no file at ``checkpoint_path``.
            ValueError: If the file is truncated or corrupt, or was made for a
                problem with other variables or unknown parameters.
        """
        if isinstance(checkpoint_path, (str, os.PathLike)):
            check_checkpoint_file(checkpoint_path)
        return super().load_from_checkpoint(checkpoint_path, *args, **kwargs)

    # ------------------------------------------------------ unknown parameters
    def optimizer_step(
        self,
        epoch: int,
        batch_idx: int,
        optimizer: torch.optim.Optimizer | LightningOptimizer,
        optimizer_closure: Callable[[], Any] | None = None,
    ) -> None:
        """Lightning's optimizer step, then the clamping of the unknown parameters.

        Clamping here, right after the step, means every later hook (callbacks'
        ``on_train_batch_end``, checkpoints) sees parameters inside their range.
        A subclass overriding this hook should call ``super().optimizer_step``;
        a solver with manual optimization calls
        :meth:`_clamp_unknown_parameters` after its own steps.
        """
        super().optimizer_step(epoch, batch_idx, optimizer, optimizer_closure)
        self._clamp_unknown_parameters()

    def _clamp_unknown_parameters(self) -> None:
        r"""Clamp each unknown parameter into its range, in place: :math:`\mu_j \in [a_j, b_j]`.

        A few in-place device operations, no host synchronisation; nothing for
        problems without unknown parameters.
        """
        with torch.no_grad():
            for name, param in self._pina_unknown_parameters.items():
                low, high = self._unknown_ranges[name]
                param.clamp_(low, high)

    # ------------------------------------------------------------ epoch metrics
    def on_train_epoch_start(self) -> None:
        """Start the epoch's training metrics from zero.

        (So a fit stopped mid-epoch, by ``max_steps`` or a ``Timer``, leaves
        nothing behind for the next one.) Subclasses overriding this hook call
        ``super().on_train_epoch_start()``.
        """
        self._epoch_losses["train"].reset()

    def on_validation_epoch_start(self) -> None:
        """Start the validation metrics from zero."""
        self._reset_evaluation("val")

    def on_test_epoch_start(self) -> None:
        """Start the test metrics from zero."""
        self._reset_evaluation("test")

    def _reset_evaluation(self, stage: str) -> None:
        self._epoch_losses[stage].reset()

    def _training_total(
        self, losses: list[Tensor], names: list[str], batch: Batch, batch_idx: int
    ) -> Tensor:
        r"""Record a training step's condition losses; return :math:`\sum_c w_c \mathcal{L}_c`.

        At the epoch's last step, publishes the epoch's training metrics.

        Args:
            losses: Scalar loss of each condition with points in the step
                (already multiplied by its ``scale``).
            names: The condition of each loss.
            batch: The step's batch.
            batch_idx: Index of the step in the epoch.

        Returns:
            The scalar loss to minimise (a zero on the graph of every
            parameter when this process has no point in the step, so the
            gradient all-reduce of the other processes stays in step).
        """
        accumulator = self._epoch_losses["train"]
        stacked = accumulator.add(losses, names, batch.keys())
        if batch_idx == self.trainer.num_training_batches - 1:
            metric_names, values, floats = accumulator.metrics(self)
            self._publisher.publish(self, metric_names, values, batch_idx, floats)
        if not losses:
            return self._zero_on_graph()
        return accumulator.total(stacked, names)

    def _zero_on_graph(self, parameters: Iterable[nn.Parameter] | None = None) -> Tensor:
        """A zero on the graph of ``parameters`` (default: every trainable one).

        Under DDP every parameter must get a gradient in every step, also on a
        process with no point in it: adding this keeps the all-reduce in step.
        """
        dtype = self.dtype if isinstance(self.dtype, torch.dtype) else None
        zero = torch.zeros((), device=self.device, dtype=dtype)
        for param in self.parameters() if parameters is None else parameters:
            if param.requires_grad:
                zero = zero + 0.0 * param.sum()
        return zero

    # --------------------------------------------------------- validation, test
    def validation_step(self, batch: Batch, batch_idx: int) -> None:
        """Add the batch's condition losses to the validation metrics (no optimizer step)."""
        self._evaluation_step(batch, "val")

    def test_step(self, batch: Batch, batch_idx: int) -> None:
        """Add the batch's condition losses to the test metrics (no optimizer step)."""
        self._evaluation_step(batch, "test")

    def on_validation_epoch_end(self) -> None:
        """Publish ``val_loss``, ``<condition>_val_loss`` (and ``val_rel_l2``)."""
        self._publish_evaluation("val")

    def on_test_epoch_end(self) -> None:
        """Publish ``test_loss``, ``<condition>_test_loss`` (and ``test_rel_l2``)."""
        self._publish_evaluation("test")

    def _evaluation_step(self, batch: Batch, stage: str) -> None:
        """Evaluate a validation or test batch with gradients on (for the derivatives)."""
        if not self._has_physics:
            names, losses = self.evaluation_losses(batch, stage)
        else:
            # Lightning evaluates under torch.inference_mode (or no_grad); derivatives of
            # physics conditions need autograd, and batches sliced inside inference mode
            # are inference tensors, which autograd cannot save: clone those.
            with torch.inference_mode(False), torch.enable_grad():
                names, losses = self.evaluation_losses(_outside_inference(batch), stage)
        rows = [batch[name].input.shape[0] for name in names]
        self._epoch_losses[stage].add_points(losses, names, rows)

    def evaluation_losses(self, batch: Batch, stage: str) -> tuple[list[str], list[Tensor]]:
        """The loss of each condition of a validation or test batch.

        The default is the data loss ``loss(model(input), target)`` of every
        data condition; the physics-informed solvers add the loss of each
        physics condition's residual. Each is the mean over the condition's
        points of the batch on this process (not multiplied by its
        multi-process ``scale``: the metrics weigh it by its number of points).

        Args:
            batch: The batch.
            stage: ``'val'`` or ``'test'``.

        Returns:
            The names of the conditions with points on this process and their
            scalar losses.
        """
        names: list[str] = []
        losses: list[Tensor] = []
        loss = getattr(self, "loss", None)
        if not isinstance(loss, nn.Module):
            raise NotImplementedError(
                f"{type(self).__name__} has no loss module to evaluate validation/test batches "
                "with; override evaluation_losses."
            )
        for name, part in batch.items():
            if part.input.shape[0] == 0 or part.target is None:
                continue
            losses.append(data_loss(loss, self.forward(part.input), part.target))
            names.append(name)
        return names, losses

    def _evaluation_metrics(self, stage: str) -> tuple[list[str], list[Tensor]]:
        """Names and 0-d values of a validation/test run's metrics (extended by subclasses)."""
        names, values, _ = self._epoch_losses[stage].metrics(self)
        return names, list(values.unbind(0)) if names else []

    def _publish_evaluation(self, stage: str) -> None:
        names, values = self._evaluation_metrics(stage)
        if names:
            self._publisher.publish(self, names, torch.stack(values), 0, stage=stage)

    @abstractmethod
    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """Evaluate the solver's model(s)."""

    @abstractmethod
    def training_step(self, *args: Any, **kwargs: Any) -> Any:
        """One optimisation step (see Lightning)."""

    @abstractmethod
    def configure_optimizers(self) -> Any:
        """Optimizers and schedulers (see Lightning)."""


def _outside_inference(batch: Batch) -> Batch:
    """``batch`` with every inference tensor cloned into a normal one (the others as they are)."""

    def normal(t: Any) -> Any:
        return t.clone() if isinstance(t, Tensor) and torch.is_inference(t) else t

    parts = {}
    for name, part in batch.items():
        if torch.is_inference(part.input) or (
            part.target is not None and torch.is_inference(part.target)
        ):
            part = ConditionBatch(
                normal(part.input), normal(part.target), normal(part.indices), part.scale
            )
        parts[name] = part
    return Batch(parts, batch.split)


def _build_optimizer(
    name: str,
    optimizer: type[torch.optim.Optimizer],
    kwargs: dict[str, Any],
    network: nn.Module,
    unknowns: list[nn.Parameter],
) -> torch.optim.Optimizer:
    """The optimizer of ``network``, with the ``unknowns`` as a second parameter group.

    ``name`` is the kwargs argument's name in the message of an unknown key.
    """
    check_kwargs(name, optimizer, kwargs, positional="params")
    params = list(network.parameters())
    groups: Any = params
    if unknowns:
        # LBFGS allows a single parameter group.
        lbfgs = issubclass(optimizer, torch.optim.LBFGS)
        groups = params + unknowns if lbfgs else [{"params": params}, {"params": unknowns}]
    with naming_kwargs(name, optimizer, kwargs):
        return optimizer(groups, **kwargs)
