"""Batches of one split: every condition's points spread evenly over the steps of an epoch."""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from typing import NamedTuple

import torch
from torch import Tensor

from .._rng import PicklesGenerators
from ..label_tensor import LabelTensor
from .batch import Batch, ConditionBatch


class Rows(NamedTuple):
    """The points of one condition in one split (every process's, before sharding).

    Attributes:
        input: ``LabelTensor`` ``(n, ...)`` labelled with the input variables.
        target: ``LabelTensor`` ``(n, ...)`` for data conditions, else ``None``.
        indices: ``LongTensor`` ``(n,)``: rows in the condition's full point set.
    """

    input: LabelTensor
    target: LabelTensor | None
    indices: Tensor


class SplitLoader(PicklesGenerators):
    """Yield the :class:`~pina.data.batch.Batch` of each step of one split.

    With ``batch_size=None`` one step holds every point. With an int, the
    number of steps per epoch is ``ceil(points on this process / batch_size)``
    and every condition's points are spread evenly over the steps, so each
    step holds points of every condition (when it has enough) and each point
    is used once per epoch. Under a multi-process strategy each process keeps
    a contiguous shard of every condition (see :func:`shard`) and each
    condition's ``scale`` makes the mean over processes of the scaled local
    losses the mean over all the step's points.

    Args:
        rows: Condition name -> its points in this split, in problem order.
        batch_size: ``None`` or the number of points per step and process.
        shuffle: Draw a new order of every condition's points each epoch
            (only with more than one step).
        generator: The CPU generator that shuffles.
        split: ``'train'``, ``'val'`` or ``'test'`` (given to the batches).
    """

    # A torch.Generator cannot cross to processes started by torch.multiprocessing
    # (strategy='ddp_spawn'): its state is sent instead.
    _generator_attributes = ("generator",)

    def __init__(
        self,
        rows: Mapping[str, Rows],
        batch_size: int | None,
        shuffle: bool,
        generator: torch.Generator,
        split: str = "train",
    ) -> None:
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.generator = generator
        self.split = split
        self._rows: dict[str, Rows] = dict(rows)
        self._local: dict[str, Rows] = dict(rows)
        self._device: torch.device | str | None = None
        self._dtype: torch.dtype | None = None
        self._rank, self._world_size = 0, 1
        self._plan()

    @property
    def condition_names(self) -> list[str]:
        """The conditions with points in this split, in problem order."""
        return [name for name, r in self._rows.items() if r.input.shape[0] > 0]

    def rows(self, name: str) -> Rows:
        """Condition ``name``'s points in this split (every process's, not moved)."""
        return self._rows[name]

    def setup(
        self,
        device: torch.device | str,
        dtype: torch.dtype | None = None,
        rank: int = 0,
        world_size: int = 1,
    ) -> None:
        """Move the points to ``device``/``dtype`` and keep this process's shard (once).

        Args:
            device: The training device.
            dtype: Floating dtype of the model (``None`` keeps the points' dtype).
            rank: This process's global rank.
            world_size: Number of processes.
        """
        self._device, self._dtype = device, dtype
        self._rank, self._world_size = rank, world_size
        for name in self._rows:
            self._place(name)
        self._plan()

    def set_rows(self, name: str, rows: Rows) -> None:
        """Replace condition ``name``'s points, from the next epoch on."""
        self._rows[name] = rows
        self._place(name)
        self._plan()

    def count_steps(self, sizes: Mapping[str, int] | None = None) -> int:
        """Steps per epoch, for the current points or for conditions of ``sizes`` points."""
        if sizes is None:
            sizes = {name: r.input.shape[0] for name, r in self._rows.items()}
        if self.batch_size is None:
            return 1
        world = self._world_size
        shards = [shard(n, world) for n in sizes.values()]
        largest = max(
            (sum(s[r].stop - s[r].start for s in shards) for r in range(world)), default=0
        )
        return max(1, math.ceil(largest / self.batch_size))

    def _place(self, name: str) -> None:
        """Keep this process's shard of condition ``name``, on the training device/dtype."""
        rows = self._rows[name]
        if self._device is None:
            self._local[name] = rows
            return
        part = shard(rows.input.shape[0], self._world_size)[self._rank]
        target = rows.target
        self._local[name] = Rows(
            _move(rows.input[part], self._device, self._dtype),
            None if target is None else _move(target[part], self._device, self._dtype),
            rows.indices[part].to(self._device),
        )

    def _plan(self) -> None:
        """Work out the steps per epoch and each condition's rows and scale per step."""
        world = self._world_size
        shard_sizes = {
            name: [s.stop - s.start for s in shard(r.input.shape[0], world)]
            for name, r in self._rows.items()
        }
        self._n_batches = self.count_steps()
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
            self._full_batch = Batch(
                {
                    name: ConditionBatch(*self._local[name], self._scales[name][0])
                    for name in self._rows
                    if self._present[name][0]
                },
                self.split,
            )

    def __len__(self) -> int:
        return self._n_batches if self.condition_names else 0

    def __iter__(self) -> Iterator[Batch]:
        if not self.condition_names:
            return
        # Everything an epoch uses is read once, at its start: points replaced while it
        # runs are used from the next epoch.
        if self._full_batch is not None:
            yield self._full_batch
            return
        n_batches, names = self._n_batches, list(self._rows)
        local = dict(self._local)
        chunks, scales, present = self._chunks, self._scales, self._present
        orders: dict[str, Tensor | None] = dict.fromkeys(names)
        if self.shuffle:
            for name in names:
                # Drawn on the CPU, so the order is the same on every device.
                permutation = torch.randperm(local[name].input.shape[0], generator=self.generator)
                orders[name] = permutation.to(local[name].input.device)
        starts = dict.fromkeys(names, 0)
        for b in range(n_batches):
            conditions: dict[str, ConditionBatch] = {}
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
                inputs, target, indices = local[name]
                conditions[name] = ConditionBatch(
                    inputs[rows],
                    None if target is None else target[rows],
                    indices[rows],
                    scales[name][b],
                )
            yield Batch(conditions, self.split)


def shard(n: int, parts: int) -> list[slice]:
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
