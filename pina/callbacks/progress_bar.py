"""A progress bar that shows only the metrics one chooses."""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from typing import Any

import pytorch_lightning as pl

from .._progress import TimedProgressBar

__all__ = ["PINAProgressBar"]


class PINAProgressBar(TimedProgressBar):
    """pina's progress bar showing only the chosen metrics (e.g. ``mean_loss``).

    It draws like the Trainer's default bar (at most every
    ``refresh_interval`` seconds, and the final state when training ends) but
    its postfix holds only Lightning's standard items (``v_num`` with a
    logger) and the chosen metrics, in the order given. A chosen metric that
    has not been logged yet is simply absent. Pass it in the Trainer's
    ``callbacks``: it replaces the default bar.

    Each name in ``metrics`` is read, once fitting starts, as:

    * ``'mean'``: the metric ``'mean_loss'`` (the mean of the condition losses);
    * the name of one of the problem's conditions, e.g. ``'x0'``: that
      condition's loss ``'<condition>_loss'``, e.g. ``'x0_loss'``;
    * any other name: the logged metric of that name, e.g. ``'x0_loss'``.

    Args:
        metrics: A metric name or a list of them (see the rule above).
        **kwargs: Keywords of :class:`~pina._progress.TimedProgressBar`:
            ``refresh_interval``, the seconds between two drawings (default 0.25).

    Raises:
        TypeError: If ``metrics`` is not a str or a list of str, or for an
            unknown keyword.
        ValueError: If ``metrics`` is empty or holds an empty name.

    Example:
        >>> bar = PINAProgressBar(metrics=['mean', 'x0'])
        >>> Trainer(pinn, max_epochs=1000, callbacks=[bar]).train()
    """

    def __init__(self, metrics: str | Sequence[str] = "mean", **kwargs: Any) -> None:
        accepted = [
            name
            for name in inspect.signature(TimedProgressBar.__init__).parameters
            if name != "self"
        ]
        unknown = sorted(set(kwargs) - set(accepted))
        if unknown:
            raise TypeError(
                f"PINAProgressBar got unknown keyword(s) {unknown!r}; it accepts metrics and "
                f"{accepted!r} (the bar redraws by time, every refresh_interval seconds)."
            )
        super().__init__(**kwargs)
        self._metrics = _check_metrics(metrics)
        self._shown = _resolve_all(self._metrics, [])

    @property
    def metrics(self) -> list[str]:
        """The metric names as given (short forms included)."""
        return list(self._metrics)

    @property
    def shown_metrics(self) -> list[str]:
        """The names of the logged metrics the bar shows (short forms resolved)."""
        return list(self._shown)

    def setup(self, trainer: pl.Trainer, pl_module: pl.LightningModule, stage: str) -> None:
        super().setup(trainer, pl_module, stage)
        problem = getattr(pl_module, "problem", None)
        conditions = list(getattr(problem, "conditions", None) or [])
        self._shown = _resolve_all(self._metrics, conditions)

    def get_metrics(
        self, trainer: pl.Trainer, pl_module: pl.LightningModule
    ) -> dict[str, int | str | float | dict[str, float]]:
        """Lightning's standard items (e.g. ``v_num``) and the chosen metrics logged so far.

        Args:
            trainer: The Trainer.
            pl_module: The solver being trained.

        Returns:
            The items of the bar's postfix: the standard ones, then the chosen
            metrics in the order given.
        """
        items = super().get_metrics(trainer, pl_module)
        logged = trainer.progress_bar_metrics
        standard = {name: value for name, value in items.items() if name not in logged}
        chosen = {name: items[name] for name in self._shown if name in logged}
        return {**standard, **chosen}


def _check_metrics(metrics: Any) -> list[str]:
    """``metrics`` as a list of names, after checking it."""
    names: list[Any] = [metrics] if isinstance(metrics, str) else metrics
    if not isinstance(names, (list, tuple)):
        raise TypeError(
            f"metrics must be a metric name or a list of them, e.g. ['mean', 'x0_loss']; "
            f"got {metrics!r}."
        )
    if not names:
        raise ValueError(
            f"metrics must name at least one metric, e.g. 'mean' (for 'mean_loss'); "
            f"got {metrics!r}."
        )
    for i, name in enumerate(names):
        if not isinstance(name, str):
            raise TypeError(
                f"metrics[{i}] must be a str (a metric or condition name); got {name!r}."
            )
        if not name:
            raise ValueError(
                f"metrics[{i}] is an empty name; give a metric name (e.g. 'mean_loss'), "
                "a condition name or 'mean'."
            )
    return list(names)


def _resolve_all(names: Sequence[str], conditions: Sequence[str]) -> list[str]:
    """The logged metrics meant by ``names``, without repetitions.

    ``'mean'`` and the condition names get the suffix ``'_loss'``; other names are kept.
    """
    resolved = [f"{n}_loss" if n == "mean" or n in conditions else n for n in names]
    return list(dict.fromkeys(resolved))
