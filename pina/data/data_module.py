"""The data side of training: every condition's points, their splits and their loaders."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pytorch_lightning as pl
import torch
from torch import Tensor

from .._errors import ArgumentTypeError
from .._rng import PicklesGenerators, seeded_generator
from ..label_tensor import LabelTensor
from ..problem import AbstractProblem
from ._loader import Rows, SplitLoader
from ._splits import SPLITS, check_split_sizes, split_counts, split_indices
from .batch import Batch

__all__ = ["ConditionData", "PinaDataModule"]


@dataclass
class ConditionData:
    """One condition's points and how they are split.

    Attributes:
        name: The condition's name.
        input: ``LabelTensor`` ``(n, ...)``: all its points, labelled with the
            problem's input variables in that order (as given, not moved).
        target: ``LabelTensor`` ``(n, ...)``: its ``output_points`` (data
            conditions); ``None`` for physics conditions.
        physics: Whether the condition has an ``equation``.
        splits: ``'train'``/``'val'``/``'test'`` -> sorted ``LongTensor`` of
            the rows of ``input`` in that split (disjoint).
    """

    name: str
    input: LabelTensor
    target: LabelTensor | None
    physics: bool
    splits: dict[str, Tensor]

    def rows(self, split: str) -> Rows:
        """The points, targets and row indices of ``split``."""
        index = self.splits[split]
        if index.shape[0] == self.input.shape[0]:  # the whole condition: no copy
            return Rows(self.input, self.target, index)
        target = self.target
        return Rows(self.input[index], None if target is None else target[index], index)


def _ordered(points: LabelTensor, labels: list[str]) -> LabelTensor:
    """``points`` detached, with exactly the columns ``labels`` in that order."""
    points = points.detach()
    return points if points._labels == labels else points.extract(labels)


class PinaDataModule(PicklesGenerators, pl.LightningDataModule):
    r"""Every condition's points, split into training, validation and test sets.

    Built by :class:`~pina.trainer.Trainer` from the problem's points when the
    Trainer is built (sampled ``input_pts`` of the physics conditions, the
    ``input_points``/``output_points`` of the data conditions). Each
    condition's points are split at random, with the module's own generator,
    into disjoint sets of ``train_size``, ``val_size`` and ``test_size`` of its
    points (rounded so the three counts add up to the condition's count when
    the fractions add up to 1; see :func:`~pina.data._splits.split_counts`).
    A condition too small to give every requested split a point stays whole
    in training. With ``train_size=1`` nothing is drawn.

    ``train_dataloader``/``val_dataloader``/``test_dataloader`` return a
    :class:`~pina.data._loader.SplitLoader` per split (the validation and test
    ones unshuffled), which yields :class:`~pina.data.batch.Batch` objects. The
    first call of each moves its points to the solver's device and dtype and
    keeps this process's shard, so no step copies points.

    The module's state (``state_dict``/``load_state_dict``, which Lightning
    keeps in checkpoints) is the generator's state, every condition's split
    and the points replaced with :meth:`replace_points`, so
    ``Trainer.train(ckpt_path=...)`` resumes on the same splits and points
    with the same shuffling.

    Args:
        problem: A problem whose conditions all have points.
        batch_size: ``None`` for one step per epoch over all points, or the
            number of points per step (and process), in every split.
        train_size: Fraction of each condition's points to train on.
        val_size: Fraction to validate on.
        test_size: Fraction to test on.
        generator: The CPU generator that splits and shuffles (default: a new
            one seeded from torch's global generator).

    Raises:
        TypeError: For a ``batch_size`` that is not ``None`` or an int, split
            sizes that are not numbers, or a generator that is not a CPU
            ``torch.Generator``.
        ValueError: For a ``batch_size`` below 1 or split sizes outside
            ``[0, 1]`` or adding up to more than 1.
    """

    _generator_attributes = ("generator",)

    def __init__(
        self,
        problem: AbstractProblem,
        batch_size: int | None = None,
        train_size: float = 1.0,
        val_size: float = 0.0,
        test_size: float = 0.0,
        generator: torch.Generator | None = None,
    ) -> None:
        super().__init__()
        if batch_size is not None and (
            isinstance(batch_size, bool) or not isinstance(batch_size, int)
        ):
            raise ArgumentTypeError(
                f"batch_size must be None or a positive int; got {batch_size!r}."
            )
        if batch_size is not None and batch_size < 1:
            raise ValueError(f"batch_size must be None or a positive int; got {batch_size!r}.")
        self.fractions = check_split_sizes(train_size, val_size, test_size)
        if generator is None:
            generator = seeded_generator()
        elif not isinstance(generator, torch.Generator) or generator.device.type != "cpu":
            raise TypeError(f"generator must be a CPU torch.Generator or None; got {generator!r}.")
        self.problem = problem
        self.batch_size = batch_size
        self.generator = generator
        variables = problem.input_variables
        self.conditions: dict[str, ConditionData] = {}
        physics = [n for n, c in problem.conditions.items() if c.equation is not None]
        data = [n for n, c in problem.conditions.items() if c.output_points is not None]
        for name in physics + [n for n in data if n not in physics]:
            condition = problem.conditions[name]
            is_physics = condition.equation is not None
            if is_physics:
                points = _ordered(problem.input_pts[name], variables)
                target = None
            else:
                assert condition.input_points is not None and condition.output_points is not None
                points = _ordered(condition.input_points, variables)
                target = condition.output_points.detach()
            splits = split_indices(points.shape[0], self.fractions, generator)
            self.conditions[name] = ConditionData(name, points, target, is_physics, splits)
        self._replaced: list[str] = []
        self._loaders = {
            split: SplitLoader(
                {n: c.rows(split) for n, c in self.conditions.items()},
                batch_size,
                shuffle=split == "train",
                generator=generator,
                split=split,
            )
            for split in SPLITS
        }
        self._placed: dict[str, tuple[Any, ...]] = {}

    def __setstate__(self, state: dict[str, Any]) -> None:
        # The generator crosses to processes started by torch.multiprocessing as its
        # state (PicklesGenerators); the loaders share it again afterwards.
        super().__setstate__(state)
        for loader in self._loaders.values():
            loader.generator = self.generator

    # ------------------------------------------------------------- loaders
    def loader(self, split: str) -> SplitLoader:
        """The loader of ``split`` (``'train'``, ``'val'`` or ``'test'``), not moved."""
        return self._loaders[split]

    def _placed_loader(self, split: str) -> SplitLoader:
        loader = self._loaders[split]
        trainer = self.trainer
        if trainer is not None and trainer.lightning_module is not None:
            module = trainer.lightning_module
            dtype = module.dtype if isinstance(module.dtype, torch.dtype) else None
            where = (module.device, dtype, trainer.global_rank, trainer.world_size)
            if self._placed.get(split) != where:
                loader.setup(*where)
                self._placed[split] = where
        return loader

    def train_dataloader(self) -> SplitLoader:
        """The training split's loader, on the solver's device (shuffled with ``batch_size``)."""
        return self._placed_loader("train")

    def val_dataloader(self) -> SplitLoader:
        """The validation split's loader (empty with ``val_size=0``)."""
        return self._placed_loader("val")

    def test_dataloader(self) -> SplitLoader:
        """The test split's loader (empty with ``test_size=0``)."""
        return self._placed_loader("test")

    def transfer_batch_to_device(
        self, batch: Any, device: torch.device, dataloader_idx: int
    ) -> Any:
        """Batches of this module as they are: their points already are on the training device.

        (Lightning's default would rebuild the batch, tensor by tensor, every step.)
        """
        if isinstance(batch, Batch):
            return batch
        return super().transfer_batch_to_device(batch, device, dataloader_idx)

    @property
    def steps_per_epoch(self) -> int:
        """Training steps per epoch on this process (before Lightning's ``limit_train_batches``)."""
        return len(self._loaders["train"])

    def has_split(self, split: str) -> bool:
        """Whether some condition has points in ``split``."""
        return bool(self._loaders[split].condition_names)

    # -------------------------------------------------------------- points
    def points(self, name: str) -> LabelTensor:
        """All the points of condition ``name`` (every split, every process; not moved).

        Raises:
            ValueError: For an unknown condition.
        """
        if name not in self.conditions:
            raise ValueError(
                f"name={name!r} is not a condition; choose from {list(self.conditions)!r}."
            )
        return self.conditions[name].input

    @property
    def replaced(self) -> list[str]:
        """Names of the conditions whose points :meth:`replace_points` changed, in order."""
        return list(self._replaced)

    def replace_points(self, points: Mapping[str, LabelTensor], fixed_steps: bool = False) -> None:
        """Use new points for some physics conditions, from the next epoch on.

        Each value is the condition's new full set of points (the same on
        every process); it is split again with the module's fractions and
        generator, and each process keeps its shard of each split, moved to
        the training device and dtype if training has started. An epoch
        already running finishes on the old points.

        Args:
            points: Physics condition name -> ``LabelTensor`` ``(n, k)`` whose
                labels include the problem's input variables (extra columns
                are dropped, columns are reordered).
            fixed_steps: Refuse points that would change the number of steps
                per epoch of a split (Lightning reads them when a loop starts).

        Raises:
            TypeError: If a value is not a ``LabelTensor``.
            ValueError: For a name that is not a physics condition, labels
                missing an input variable, an empty point set, or a change of
                the steps per epoch with ``fixed_steps``; nothing is changed.
        """
        physics = [n for n, c in self.conditions.items() if c.physics]
        ordered: dict[str, LabelTensor] = {}
        for name, pts in points.items():
            if name not in physics:
                raise ValueError(
                    f"Only the points of physics conditions can be replaced; got {name!r}, "
                    f"choose from {physics!r}."
                )
            if not isinstance(pts, LabelTensor):
                raise TypeError(
                    f"points[{name!r}] must be a LabelTensor; got {type(pts).__name__}."
                )
            labels = self.conditions[name].input.labels
            missing = [v for v in labels if v not in pts.labels]
            if missing or pts.ndim != 2 or pts.shape[0] == 0:
                raise ValueError(
                    f"points[{name!r}] must be a non-empty (n, k) LabelTensor with the labels "
                    f"{labels!r}; got shape {tuple(pts.shape)} and labels {pts.labels!r}."
                )
            ordered[name] = _ordered(pts, labels)
        if fixed_steps:
            for split, loader in self._loaders.items():
                sizes = {n: loader.rows(n).input.shape[0] for n in self.conditions}
                for name, pts in ordered.items():
                    sizes[name] = split_counts(pts.shape[0], self.fractions)[split]
                before, after = loader.count_steps(), loader.count_steps(sizes)
                if after != before:
                    raise ValueError(
                        f"The new points would make {after} steps per epoch instead of {before} "
                        f"in the {split} split; while training, the number of steps per epoch "
                        "cannot change. Keep the number of points (or of steps with this "
                        "batch_size), or build a new Trainer."
                    )
        for name, pts in ordered.items():
            splits = split_indices(pts.shape[0], self.fractions, self.generator)
            self._set_condition(name, pts, splits)

    def _set_condition(self, name: str, points: LabelTensor, splits: dict[str, Tensor]) -> None:
        record = self.conditions[name]
        record.input, record.splits = points, splits
        if name not in self._replaced:
            self._replaced.append(name)
        for split, loader in self._loaders.items():
            loader.set_rows(name, record.rows(split))

    # --------------------------------------------------------------- state
    def state_dict(self) -> dict[str, Any]:
        """The generator's state, every condition's splits and the replaced points (CPU).

        Returns:
            ``{'generator': ByteTensor, 'splits': {name: {split: LongTensor}},
            'points': {name: {'values': Tensor, 'labels': list[str]}}}``.
        """
        return {
            "generator": self.generator.get_state(),
            "splits": {
                name: {s: idx.clone() for s, idx in c.splits.items()}
                for name, c in self.conditions.items()
            },
            "points": {
                name: {
                    "values": self.conditions[name].input.tensor.detach().cpu(),
                    "labels": list(self.conditions[name].input.labels),
                }
                for name in self._replaced
            },
        }

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` gave: points, splits and the generator.

        The restored points are also put back in the problem's ``input_pts``.
        """
        splits = state_dict.get("splits", {})
        for name, entry in state_dict.get("points", {}).items():
            points = LabelTensor(entry["values"], list(entry["labels"]))
            saved = splits.get(name) or split_indices(
                points.shape[0], self.fractions, self.generator
            )
            self._set_condition(name, points, dict(saved))
            self.problem.input_pts[name] = points
        for name, saved in splits.items():
            record = self.conditions.get(name)
            if record is None or name in state_dict.get("points", {}):
                continue
            if any(not torch.equal(record.splits[s], saved[s]) for s in SPLITS):
                record.splits = dict(saved)
                for split, loader in self._loaders.items():
                    loader.set_rows(name, record.rows(split))
        if "generator" in state_dict:
            self.generator.set_state(state_dict["generator"])
