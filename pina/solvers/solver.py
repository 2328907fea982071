"""The base of every solver: a LightningModule holding models, optimizers and a problem."""

from __future__ import annotations

from abc import ABCMeta, abstractmethod
from collections.abc import Sequence
from typing import Any

import pytorch_lightning as pl
import torch
from torch import nn

from ..model.network import Network
from ..problem import AbstractProblem

__all__ = ["SolverInterface"]


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, (list, tuple)) else [value]


class SolverInterface(pl.LightningModule, metaclass=ABCMeta):
    """Base class of the solvers: a ``pytorch_lightning.LightningModule``.

    Every model is wrapped in a :class:`~pina.model.network.Network` (which
    selects the input variables, appends the extra features and labels the
    output) and gets its own optimizer, built here over the model's parameters.

    Args:
        models: A model or a list of models (``torch.nn.Module``).
        problem: The problem to solve.
        optimizers: An optimizer class (e.g. ``torch.optim.Adam``) or one per model.
        optimizers_kwargs: Keyword arguments of each optimizer (a dict or one per model).
        extra_features: ``None``; a list of feature modules given to every
            model; or a list of such lists, one per model.

    Raises:
        TypeError: For arguments of the wrong type.
        ValueError: For lists whose lengths do not match the number of models.
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
                raise TypeError(
                    f"models[{i}] must be a torch.nn.Module; got {type(model).__name__}."
                )
        if not isinstance(problem, AbstractProblem):
            raise TypeError(f"problem must be an AbstractProblem; got {type(problem).__name__}.")
        for i, optimizer in enumerate(optimizer_list):
            if not (isinstance(optimizer, type) and issubclass(optimizer, torch.optim.Optimizer)):
                raise TypeError(
                    f"optimizers[{i}] must be a torch.optim.Optimizer class such as "
                    f"torch.optim.Adam (not an instance); got {optimizer!r}."
                )
        for i, kwargs in enumerate(kwargs_list):
            if not isinstance(kwargs, dict):
                raise TypeError(f"optimizers_kwargs[{i}] must be a dict; got {kwargs!r}.")
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
        self._pina_optimizers = [
            optimizer(network.parameters(), **kwargs)
            for optimizer, kwargs, network in zip(optimizer_list, kwargs_list, self._pina_models)
        ]

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

    @abstractmethod
    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """Evaluate the solver's model(s)."""

    @abstractmethod
    def training_step(self, *args: Any, **kwargs: Any) -> Any:
        """One optimisation step (see Lightning)."""

    @abstractmethod
    def configure_optimizers(self) -> Any:
        """Optimizers and schedulers (see Lightning)."""
