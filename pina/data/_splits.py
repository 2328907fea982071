"""Split fractions: validation of the Trainer's arguments and the rows of each split."""

from __future__ import annotations

import math
from numbers import Real

import torch
from torch import Tensor

#: The splits, in the order their sizes are given.
SPLITS = ("train", "val", "test")


def check_split_sizes(train_size: object, val_size: object, test_size: object) -> dict[str, float]:
    """The split fractions, checked: real numbers in ``[0, 1]`` adding up to at most 1.

    Args:
        train_size: Fraction of every condition's points used for training.
        val_size: Fraction used for validation.
        test_size: Fraction used for testing.

    Returns:
        ``{'train': f, 'val': f, 'test': f}``.

    Raises:
        TypeError: If a size is not a real number.
        ValueError: If a size is outside ``[0, 1]``, they add up to more than
            1, or they are all 0.
    """
    sizes = {"train_size": train_size, "val_size": val_size, "test_size": test_size}
    for name, value in sizes.items():
        if isinstance(value, bool) or not isinstance(value, Real):
            raise TypeError(
                f"{name} must be a number in [0, 1] (a fraction of each condition's points); "
                f"got {value!r} of type {type(value).__name__}."
            )
        if not (0 <= value <= 1 and math.isfinite(float(value))):  # type: ignore[operator]
            raise ValueError(
                f"{name} must be a fraction in [0, 1] of each condition's points; got {value!r}."
            )
    fractions = [float(v) for v in sizes.values()]  # type: ignore[arg-type]
    total = sum(fractions)
    if total > 1.0 + 1e-9:
        raise ValueError(
            f"train_size + val_size + test_size must be at most 1; got {train_size!r} + "
            f"{val_size!r} + {test_size!r} = {total:g}. For example train_size=0.8, "
            "val_size=0.1, test_size=0.1."
        )
    if total == 0.0:
        raise ValueError("train_size, val_size and test_size are all 0: no point would be used.")
    return dict(zip(SPLITS, fractions))


def split_counts(n: int, fractions: dict[str, float]) -> dict[str, int]:
    """How many of ``n`` points each split gets.

    The counts are ``fraction * n`` rounded by largest remainder, with the
    unused fraction ``1 - sum`` as a fourth share, so they add up to ``n``
    when the fractions add up to 1. A condition too small to give every
    requested split (fraction > 0) at least one point stays whole in training.

    Args:
        n: Number of points of the condition.
        fractions: From :func:`check_split_sizes`.

    Returns:
        ``{'train': n_train, 'val': n_val, 'test': n_test}``.
    """
    shares = [fractions[s] for s in SPLITS]
    shares.append(max(0.0, 1.0 - sum(shares)))
    exact = [f * n for f in shares]
    counts = [math.floor(e) for e in exact]
    # Largest remainder; ties go to the earlier share (train first).
    order = sorted(range(len(exact)), key=lambda i: (-(exact[i] - counts[i]), i))
    for i in order[: n - sum(counts)]:
        counts[i] += 1
    result = dict(zip(SPLITS, counts[:3]))
    if any(fractions[s] > 0 and result[s] == 0 for s in SPLITS):
        return {"train": n, "val": 0, "test": 0}
    return result


def split_indices(
    n: int, fractions: dict[str, float], generator: torch.Generator
) -> dict[str, Tensor]:
    """Disjoint random rows of each split, each sorted (the points keep their order).

    Args:
        n: Number of points of the condition.
        fractions: From :func:`check_split_sizes`.
        generator: The CPU generator that draws the split (not used when
            every point goes to training).

    Returns:
        ``{'train': LongTensor, 'val': LongTensor, 'test': LongTensor}``.
    """
    counts = split_counts(n, fractions)
    if counts["train"] == n:
        empty = torch.zeros(0, dtype=torch.long)
        return {"train": torch.arange(n), "val": empty, "test": empty.clone()}
    permutation = torch.randperm(n, generator=generator)
    result: dict[str, Tensor] = {}
    start = 0
    for split in SPLITS:
        rows = permutation[start : start + counts[split]]
        result[split] = torch.sort(rows).values
        start += counts[split]
    return result
