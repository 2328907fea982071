"""Training spawned by ``'ddp_spawn'``, ``'ddp_fork'`` or ``'ddp_notebook'`` gives its results back.

Lightning trains these strategies in worker processes and sends back to the
main process only the weights, the Trainer's state, ``callback_metrics`` and
the best checkpoint's path. :class:`ResultsLauncher` also sends what the
process of rank 0 of ``strategy='ddp'`` would hold after training: the loop
progress (``current_epoch``, ``global_step``), ``logged_metrics`` and
``progress_bar_metrics``, ``should_stop``, every callback's ``state_dict``
(e.g. :class:`~pina.callbacks.MetricTracker`'s history), the data module's
``state_dict`` (its generator, splits and replaced points) and the problem's
``input_pts`` that training changed (e.g. points refined by
:class:`~pina.callbacks.R3Refinement`); and it chooses the version folder of
a TensorBoard or CSV logger before starting the workers, so that the main
process's ``trainer.logger.log_dir`` is theirs. The Trainer gives Lightning a
:class:`SpawnDDPStrategy` for those strategy names.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytorch_lightning as pl
import torch
from lightning_fabric.utilities.apply_func import apply_to_collection
from pytorch_lightning.callbacks import Callback, ModelCheckpoint
from pytorch_lightning.loggers import CSVLogger, TensorBoardLogger
from pytorch_lightning.strategies import DDPStrategy, StrategyRegistry
from pytorch_lightning.strategies.launchers.multiprocessing import _MultiProcessingLauncher
from torch import Tensor

from .label_tensor import LabelTensor

__all__ = ["ResultsLauncher", "SpawnDDPStrategy", "strategy_for"]

_KEY = "pina_results_bytes"


class ResultsLauncher(_MultiProcessingLauncher):
    """Lightning's multiprocessing launcher, sending back the state listed in the module doc."""

    def launch(
        self, function: Callable, *args: Any, trainer: pl.Trainer | None = None, **kwargs: Any
    ) -> Any:
        if trainer is not None:
            for logger in trainer.loggers:
                if isinstance(logger, (TensorBoardLogger, CSVLogger)):
                    # Its version (the next free folder) is chosen now and sent to the
                    # workers, so this process's logger names the folder they write in.
                    logger.version  # noqa: B018
        return super().launch(function, *args, trainer=trainer, **kwargs)

    def get_extra_results(self, trainer: pl.Trainer) -> dict[str, Any]:
        extra = super().get_extra_results(trainer)
        results: dict[str, Any] = {
            "fit_loop": trainer.fit_loop.state_dict(),
            "logged_metrics": dict(trainer.logged_metrics),
            "progress_bar_metrics": dict(trainer.progress_bar_metrics),
            "should_stop": trainer.should_stop,
            "callbacks": {cb.state_key: cb.state_dict() for cb in _callbacks(trainer)},
        }
        datamodule = getattr(trainer, "datamodule", None)
        if datamodule is not None:
            results["datamodule"] = datamodule.state_dict()
        problem = getattr(trainer.lightning_module, "problem", None)
        if problem is not None:
            results["input_pts"] = dict(problem.input_pts)
        # .to keeps a LabelTensor's labels (.cpu would not)
        results = apply_to_collection(results, Tensor, lambda t: t.detach().to("cpu"))
        # As Lightning does for callback_metrics: bytes, not tensors in shared memory.
        buffer = io.BytesIO()
        torch.save(results, buffer)
        extra[_KEY] = buffer.getvalue()
        return extra

    def update_main_process_results(self, trainer: pl.Trainer, extra: dict[str, Any]) -> None:
        super().update_main_process_results(trainer, extra)
        # Our own bytes, written by the worker above (they hold LabelTensors).
        results = torch.load(io.BytesIO(extra[_KEY]), weights_only=False)
        trainer.fit_loop.load_state_dict(results["fit_loop"])
        trainer.fit_loop.restarting = False  # finished, as after training in this process
        trainer.logged_metrics.update(results["logged_metrics"])
        trainer.progress_bar_metrics.update(results["progress_bar_metrics"])
        trainer.should_stop = results["should_stop"]
        states = results["callbacks"]
        for callback in _callbacks(trainer):
            state = states.get(callback.state_key)
            if not state:
                continue
            if isinstance(callback, ModelCheckpoint) and callback.dirpath is None:
                # the folder was chosen in the worker (at setup), as it is in this process
                # under strategy='ddp'
                callback.dirpath = state.get("dirpath")
            callback.load_state_dict(state)
        datamodule = getattr(trainer, "datamodule", None)
        if datamodule is not None and "datamodule" in results:
            datamodule.load_state_dict(results["datamodule"])
        problem = getattr(trainer.lightning_module, "problem", None)
        if problem is not None and "input_pts" in results:
            for name, points in results["input_pts"].items():
                if not _same_points(problem.input_pts.get(name), points):
                    problem.input_pts[name] = points


def _callbacks(trainer: pl.Trainer) -> list[Callback]:
    """The Trainer's callbacks (an attribute Lightning sets without declaring it)."""
    return list(trainer.callbacks)  # type: ignore[attr-defined]


def _same_points(mine: Any, theirs: Any) -> bool:
    """Whether two point sets hold the same labels and values (on the CPU)."""
    if not (isinstance(mine, LabelTensor) and isinstance(theirs, LabelTensor)):
        return False
    return (
        mine.labels == theirs.labels
        and mine.shape == theirs.shape
        and mine.dtype == theirs.dtype
        and torch.equal(mine.tensor.detach().cpu(), theirs.tensor)
    )


class SpawnDDPStrategy(DDPStrategy):
    """``DDPStrategy`` whose spawn/fork launcher is a :class:`ResultsLauncher`."""

    def _configure_launcher(self) -> None:
        super()._configure_launcher()
        if self._start_method != "popen" and type(self.launcher) is _MultiProcessingLauncher:
            self._launcher = ResultsLauncher(self, start_method=self._start_method)


def strategy_for(strategy: Any) -> Any:
    """The strategy to give Lightning for the Trainer's ``strategy`` argument.

    Lightning's names of DDP with processes started by ``torch.multiprocessing``
    (``'ddp_spawn'``, ``'ddp_fork'``, ``'ddp_notebook'`` and their
    ``_find_unused_parameters_*`` variants) give a :class:`SpawnDDPStrategy`
    with the same settings; anything else is returned as it is.
    """
    if not isinstance(strategy, str) or strategy not in StrategyRegistry:
        return strategy
    entry = StrategyRegistry[strategy]
    params = dict(entry["init_params"])
    if entry["strategy"] is not DDPStrategy or params.get("start_method", "popen") == "popen":
        return strategy
    return SpawnDDPStrategy(**params)
