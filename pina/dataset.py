"""Datasets of condition points and the loader that batches them for training.

The loader keeps every tensor on the training device (it is moved once, when
training starts) and yields, each step, a dict ``condition name -> (input,
output, scale)``:

* ``input``: ``LabelTensor`` ``(b, k)`` labelled with the problem's input
  variables, in that order;
* ``output``: ``LabelTensor`` ``(b, m)`` for data conditions, ``None`` for
  physics conditions;
* ``scale``: a float, 1.0 on one process. Under a multi-process strategy each
  process holds a disjoint shard of every condition's points, and ``scale``
  (``world_size * local_rows / global_rows``) makes the average over processes
  of the scaled local mean losses equal the mean loss over all the points of the
  step, so averaged gradients and logged losses are the global ones.

A condition with no point in a step on this process (possible when it has fewer
points than there are steps or processes) appears with an empty ``input`` and
``scale`` 0.0; the solver skips it.

With ``batch_size=None`` one step per epoch holds every point. With an int,
the number of steps per epoch is ``ceil(points on this process / batch_size)``
and every condition's points are split evenly over the steps, so each step
holds points of every condition (when it has enough), each point is used
exactly once per epoch, and ``batch_size`` counts points per process per step
(as in Lightning, the global batch is ``batch_size * world_size``).

Shuffling draws from the loader's own ``torch.Generator`` (on the CPU, seeded
from torch's global generator when the loader is built, so ``seed_everything``
reproduces it and the order is the same on every device). Its state and any
points replaced with :meth:`SamplePointLoader.replace_points` make up
:meth:`SamplePointLoader.get_state`, which the pina ``Trainer`` keeps in its
checkpoints and gives back with :meth:`SamplePointLoader.set_state` on resume.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from typing import Any

import torch
from torch import Tensor

from ._rng import pack, seeded_generator, unpack
from .label_tensor import LabelTensor
from .problem import AbstractProblem

__all__ = ["SamplePointDataset", "DataPointDataset", "SamplePointLoader"]

Batch = dict[str, tuple[LabelTensor, LabelTensor | None, float]]


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


class SamplePointLoader:
    """Yield training batches from the physics and data datasets.

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
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.generator = generator
        self.condition_names = sample_dataset.condition_names + data_dataset.condition_names
        self._physics = list(sample_dataset.condition_names)
        self._inputs: dict[str, LabelTensor] = {
            **sample_dataset.input_pts,
            **data_dataset.input_pts,
        }
        self._outputs: dict[str, LabelTensor | None] = {
            name: data_dataset.output_pts.get(name) for name in self.condition_names
        }
        self._replaced: list[str] = []
        self._global_rows = {name: pts.shape[0] for name, pts in self._inputs.items()}
        self._local_inputs = dict(self._inputs)
        self._local_outputs = dict(self._outputs)
        self._device: torch.device | str | None = None
        self._dtype: torch.dtype | None = None
        self._rank, self._world_size = 0, 1
        self._plan()

    def __getstate__(self) -> dict[str, Any]:
        # A torch.Generator cannot cross to processes started by torch.multiprocessing
        # (strategy='ddp_spawn'): send its state.
        state = dict(self.__dict__)
        state["generator"] = pack(self.generator)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.generator = unpack(state["generator"])

    # ---------------------------------------------------------------- set-up
    def setup(
        self,
        device: torch.device | str,
        dtype: torch.dtype | None = None,
        rank: int = 0,
        world_size: int = 1,
    ) -> None:
        """Move the points to ``device``/``dtype`` and keep this process's shard.

        Called once when training starts (by the Trainer), so no step copies
        points between devices.

        Args:
            device: The training device.
            dtype: Floating dtype of the model (``None`` keeps the points' dtype).
            rank: This process's global rank.
            world_size: Number of processes.
        """
        self._device, self._dtype = device, dtype
        self._rank, self._world_size = rank, world_size
        for name in self.condition_names:
            self._place(name)
        self._plan()

    def _place(self, name: str) -> None:
        """Keep this process's shard of condition ``name``, on the training device/dtype."""
        if self._device is None:
            self._local_inputs[name] = self._inputs[name]
            self._local_outputs[name] = self._outputs[name]
            return
        rows = _shard(self._global_rows[name], self._world_size)[self._rank]
        self._local_inputs[name] = _move(self._inputs[name][rows], self._device, self._dtype)
        output = self._outputs[name]
        self._local_outputs[name] = (
            None if output is None else _move(output[rows], self._device, self._dtype)
        )

    # ----------------------------------------------------------------- points
    def points(self, name: str) -> LabelTensor:
        """The points of condition ``name`` on every process (not only this one's shard).

        Args:
            name: A condition name.

        Returns:
            ``LabelTensor`` ``(n, k)`` labelled with the problem's input
            variables, where it was given (not moved to the training device).

        Raises:
            ValueError: For an unknown condition.
        """
        if name not in self._inputs:
            raise ValueError(
                f"name={name!r} is not a condition; choose from {self.condition_names!r}."
            )
        return self._inputs[name]

    @property
    def replaced(self) -> list[str]:
        """Names of the conditions whose points :meth:`replace_points` changed, in order."""
        return list(self._replaced)

    def replace_points(self, points: Mapping[str, LabelTensor], fixed_steps: bool = False) -> None:
        """Train on new points for some physics conditions, from the next epoch on.

        The points are the new full set of each condition (on every process,
        so every process must pass the same ones); each process keeps its
        shard, moved to the training device and dtype if training has started.
        An epoch already running finishes on the old points.

        Args:
            points: Physics condition name -> ``LabelTensor`` ``(n, k)`` whose
                labels include the problem's input variables (extra columns
                are dropped, columns are reordered).
            fixed_steps: Refuse points that would change the number of steps
                per epoch (Lightning reads it once, when training starts).

        Raises:
            TypeError: If a value is not a ``LabelTensor``.
            ValueError: For a name that is not a physics condition, labels
                missing an input variable, an empty point set, or a change of
                the steps per epoch with ``fixed_steps``; nothing is changed.
        """
        ordered: dict[str, LabelTensor] = {}
        for name, pts in points.items():
            if name not in self._physics:
                raise ValueError(
                    f"Only the points of physics conditions can be replaced; got {name!r}, "
                    f"choose from {self._physics!r}."
                )
            if not isinstance(pts, LabelTensor):
                raise TypeError(
                    f"points[{name!r}] must be a LabelTensor; got {type(pts).__name__}."
                )
            labels = self._inputs[name].labels
            missing = [v for v in labels if v not in pts.labels]
            if missing or pts.ndim != 2 or pts.shape[0] == 0:
                raise ValueError(
                    f"points[{name!r}] must be a non-empty (n, k) LabelTensor with the labels "
                    f"{labels!r}; got shape {tuple(pts.shape)} and labels {pts.labels!r}."
                )
            ordered[name] = _ordered(pts, labels)
        if fixed_steps:
            before = len(self)
            after = self._count_steps(
                {**self._global_rows, **{n: p.shape[0] for n, p in ordered.items()}}
            )
            if after != before:
                raise ValueError(
                    f"The new points would make {after} steps per epoch instead of {before}; "
                    "while training, the number of steps per epoch cannot change. Keep the "
                    "number of points (or of steps with this batch_size), or build a new Trainer."
                )
        for name, pts in ordered.items():
            self._inputs[name] = pts
            self._global_rows[name] = pts.shape[0]
            if name not in self._replaced:
                self._replaced.append(name)
            self._place(name)
        self._plan()

    # -------------------------------------------------------------- state
    def get_state(self) -> dict[str, Any]:
        """The shuffling generator's state and the replaced points (plain CPU tensors).

        (Not named ``state_dict``: Lightning would then also store it with its
        loops, and restore it only when resuming in the middle of an epoch.)

        Returns:
            ``{'generator': ByteTensor, 'points': {name: {'values': Tensor,
            'labels': list[str]}}}``.
        """
        return {
            "generator": self.generator.get_state(),
            "points": {
                name: {
                    "values": self._inputs[name].tensor.detach().cpu(),
                    "labels": list(self._inputs[name].labels),
                }
                for name in self._replaced
            },
        }

    def set_state(self, state: Mapping[str, Any]) -> None:
        """Restore what :meth:`get_state` returned: replace those points, set the generator.

        Args:
            state: A dict from :meth:`get_state`.
        """
        points = {
            name: LabelTensor(entry["values"], list(entry["labels"]))
            for name, entry in state.get("points", {}).items()
        }
        if points:
            self.replace_points(points)
        if "generator" in state:
            self.generator.set_state(state["generator"])

    def _count_steps(self, global_rows: Mapping[str, int]) -> int:
        """Steps per epoch for conditions of ``global_rows`` points."""
        if self.batch_size is None:
            return 1
        world = self._world_size
        shards = [_shard(n, world) for n in global_rows.values()]
        largest = max(
            (sum(s[r].stop - s[r].start for s in shards) for r in range(world)), default=0
        )
        return max(1, math.ceil(largest / self.batch_size))

    def _plan(self) -> None:
        """Work out the steps per epoch and each condition's rows and scale per step."""
        world = self._world_size
        # Rows of every condition on every process: shard sizes (world,).
        shard_sizes = {
            name: [s.stop - s.start for s in _shard(n, world)]
            for name, n in self._global_rows.items()
        }
        self._n_batches = self._count_steps(self._global_rows)
        # chunk[name][b]: rows of condition `name` on this process in step b.
        self._chunks: dict[str, list[int]] = {}
        self._scales: dict[str, list[float]] = {}
        self._present: dict[str, list[bool]] = {}
        # Each condition's leftover rows (n mod steps) go to the steps after the previous
        # condition's, so no step holds more than ceil(rows / steps) <= batch_size rows.
        offsets = [0] * world
        for name, sizes in shard_sizes.items():
            per_rank = [_split(n, self._n_batches, offsets[r]) for r, n in enumerate(sizes)]
            offsets = [(offsets[r] + n) % self._n_batches for r, n in enumerate(sizes)]
            local = per_rank[self._rank]
            totals = [sum(per_rank[r][b] for r in range(world)) for b in range(self._n_batches)]
            self._chunks[name] = local
            self._present[name] = [t > 0 for t in totals]
            self._scales[name] = [
                world * local[b] / totals[b] if totals[b] else 0.0 for b in range(self._n_batches)
            ]
        self._full_batch: Batch | None = None
        if self._n_batches == 1:
            self._full_batch = {
                name: (self._local_inputs[name], self._local_outputs[name], self._scales[name][0])
                for name in self.condition_names
                if self._global_rows[name] > 0
            }

    # --------------------------------------------------------------- iterate
    def __len__(self) -> int:
        return self._n_batches

    def __iter__(self) -> Iterator[Batch]:
        # Everything an epoch uses is read once, at its start: points replaced while it
        # runs are used from the next epoch.
        if self._full_batch is not None:
            yield self._full_batch
            return
        n_batches, names = self._n_batches, list(self.condition_names)
        inputs, outputs = dict(self._local_inputs), dict(self._local_outputs)
        chunks, scales, present = self._chunks, self._scales, self._present
        orders: dict[str, Tensor | None] = dict.fromkeys(names)
        if self.shuffle:
            for name in names:
                # Drawn on the CPU, so the order is the same on every device.
                permutation = torch.randperm(inputs[name].shape[0], generator=self.generator)
                orders[name] = permutation.to(inputs[name].device)
        starts = dict.fromkeys(names, 0)
        for b in range(n_batches):
            batch: Batch = {}
            for name in names:
                if not present[name][b]:
                    continue
                size = chunks[name][b]
                start = starts[name]
                starts[name] = start + size
                order = orders[name]
                rows: slice | Tensor = slice(start, start + size)
                if order is not None:
                    rows = order[start : start + size]
                output = outputs[name]
                batch[name] = (
                    inputs[name][rows],
                    None if output is None else output[rows],
                    scales[name][b],
                )
            yield batch


def _shard(n: int, parts: int) -> list[slice]:
    """Split ``range(n)`` into ``parts`` contiguous slices whose sizes differ by at most one."""
    base, extra = divmod(n, parts)
    bounds = [0]
    for p in range(parts):
        bounds.append(bounds[-1] + base + (1 if p < extra else 0))
    return [slice(bounds[p], bounds[p + 1]) for p in range(parts)]


def _split(n: int, parts: int, offset: int) -> list[int]:
    """Sizes of ``parts`` chunks of ``n`` rows, as even as possible.

    Each chunk gets ``n // parts`` rows; the ``n % parts`` chunks starting at
    ``offset`` (cyclically) get one more.
    """
    base, extra = divmod(n, parts)
    sizes = [base] * parts
    for i in range(extra):
        sizes[(offset + i) % parts] += 1
    return sizes


def _move(
    points: LabelTensor, device: torch.device | str, dtype: torch.dtype | None
) -> LabelTensor:
    """``points`` on ``device``, floating values cast to ``dtype``."""
    if dtype is not None and points.is_floating_point():
        return points.to(device=device, dtype=dtype)
    return points.to(device=device)
