"""PinaDataModule: every condition's points, their splits, loaders and state; the Trainer's use."""

from __future__ import annotations

import math
import pickle
import re

import pytest
import torch

from pina import LabelTensor, Trainer
from pina.data import Batch, ConditionBatch, ConditionData, PinaDataModule
from pina.data._splits import SPLITS, check_split_sizes, split_counts, split_indices

QUIET = {
    "accelerator": "cpu",
    "logger": False,
    "enable_checkpointing": False,
    "enable_progress_bar": False,
    "enable_model_summary": False,
}


def _module(problem, seed: int = 0, **kwargs) -> PinaDataModule:
    return PinaDataModule(problem, generator=torch.Generator().manual_seed(seed), **kwargs)


def _sizes(module: PinaDataModule) -> dict[str, dict[str, int]]:
    return {
        name: {split: int(rows.shape[0]) for split, rows in c.splits.items()}
        for name, c in module.conditions.items()
    }


def _same_points(a: LabelTensor, b: LabelTensor) -> bool:
    return isinstance(a, LabelTensor) and a.labels == b.labels and torch.equal(a.tensor, b.tensor)


def _epoch(loader) -> list[dict[str, tuple[torch.Tensor, torch.Tensor]]]:
    """One epoch: per batch, condition -> (input values, indices)."""
    return [{n: (c.input.tensor.clone(), c.indices.clone()) for n, c in b.items()} for b in loader]


def _same_epochs(a, b) -> bool:
    return len(a) == len(b) and all(
        list(x) == list(y)
        and all(torch.equal(x[n][0], y[n][0]) for n in x)
        and all(torch.equal(x[n][1], y[n][1]) for n in x)
        for x, y in zip(a, b)
    )


def _indices(batches, name: str) -> torch.Tensor:
    return torch.cat([b[name].indices for b in batches if name in b])


def _new_points(n: int, seed: int = 1) -> LabelTensor:
    return LabelTensor(torch.rand(n, 1, generator=torch.Generator().manual_seed(seed)), ["x"])


@pytest.fixture
def problem(make_problem):
    """SimpleODE with 1 point in 'x0' and 100 in 'D'."""
    return make_problem(n_d=100)


# ------------------------------------------------------------------------------ conditions
def test_conditions_hold_every_point_physics_first_then_data(make_problem_with_data):
    problem, x = make_problem_with_data()
    module = _module(problem)
    assert list(module.conditions) == ["x0", "D", "data"]
    for name in ("x0", "D"):
        record = module.conditions[name]
        assert isinstance(record, ConditionData)
        assert record.name == name and record.physics and record.target is None
        assert _same_points(record.input, problem.input_pts[name])
        assert _same_points(module.points(name), problem.input_pts[name])
    data = module.conditions["data"]
    assert not data.physics
    assert _same_points(data.input, LabelTensor(x, ["x"]))
    assert _same_points(data.target, LabelTensor(torch.exp(x), ["u"]))


def test_split_sizes_per_condition(problem):
    module = _module(problem, train_size=0.8, val_size=0.2)
    assert module.fractions == {"train": 0.8, "val": 0.2, "test": 0.0}
    # x0 (one point) cannot give val a point: it stays whole in training, drawing nothing,
    # so D's split is the first draw of the generator.
    assert _sizes(module) == {
        "x0": {"train": 1, "val": 0, "test": 0},
        "D": {"train": 80, "val": 20, "test": 0},
    }
    assert torch.equal(module.conditions["x0"].splits["train"], torch.tensor([0]))
    expected = split_indices(100, module.fractions, torch.Generator().manual_seed(0))
    for split in SPLITS:
        assert torch.equal(module.conditions["D"].splits[split], expected[split])
    assert module.has_split("train") and module.has_split("val")
    assert not module.has_split("test")


def test_data_condition_is_split_too(make_problem_with_data):
    problem, x = make_problem_with_data()
    module = _module(problem, train_size=0.8, val_size=0.2)
    # 3 points: 2.4, 0.6 -> 2 train, 1 val; D has 20 points: 16, 4.
    assert _sizes(module)["data"] == {"train": 2, "val": 1, "test": 0}
    assert _sizes(module)["D"] == {"train": 16, "val": 4, "test": 0}
    (batch,) = list(module.loader("val"))
    assert list(batch.keys()) == ["D", "data"]
    part = batch["data"]
    rows = module.conditions["data"].splits["val"]
    assert torch.equal(part.indices, rows)
    assert _same_points(part.input, LabelTensor(x[rows], ["x"]))
    assert _same_points(part.target, LabelTensor(torch.exp(x[rows]), ["u"]))


def test_default_generator_is_seeded_from_torch(problem):
    torch.manual_seed(11)
    first = PinaDataModule(problem, train_size=0.5, val_size=0.5)
    torch.manual_seed(11)
    again = PinaDataModule(problem, train_size=0.5, val_size=0.5)
    assert torch.equal(first.generator.get_state(), again.generator.get_state())
    assert torch.equal(first.conditions["D"].splits["val"], again.conditions["D"].splits["val"])


def test_points_of_an_unknown_condition(problem):
    with pytest.raises(
        ValueError, match=r"^name='nope' is not a condition; choose from \['x0', 'D'\]\.$"
    ):
        _module(problem).points("nope")


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"batch_size": True}, TypeError, "batch_size must be None or a positive int; got True."),
        ({"batch_size": 7.0}, TypeError, "batch_size must be None or a positive int; got 7.0."),
        ({"batch_size": "7"}, TypeError, "batch_size must be None or a positive int; got '7'."),
        ({"batch_size": 0}, ValueError, "batch_size must be None or a positive int; got 0."),
        ({"batch_size": -3}, ValueError, "batch_size must be None or a positive int; got -3."),
        ({"generator": 0}, TypeError, "generator must be a CPU torch.Generator or None; got 0."),
        ({"val_size": 0.5, "test_size": 0.6}, ValueError, "must be at most 1"),
        ({"train_size": "1"}, TypeError, "train_size must be a number in [0, 1]"),
        ({"train_size": 0.0}, ValueError, "are all 0"),
    ],
)
def test_constructor_errors(problem, kwargs, error, message):
    with pytest.raises(error, match=re.escape(message)):
        PinaDataModule(problem, **kwargs)


# -------------------------------------------------------------------------------- loaders
def test_val_loader_yields_exactly_the_val_rows_of_d(problem):
    module = _module(problem, train_size=0.8, val_size=0.2)
    rows = module.conditions["D"].splits["val"]
    loader = module.val_dataloader()
    assert loader is module.loader("val") and len(loader) == 1
    (batch,) = list(loader)
    assert isinstance(batch, Batch) and batch.split == "val"
    assert list(batch.keys()) == ["D"] and "x0" not in batch and len(batch) == 1
    part = batch["D"]
    assert isinstance(part, ConditionBatch)
    assert torch.equal(part.indices, rows)
    assert _same_points(part.input, problem.input_pts["D"][rows])
    assert part.target is None and part.scale == 1.0
    assert repr(batch) == "Batch(split='val', rows={D: 20})"


def test_val_loader_with_batch_size_keeps_the_row_order(problem):
    module = _module(problem, batch_size=7, train_size=0.8, val_size=0.2)
    batches = list(module.loader("val"))
    assert [b["D"].input.shape[0] for b in batches] == [7, 7, 6]  # ceil(20 / 7) = 3 steps
    rows = module.conditions["D"].splits["val"]
    assert torch.equal(_indices(batches, "D"), rows)
    for b in batches:
        assert _same_points(b["D"].input, problem.input_pts["D"][b["D"].indices])


def test_every_batch_holds_the_points_at_its_indices(make_problem_with_data):
    problem, x = make_problem_with_data()
    module = _module(problem, batch_size=4, train_size=0.8, val_size=0.2)
    full = {"x0": problem.input_pts["x0"], "D": problem.input_pts["D"], "data": LabelTensor(x, "x")}
    for split in ("train", "val"):
        batches = list(module.loader(split))
        assert batches
        for batch in batches:
            assert batch.split == split
            for name, part in batch.items():
                assert part.indices.dtype == torch.long
                assert _same_points(part.input, full[name][part.indices])
                if name == "data":
                    assert _same_points(part.target, LabelTensor(torch.exp(x[part.indices]), "u"))


def test_each_training_point_once_per_epoch(problem):
    module = _module(problem, batch_size=7, train_size=0.8, val_size=0.2)
    loader = module.train_dataloader()
    # 80 D + 1 x0 training points: ceil(81 / 7) = 12 steps, none above 7 points.
    assert len(loader) == module.steps_per_epoch == 12
    epochs = []
    for _ in range(2):
        batches = list(loader)
        assert len(batches) == 12
        assert all(sum(p.input.shape[0] for p in b.values()) <= 7 for b in batches)
        assert all(b.split == "train" and all(p.scale == 1.0 for p in b.values()) for b in batches)
        for name in ("x0", "D"):
            seen = torch.sort(_indices(batches, name)).values
            assert torch.equal(seen, module.conditions[name].splits["train"])
        epochs.append(_indices(batches, "D"))
    # x0 (first in problem order) goes to step 0; D's 80 points give each step 6 and its 8
    # leftover points go to the steps after x0's (1 to 8), so no step holds more than 7.
    assert [i for i, b in enumerate(batches) if "x0" in b] == [0]
    assert [b["D"].input.shape[0] for b in batches] == [6] + [7] * 8 + [6] * 3
    assert [sum(p.input.shape[0] for p in b.values()) for b in batches] == [7] * 9 + [6] * 3
    assert not torch.equal(epochs[0], epochs[1])  # shuffled each epoch


def test_training_shuffle_uses_the_module_generator(problem):
    module = _module(problem, seed=2, batch_size=7, train_size=0.8, val_size=0.2)
    generator = torch.Generator()
    generator.set_state(module.generator.get_state())
    batches = list(module.loader("train"))
    # Each epoch draws one permutation per condition (problem order) from the generator.
    torch.randperm(1, generator=generator)
    order = torch.randperm(80, generator=generator)
    expected = module.conditions["D"].splits["train"][order]
    assert torch.equal(_indices(batches, "D"), expected)
    assert torch.equal(module.generator.get_state(), generator.get_state())


def test_one_step_per_epoch_without_batch_size_draws_nothing(problem):
    module = _module(problem, train_size=0.8, val_size=0.2)
    state = module.generator.get_state()
    loader = module.loader("train")
    assert len(loader) == 1
    for _ in range(2):
        (batch,) = list(loader)
        assert list(batch.keys()) == ["x0", "D"]
        for name in ("x0", "D"):
            rows = module.conditions[name].splits["train"]
            assert torch.equal(batch[name].indices, rows)
            assert _same_points(batch[name].input, problem.input_pts[name][rows])
    assert torch.equal(module.generator.get_state(), state)


def test_val_and_test_loaders_are_not_shuffled(problem):
    module = _module(problem, batch_size=7, train_size=0.6, val_size=0.2, test_size=0.2)
    state = module.generator.get_state()
    for split in ("val", "test"):
        first = _epoch(module.loader(split))
        second = _epoch(module.loader(split))
        assert len(first) == 3  # ceil(20 / 7)
        assert _same_epochs(first, second)
        rows = torch.cat([b["D"][1] for b in first])
        assert torch.equal(rows, module.conditions["D"].splits[split])  # in row order
    assert torch.equal(module.generator.get_state(), state)


@pytest.mark.parametrize("batch_size", [None, 7])
def test_an_empty_split_has_no_batches(problem, batch_size):
    module = _module(problem, batch_size=batch_size, train_size=0.8, val_size=0.2)
    loader = module.test_dataloader()
    assert len(loader) == 0
    assert list(loader) == []
    assert loader.condition_names == []
    assert not module.has_split("test")


# ------------------------------------------------------------------------------- replace
def test_replace_points_resplits_and_feeds_the_next_epoch(problem):
    module = _module(problem, batch_size=7, train_size=0.8, val_size=0.2)
    sampled = problem.input_pts["D"]
    x0_splits = {s: r.clone() for s, r in module.conditions["x0"].splits.items()}
    new = _new_points(50)
    drawn = torch.Generator()
    drawn.set_state(module.generator.get_state())
    module.replace_points({"D": new})
    expected = split_indices(50, module.fractions, drawn)
    assert _sizes(module)["D"] == {"train": 40, "val": 10, "test": 0}
    for split in SPLITS:
        assert torch.equal(module.conditions["D"].splits[split], expected[split])
        assert torch.equal(module.conditions["x0"].splits[split], x0_splits[split])
    assert _same_points(module.points("D"), new)
    assert module.replaced == ["D"]
    assert len(module.loader("train")) == math.ceil(41 / 7)
    for split in ("train", "val"):
        batches = list(module.loader(split))
        seen = torch.sort(_indices(batches, "D")).values
        assert torch.equal(seen, expected[split])
        for b in batches:
            assert _same_points(b["D"].input, new[b["D"].indices])
    assert problem.input_pts["D"] is sampled  # the problem's points are left alone


def test_replace_points_with_as_many_points_keeps_the_counts(problem):
    module = _module(problem, batch_size=7, train_size=0.8, val_size=0.2)
    before = _sizes(module)
    module.replace_points({"D": _new_points(100)}, fixed_steps=True)
    assert _sizes(module) == before
    assert module.steps_per_epoch == 12 and len(module.loader("val")) == 3


def test_replace_points_orders_columns_and_detaches(problem):
    module = _module(problem)
    values = torch.rand(30, 2, requires_grad=True)
    module.replace_points({"D": LabelTensor(values, ["t", "x"])})
    points = module.points("D")
    assert points.labels == ["x"]
    assert torch.equal(points.tensor, values[:, 1:].detach())
    assert not points.requires_grad


def test_an_epoch_running_finishes_on_the_old_points(problem):
    module = _module(problem, batch_size=7, train_size=0.8, val_size=0.2)
    old_points = problem.input_pts["D"]
    old_train = module.conditions["D"].splits["train"].clone()
    running = iter(module.loader("train"))
    batches = [next(running)]
    new = _new_points(100)
    module.replace_points({"D": new}, fixed_steps=True)
    batches += list(running)
    assert len(batches) == 12
    assert torch.equal(torch.sort(_indices(batches, "D")).values, old_train)
    for b in batches:
        assert _same_points(b["D"].input, old_points[b["D"].indices])
    for b in module.loader("train"):
        assert _same_points(b["D"].input, new[b["D"].indices])


@pytest.mark.parametrize(
    ("points", "error", "message"),
    [
        (
            {"nope": _new_points(5)},
            ValueError,
            "Only the points of physics conditions can be replaced; got 'nope', "
            "choose from ['x0', 'D'].",
        ),
        (
            {"D": torch.rand(5, 1)},
            TypeError,
            "points['D'] must be a LabelTensor; got Tensor.",
        ),
        (
            {"D": LabelTensor(torch.rand(5, 1), ["y"])},
            ValueError,
            "points['D'] must be a non-empty (n, k) LabelTensor with the labels ['x']; "
            "got shape (5, 1) and labels ['y'].",
        ),
        (
            {"D": LabelTensor(torch.zeros(0, 1), ["x"])},
            ValueError,
            "points['D'] must be a non-empty (n, k) LabelTensor with the labels ['x']; "
            "got shape (0, 1) and labels ['x'].",
        ),
        (
            {"x0": _new_points(3), "D": LabelTensor(torch.rand(5, 1), ["y"])},
            ValueError,
            "points['D'] must be a non-empty",
        ),
    ],
)
def test_replace_points_errors_change_nothing(problem, points, error, message):
    module = _module(problem, train_size=0.8, val_size=0.2)
    state = module.generator.get_state()
    before = {
        n: (c.input, {s: r.clone() for s, r in c.splits.items()})
        for n, c in module.conditions.items()
    }
    with pytest.raises(error, match=re.escape(message)):
        module.replace_points(points)
    assert module.replaced == []
    assert torch.equal(module.generator.get_state(), state)
    for name, (points_before, splits) in before.items():
        assert module.conditions[name].input is points_before
        assert all(torch.equal(module.conditions[name].splits[s], splits[s]) for s in SPLITS)


def test_replace_points_of_a_data_condition(make_problem_with_data):
    problem, _ = make_problem_with_data()
    module = _module(problem)
    message = (
        "Only the points of physics conditions can be replaced; got 'data', "
        "choose from ['x0', 'D']."
    )
    with pytest.raises(ValueError, match=re.escape(message)):
        module.replace_points({"data": _new_points(3)})


def _refused(module, points, split: str, after: int, before: int) -> None:
    """``replace_points(points, fixed_steps=True)`` refuses ``after`` steps of ``split``."""
    message = (
        rf"would make {after} steps per epoch instead of {before} in the {split} split; "
        r"while training, the number of steps per epoch cannot change"
    )
    with pytest.raises(ValueError, match=message):
        module.replace_points(points, fixed_steps=True)


def test_replace_points_fixed_steps_refuses_another_step_count(problem):
    module = _module(problem, batch_size=7, train_size=0.8, val_size=0.2)
    # 200 points: 160 D + 1 x0 training points -> ceil(161 / 7) = 23 steps instead of 12.
    _refused(module, {"D": _new_points(200)}, "train", after=23, before=12)
    assert module.replaced == [] and module.steps_per_epoch == 12
    # 84 points: 67 D train (ceil(68 / 7) = 10 steps), 17 val points (ceil(17 / 7) = 3).
    _refused(module, {"D": _new_points(84)}, "train", after=10, before=12)
    # 90 points: 72 + 1 -> ceil(73 / 7) = 11 train steps; val 18 -> 3.
    _refused(module, {"D": _new_points(90)}, "train", after=11, before=12)
    # Without fixed_steps the step count may change.
    module.replace_points({"D": _new_points(200)})
    assert module.steps_per_epoch == 23


def test_replace_points_fixed_steps_checks_the_val_split_too(problem):
    module = _module(problem, batch_size=25, train_size=0.5, val_size=0.5)
    # 100 -> 50 + 1 train (3 steps), 50 val (2 steps); 110 -> 55 + 1 (3), 55 val (3 steps).
    assert module.steps_per_epoch == 3 and len(module.loader("val")) == 2
    _refused(module, {"D": _new_points(110)}, "val", after=3, before=2)


def test_replace_points_fixed_steps_without_batch_size(problem):
    module = _module(problem, train_size=0.8, val_size=0.2)
    module.replace_points({"D": _new_points(37)}, fixed_steps=True)  # always one step
    assert _sizes(module)["D"] == split_counts(37, check_split_sizes(0.8, 0.2, 0.0))


# --------------------------------------------------------------------------------- state
def test_state_dict_contents(problem):
    module = _module(problem, train_size=0.8, val_size=0.2)
    state = module.state_dict()
    assert set(state) == {"generator", "splits", "points"}
    assert torch.equal(state["generator"], module.generator.get_state())
    assert state["points"] == {}
    for name, record in module.conditions.items():
        assert all(torch.equal(state["splits"][name][s], record.splits[s]) for s in SPLITS)
    new = _new_points(40)
    module.replace_points({"D": new})
    state = module.state_dict()
    assert list(state["points"]) == ["D"]
    assert state["points"]["D"]["labels"] == ["x"]
    assert torch.equal(state["points"]["D"]["values"], new.tensor)


def test_state_dict_round_trip_restores_everything(make_problem, tmp_path):
    first = _module(make_problem(n_d=100), seed=0, batch_size=7, train_size=0.8, val_size=0.2)
    new = _new_points(90)
    first.replace_points({"D": new})
    list(first.loader("train"))  # moves the generator on
    path = tmp_path / "data_module.pt"
    torch.save(first.state_dict(), path)

    problem = make_problem(n_d=100)
    second = _module(problem, seed=1, batch_size=7, train_size=0.8, val_size=0.2)
    assert not torch.equal(second.generator.get_state(), first.generator.get_state())
    second.load_state_dict(torch.load(path, weights_only=True))

    assert torch.equal(second.generator.get_state(), first.generator.get_state())
    assert second.replaced == ["D"]
    assert _same_points(second.points("D"), new)
    assert _same_points(problem.input_pts["D"], new)  # put back in the problem
    for name in ("x0", "D"):
        for split in SPLITS:
            assert torch.equal(
                second.conditions[name].splits[split], first.conditions[name].splits[split]
            )
    for _ in range(2):
        for split in SPLITS:
            assert _same_epochs(_epoch(second.loader(split)), _epoch(first.loader(split)))
    assert torch.equal(second.generator.get_state(), first.generator.get_state())


def test_load_state_dict_without_replaced_points_restores_the_splits(make_problem):
    first = _module(make_problem(n_d=100), seed=0, batch_size=7, train_size=0.7, val_size=0.3)
    second = _module(make_problem(n_d=100), seed=1, batch_size=7, train_size=0.7, val_size=0.3)
    assert not torch.equal(
        second.conditions["D"].splits["val"], first.conditions["D"].splits["val"]
    )
    second.load_state_dict(first.state_dict())
    assert second.replaced == []
    for split in SPLITS:
        assert torch.equal(
            second.conditions["D"].splits[split], first.conditions["D"].splits[split]
        )
        assert _same_epochs(_epoch(second.loader(split)), _epoch(first.loader(split)))


def test_pickle_round_trip_keeps_the_generator_shared(problem):
    module = _module(problem, batch_size=7, train_size=0.8, val_size=0.2)
    module.replace_points({"D": _new_points(90)})
    copy = pickle.loads(pickle.dumps(module))
    assert torch.equal(copy.generator.get_state(), module.generator.get_state())
    for split in SPLITS:
        assert copy.loader(split).generator is copy.generator
    assert copy.replaced == ["D"]
    assert _same_points(copy.points("D"), module.points("D"))
    before = copy.generator.get_state()
    epoch = _epoch(copy.loader("train"))
    assert not torch.equal(copy.generator.get_state(), before)  # the shuffle drew from it
    assert _same_epochs(epoch, _epoch(module.loader("train")))
    assert torch.equal(copy.generator.get_state(), module.generator.get_state())
    # replace_points on the copy splits with the same shared generator.
    copy.replace_points({"D": _new_points(60)})
    module.replace_points({"D": _new_points(60)})
    assert torch.equal(copy.conditions["D"].splits["val"], module.conditions["D"].splits["val"])
    assert torch.equal(copy.generator.get_state(), module.generator.get_state())


# ------------------------------------------------------------------------------- Trainer
def test_trainer_builds_the_data_module_with_its_split_sizes(make_problem, make_pinn):
    solver = make_pinn(problem=make_problem(n_d=100))
    trainer = Trainer(solver, train_size=0.7, val_size=0.2, test_size=0.1, max_epochs=1, **QUIET)
    module = trainer.datamodule
    assert isinstance(module, PinaDataModule)
    assert module.problem is solver.problem
    assert module.fractions == {"train": 0.7, "val": 0.2, "test": 0.1}
    assert _sizes(module) == {
        "x0": {"train": 1, "val": 0, "test": 0},
        "D": {"train": 70, "val": 20, "test": 10},
    }


def test_trainer_splits_are_seeded_from_torch(make_pinn):
    solver = make_pinn()
    splits = []
    for _ in range(2):
        torch.manual_seed(5)
        trainer = Trainer(solver, train_size=0.5, val_size=0.5, max_epochs=1, **QUIET)
        splits.append(trainer.datamodule.conditions["D"].splits["val"])
    assert torch.equal(splits[0], splits[1])


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        (
            {"train_size": 0.8, "val_size": 0.3},
            ValueError,
            "train_size + val_size + test_size must be at most 1; got 0.8 + 0.3 + 0.0 = 1.1.",
        ),
        ({"val_size": -0.2}, ValueError, "val_size must be a fraction in [0, 1]"),
        ({"test_size": "0.1"}, TypeError, "test_size must be a number in [0, 1]"),
        ({"train_size": True}, TypeError, "got True of type bool"),
        ({"train_size": 0}, ValueError, "are all 0"),
        ({"batch_size": 0}, ValueError, "batch_size must be None or a positive int; got 0."),
    ],
)
def test_trainer_bad_sizes_raise_before_anything_trains(
    make_pinn, parameters_of, tmp_path, kwargs, error, message
):
    solver = make_pinn()
    weights = parameters_of(solver)
    with pytest.raises(error, match=re.escape(message)):
        Trainer(solver, max_epochs=1, default_root_dir=str(tmp_path), **QUIET, **kwargs)
    assert all(torch.equal(a, b) for a, b in zip(parameters_of(solver), weights))
    assert list(tmp_path.iterdir()) == []


def test_trainer_validates_and_tests_on_their_splits(make_problem, make_pinn, ode_losses):
    problem = make_problem(n_d=100)
    solver = make_pinn(problem=problem)
    trainer = Trainer(solver, train_size=0.7, val_size=0.2, test_size=0.1, max_epochs=1, **QUIET)
    trainer.train()
    model = solver.neural_net.torchmodel
    for split, run in (("val", trainer.validate), ("test", trainer.test)):
        (metrics,) = run(verbose=False)
        # x0 has no point in val/test: only D is evaluated, on exactly its split's points.
        assert f"x0_{split}_loss" not in metrics
        rows = trainer.datamodule.conditions["D"].splits[split]
        with torch.enable_grad():
            expected = ode_losses(model, {"D": problem.input_pts["D"].tensor[rows]})["D"]
        expected = float(expected.detach())
        assert metrics[f"D_{split}_loss"] == pytest.approx(expected, rel=1e-5)
        assert metrics[f"{split}_loss"] == pytest.approx(expected, rel=1e-5)
