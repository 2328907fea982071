"""PINA 0.1's datasets of condition points and the loader that batches them.

The pina :class:`~pina.trainer.Trainer` trains through
:class:`~pina.data.PinaDataModule` (which adds validation and test splits);
these classes stay for code written for PINA 0.1. The loader yields the same
typed :class:`~pina.data.batch.Batch` objects as the data module, over every
point of every condition (see :class:`~pina.data._loader.SplitLoader` for how
the points are spread over the steps and processes).
"""

from __future__ import annotations

import torch

from ._rng import seeded_generator
from .data._loader import Rows, SplitLoader
from .label_tensor import LabelTensor
from .problem import AbstractProblem

__all__ = ["SamplePointDataset", "DataPointDataset", "SamplePointLoader"]


def _ordered(points: LabelTensor, labels: list[str]) -> LabelTensor:
    """``points`` detached, with exactly the columns ``labels`` in that order."""
    points = points.detach()
    return points if points.labels == labels else points.extract(labels)


class SamplePointDataset:
    """Points of the physics conditions (those with an ``equation``).

    Args:
        problem: A problem whose conditions are all sampled.
        device: Where to keep the points (default: where they are).

    Attributes:
        condition_names: Names of the physics conditions, in problem order.
        input_pts: Condition name -> ``LabelTensor`` ``(n_c, k)`` labelled with
            the problem's input variables.
    """

    def __init__(self, problem: AbstractProblem, device: torch.device | str | None = None) -> None:
        variables = problem.input_variables
        self.condition_names = [
            name for name, c in problem.conditions.items() if c.equation is not None
        ]
        self.input_pts: dict[str, LabelTensor] = {
            name: _ordered(problem.input_pts[name], variables).to(device)
            for name in self.condition_names
        }

    def __len__(self) -> int:
        return sum(pts.shape[0] for pts in self.input_pts.values())


class DataPointDataset:
    """Input/output pairs of the data conditions (``input_points`` + ``output_points``).

    Args:
        problem: The problem.
        device: Where to keep the points (default: where they are).

    Attributes:
        condition_names: Names of the data conditions, in problem order.
        input_pts: Condition name -> inputs ``(n_c, k)`` labelled with the
            problem's input variables.
        output_pts: Condition name -> outputs ``(n_c, j)`` (their own labels).
    """

    def __init__(self, problem: AbstractProblem, device: torch.device | str | None = None) -> None:
        variables = problem.input_variables
        self.condition_names = [
            name for name, c in problem.conditions.items() if c.output_points is not None
        ]
        self.input_pts: dict[str, LabelTensor] = {}
        self.output_pts: dict[str, LabelTensor] = {}
        for name in self.condition_names:
            condition = problem.conditions[name]
            assert condition.input_points is not None and condition.output_points is not None
            self.input_pts[name] = _ordered(condition.input_points, variables).to(device)
            self.output_pts[name] = condition.output_points.detach().to(device)

    def __len__(self) -> int:
        return sum(pts.shape[0] for pts in self.input_pts.values())


class SamplePointLoader(SplitLoader):
    """Yield training batches over every point of the physics and data datasets.

    Args:
        sample_dataset: Points of the physics conditions.
        data_dataset: Pairs of the data conditions.
        batch_size: ``None`` for one batch of every point per epoch, or the
            number of points per step (per process).
        shuffle: Reshuffle each condition's points every epoch (only matters
            with ``batch_size``).
        generator: The CPU ``torch.Generator`` that shuffles; by default a new
            one seeded from torch's global generator.

    Raises:
        TypeError: If ``batch_size`` is not ``None`` or an int, or
            ``generator`` is not a CPU ``torch.Generator``.
        ValueError: If ``batch_size`` is not positive.
    """

    def __init__(
        self,
        sample_dataset: SamplePointDataset,
        data_dataset: DataPointDataset,
        batch_size: int | None = None,
        shuffle: bool = True,
        generator: torch.Generator | None = None,
    ) -> None:
        if batch_size is not None and (
            isinstance(batch_size, bool) or not isinstance(batch_size, int)
        ):
            raise TypeError(f"batch_size must be None or a positive int; got {batch_size!r}.")
        if batch_size is not None and batch_size < 1:
            raise ValueError(f"batch_size must be None or a positive int; got {batch_size!r}.")
        if generator is None:
            generator = seeded_generator()
        elif not isinstance(generator, torch.Generator) or generator.device.type != "cpu":
            raise TypeError(f"generator must be a CPU torch.Generator or None; got {generator!r}.")
        rows: dict[str, Rows] = {}
        for name, pts in sample_dataset.input_pts.items():
            rows[name] = Rows(pts, None, torch.arange(pts.shape[0], device=pts.device))
        for name, pts in data_dataset.input_pts.items():
            out = data_dataset.output_pts[name]
            rows[name] = Rows(pts, out, torch.arange(pts.shape[0], device=pts.device))
        super().__init__(rows, batch_size, shuffle, generator)
