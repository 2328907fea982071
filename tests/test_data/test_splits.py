"""Split fractions (pina.data._splits): their checks, the counts of each split and its rows."""

from __future__ import annotations

import math
import re
from fractions import Fraction

import numpy as np
import pytest
import torch

from pina.data._splits import SPLITS, check_split_sizes, split_counts, split_indices


def _fractions(train: float, val: float = 0.0, test: float = 0.0) -> dict[str, float]:
    return check_split_sizes(train, val, test)


def _generator(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


# --------------------------------------------------------------------- check_split_sizes
@pytest.mark.parametrize(
    ("sizes", "expected"),
    [
        ((1.0, 0.0, 0.0), (1.0, 0.0, 0.0)),
        ((0.8, 0.1, 0.1), (0.8, 0.1, 0.1)),
        ((1, 0, 0), (1.0, 0.0, 0.0)),
        ((0, 1, 0), (0.0, 1.0, 0.0)),
        ((0, 0, 1), (0.0, 0.0, 1.0)),
        ((0.5, 0.2, 0.0), (0.5, 0.2, 0.0)),  # less than 1 in all: some points unused
        ((0.7, 0.2, 0.1), (0.7, 0.2, 0.1)),  # adds up to 0.9999999999999999
        ((0.1, 0.2, 0.7), (0.1, 0.2, 0.7)),
        ((Fraction(1, 2), np.float32(0.25), np.float64(0.25)), (0.5, 0.25, 0.25)),
    ],
)
def test_check_split_sizes_accepts_fractions_and_returns_floats(sizes, expected):
    result = check_split_sizes(*sizes)
    assert result == dict(zip(SPLITS, expected))
    assert list(result) == ["train", "val", "test"]
    assert all(type(v) is float for v in result.values())


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("0.8", "'0.8' of type str"),
        (None, "None of type NoneType"),
        (torch.tensor(0.5), "tensor(0.5000) of type Tensor"),
        ([0.5], "[0.5] of type list"),
        (True, "True of type bool"),
        (False, "False of type bool"),
    ],
)
@pytest.mark.parametrize("position", [0, 1, 2])
def test_check_split_sizes_rejects_non_numbers_and_bools(value, shown, position):
    sizes = [0.0, 0.0, 0.0]
    sizes[position] = value
    name = ("train_size", "val_size", "test_size")[position]
    message = (
        rf"^{name} must be a number in \[0, 1\] \(a fraction of each condition's points\); "
        rf"got {re.escape(shown)}\.$"
    )
    with pytest.raises(TypeError, match=message):
        check_split_sizes(*sizes)


@pytest.mark.parametrize("value", [-0.1, -1, 1.5, 2, math.nan, math.inf, -math.inf])
@pytest.mark.parametrize("position", [0, 1, 2])
def test_check_split_sizes_rejects_values_outside_0_1(value, position):
    sizes = [0.0, 0.0, 0.0]
    sizes[position] = value
    name = ("train_size", "val_size", "test_size")[position]
    message = (
        rf"^{name} must be a fraction in \[0, 1\] of each condition's points; "
        rf"got {re.escape(repr(value))}\.$"
    )
    with pytest.raises(ValueError, match=message):
        check_split_sizes(*sizes)


def test_check_split_sizes_rejects_a_huge_int_with_a_value_error():
    with pytest.raises(ValueError, match=r"^train_size must be a fraction in \[0, 1\]"):
        check_split_sizes(10**400, 0, 0)


@pytest.mark.parametrize(
    ("sizes", "total"),
    [((0.8, 0.2, 0.1), "1.1"), ((1.0, 1.0, 0.0), "2"), ((0.5, 0.3, 0.3), "1.1")],
)
def test_check_split_sizes_rejects_a_sum_above_1(sizes, total):
    shown = " + ".join(repr(s) for s in sizes)
    message = (
        rf"^train_size \+ val_size \+ test_size must be at most 1; got {re.escape(shown)} = "
        rf"{re.escape(total)}\. For example train_size=0.8, val_size=0.1, test_size=0.1\.$"
    )
    with pytest.raises(ValueError, match=message):
        check_split_sizes(*sizes)


@pytest.mark.parametrize("zeros", [(0, 0, 0), (0.0, 0.0, 0.0), (0, 0.0, -0.0)])
def test_check_split_sizes_rejects_all_zero(zeros):
    with pytest.raises(
        ValueError, match=r"^train_size, val_size and test_size are all 0: no point would be used"
    ):
        check_split_sizes(*zeros)


# --------------------------------------------------------------------------- split_counts
@pytest.mark.parametrize(
    ("n", "sizes", "expected"),
    [
        (10, (0.8, 0.1, 0.1), (8, 1, 1)),
        (100, (0.7, 0.2, 0.1), (70, 20, 10)),
        (100, (0.8, 0.2, 0.0), (80, 20, 0)),
        # 3.5, 1.75, 1.75: floors 3, 1, 1; the two leftover points go to the largest
        # remainders (0.75 and 0.75), not to train (0.5).
        (7, (0.5, 0.25, 0.25), (3, 2, 2)),
        # 1.5, 1.5: equal remainders, the earlier split (train) gets the leftover point.
        (3, (0.5, 0.5, 0.0), (2, 1, 0)),
        # 2.4, 0.6: the leftover point goes to val (0.6 > 0.4).
        (3, (0.8, 0.2, 0.0), (2, 1, 0)),
        # 6.6, 2.2, 1.2: floors 6, 2, 1; one leftover point, to train (0.6).
        (10, (0.66, 0.22, 0.12), (7, 2, 1)),
        (1, (1.0, 0.0, 0.0), (1, 0, 0)),
        (1, (0.0, 1.0, 0.0), (0, 1, 0)),
        (5, (0.0, 0.0, 1.0), (0, 0, 5)),
        (0, (0.8, 0.2, 0.0), (0, 0, 0)),
    ],
)
def test_split_counts_largest_remainder(n, sizes, expected):
    assert split_counts(n, _fractions(*sizes)) == dict(zip(SPLITS, expected))


@pytest.mark.parametrize(
    "sizes",
    [(0.8, 0.1, 0.1), (0.7, 0.2, 0.1), (0.5, 0.25, 0.25), (1 / 3, 1 / 3, 1 / 3), (0.6, 0.4, 0.0)],
)
@pytest.mark.parametrize("n", [20, 21, 33, 47, 99, 100, 101, 1000, 12345])
def test_split_counts_add_up_to_n_and_round_each_share(sizes, n):
    fractions = _fractions(*sizes)
    counts = split_counts(n, fractions)
    assert sum(counts.values()) == n
    for split in SPLITS:
        assert abs(counts[split] - fractions[split] * n) < 1.0


@pytest.mark.parametrize(
    ("n", "sizes", "expected"),
    [
        # 5, 2, 1 exactly: 2 of the 10 points are in no split.
        (10, (0.5, 0.2, 0.1), (5, 2, 1)),
        # 4.5, 2.25, 0 and 2.25 unused: the leftover point goes to train.
        (9, (0.5, 0.25, 0.0), (5, 2, 0)),
        # 4.3, 2.3, 0 and 3.4 unused: the unused share has the largest remainder, so the
        # leftover point stays unused (4 unused, not 3).
        (10, (0.43, 0.23, 0.0), (4, 2, 0)),
    ],
)
def test_split_counts_with_a_sum_below_1_leaves_points_unused(n, sizes, expected):
    counts = split_counts(n, _fractions(*sizes))
    assert counts == dict(zip(SPLITS, expected))
    assert sum(counts.values()) < n


@pytest.mark.parametrize(
    ("n", "sizes"),
    [
        (1, (0.8, 0.2, 0.0)),  # 0.8, 0.2: val would get no point
        (1, (0.8, 0.1, 0.1)),
        (2, (0.8, 0.1, 0.1)),  # 1.6, 0.2, 0.2 -> 2, 0, 0
        (3, (0.8, 0.1, 0.1)),  # 2.4, 0.3, 0.3 -> 3, 0, 0
        (1, (0.5, 0.2, 0.0)),  # with unused points too
        (1, (0.0, 0.5, 0.5)),  # 0, 1, 0: test would get no point
    ],
)
def test_split_counts_condition_too_small_stays_whole_in_training(n, sizes):
    assert split_counts(n, _fractions(*sizes)) == {"train": n, "val": 0, "test": 0}


def test_split_counts_smallest_condition_that_gives_every_split_a_point():
    fractions = _fractions(0.8, 0.1, 0.1)
    # n = 6: 4.8, 0.6, 0.6 -> floors 4, 0, 0; the two leftover points go to train (0.8)
    # and val (0.6, tie with test): test gets none, so all 6 train.
    for n in range(1, 7):
        assert split_counts(n, fractions) == {"train": n, "val": 0, "test": 0}
    # n = 7: 5.6, 0.7, 0.7 -> 5, 1, 1.
    assert split_counts(7, fractions) == {"train": 5, "val": 1, "test": 1}


# -------------------------------------------------------------------------- split_indices
def _check_partition(indices, counts, n):
    assert list(indices) == ["train", "val", "test"]
    for split in SPLITS:
        rows = indices[split]
        assert rows.dtype == torch.long
        assert rows.shape == (counts[split],)
        assert torch.equal(rows, torch.sort(rows).values)
        assert bool(((rows >= 0) & (rows < n)).all())
    everything = torch.cat([indices[s] for s in SPLITS])
    assert torch.unique(everything).shape[0] == everything.shape[0]  # disjoint


@pytest.mark.parametrize(
    ("n", "sizes"),
    [(100, (0.7, 0.2, 0.1)), (10, (0.8, 0.1, 0.1)), (7, (0.5, 0.25, 0.25)), (50, (0, 0.6, 0.4))],
)
def test_split_indices_are_disjoint_sorted_and_cover_every_point(n, sizes):
    fractions = _fractions(*sizes)
    indices = split_indices(n, fractions, _generator(0))
    _check_partition(indices, split_counts(n, fractions), n)
    assert torch.equal(torch.sort(torch.cat(list(indices.values()))).values, torch.arange(n))


def test_split_indices_are_consecutive_pieces_of_one_permutation():
    fractions = _fractions(0.7, 0.2, 0.1)
    indices = split_indices(100, fractions, _generator(5))
    permutation = torch.randperm(100, generator=_generator(5))
    assert torch.equal(indices["train"], torch.sort(permutation[:70]).values)
    assert torch.equal(indices["val"], torch.sort(permutation[70:90]).values)
    assert torch.equal(indices["test"], torch.sort(permutation[90:]).values)


def test_split_indices_with_a_sum_below_1_leave_points_out():
    fractions = _fractions(0.5, 0.2, 0.1)
    indices = split_indices(10, fractions, _generator(0))
    _check_partition(indices, {"train": 5, "val": 2, "test": 1}, 10)
    assert torch.cat(list(indices.values())).shape == (8,)


def test_split_indices_same_seed_same_rows_other_seed_other_rows():
    fractions = _fractions(0.6, 0.2, 0.2)
    first = split_indices(100, fractions, _generator(1))
    again = split_indices(100, fractions, _generator(1))
    other = split_indices(100, fractions, _generator(2))
    assert all(torch.equal(first[s], again[s]) for s in SPLITS)
    assert not all(torch.equal(first[s], other[s]) for s in SPLITS)


def test_split_indices_advance_the_generator():
    generator = _generator(3)
    first = split_indices(100, _fractions(0.8, 0.2), generator)
    second = split_indices(100, _fractions(0.8, 0.2), generator)
    assert not torch.equal(first["val"], second["val"])


@pytest.mark.parametrize(
    ("n", "sizes"),
    [(100, (1.0, 0.0, 0.0)), (1, (0.8, 0.2, 0.0)), (3, (0.8, 0.1, 0.1)), (0, (0.8, 0.2, 0.0))],
)
def test_split_indices_draw_nothing_when_everything_trains(n, sizes):
    generator = _generator(4)
    state = generator.get_state()
    indices = split_indices(n, _fractions(*sizes), generator)
    assert torch.equal(generator.get_state(), state)
    assert torch.equal(indices["train"], torch.arange(n))
    for split in ("val", "test"):
        assert indices[split].dtype == torch.long
        assert indices[split].shape == (0,)
