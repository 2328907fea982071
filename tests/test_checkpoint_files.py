"""Checkpoint files that cannot be resumed are refused before any training step.

* A truncated, corrupt, empty or foreign file: ``ValueError`` naming the file, from
  ``Trainer.train(ckpt_path=...)`` and ``Solver.load_from_checkpoint`` alike (``torch.load``
  itself loads a file with changed bytes silently; the zip archive's CRC-32 catches it).
* A checkpoint made for another problem (other conditions, variables or unknown parameters):
  ``ValueError`` naming what differs; ``load_from_checkpoint`` needs only the same variables
  and unknowns (the weights do not depend on the conditions).
"""

from __future__ import annotations

import re
import struct
import zipfile
from pathlib import Path

import pytest
import torch
from _problems import Growth, SimpleODE, ode_equation
from pytorch_lightning.callbacks import Callback

from pina import Condition, Trainer
from pina.equation import Equation, FixedValue
from pina.geometry import CartesianDomain
from pina.model import FeedForward
from pina.problem import SpatialProblem
from pina.solvers import PINN


class _CountSteps(Callback):
    def __init__(self) -> None:
        self.steps = 0

    def on_train_batch_start(self, *args: object) -> None:
        self.steps += 1


def _sampled(problem_class: type = SimpleODE) -> SpatialProblem:
    torch.manual_seed(0)
    problem = problem_class()
    for name, condition in problem.conditions.items():
        if condition.location is not None:
            n = 1 if name == "x0" else 8
            problem.discretise_domain(n, "grid" if n > 1 else "random", locations=[name])
    return problem


def _trainer(solver: PINN, root: Path, **kwargs: object) -> Trainer:
    return Trainer(
        solver,
        accelerator="cpu",
        logger=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        default_root_dir=str(root),
        **kwargs,
    )


@pytest.fixture
def checkpoint(tmp_path: Path) -> Path:
    """A real checkpoint of 2 epochs of a PINN on SimpleODE."""
    solver = PINN(_sampled(), FeedForward(1, 1, layers=[8]))
    _trainer(solver, tmp_path / "run", max_epochs=2).train()
    (path,) = (tmp_path / "run").rglob("*.ckpt")
    return path


def _damaged(checkpoint: Path, tmp_path: Path, how: str) -> Path:
    data = checkpoint.read_bytes()
    target = tmp_path / f"{how}.ckpt"
    if how == "truncated":
        target.write_bytes(data[: len(data) // 2])
    elif how == "end_cut":
        target.write_bytes(data[:-30])
    elif how == "flipped":  # a few bytes changed inside the stored weights
        with zipfile.ZipFile(checkpoint) as archive:
            member = max(archive.infolist(), key=lambda info: info.file_size)
        damaged = bytearray(data)
        # The member's data follows its local header (30 bytes, its name, its extra field).
        name_len, extra_len = struct.unpack(
            "<HH", data[member.header_offset + 26 : member.header_offset + 30]
        )
        start = member.header_offset + 30 + name_len + extra_len
        for i in range(start, start + 4):
            damaged[i] ^= 0xFF
        target.write_bytes(bytes(damaged))
    elif how == "empty":
        target.write_bytes(b"")
    else:
        target.write_bytes(b"not a checkpoint at all")
    return target


DAMAGE = {
    "truncated": "is truncated",
    "end_cut": "is truncated",
    "flipped": "is corrupt: its part '.*' fails its CRC-32 check",
    "empty": "is empty",
    "junk": "is not a torch checkpoint",
}


@pytest.mark.parametrize("how", list(DAMAGE))
def test_damaged_file_is_refused_by_train_before_any_step(
    checkpoint: Path, tmp_path: Path, how: str
) -> None:
    path = _damaged(checkpoint, tmp_path, how)
    solver = PINN(_sampled(), FeedForward(1, 1, layers=[8]))
    before = [p.detach().clone() for p in solver.parameters()]
    counter = _CountSteps()
    trainer = _trainer(solver, tmp_path / "resume", max_epochs=4, callbacks=[counter])
    with pytest.raises(ValueError, match=re.escape(repr(str(path))) + " " + DAMAGE[how]):
        trainer.train(ckpt_path=str(path))
    assert counter.steps == 0
    assert all(torch.equal(a, b) for a, b in zip(before, solver.parameters()))


@pytest.mark.parametrize("how", list(DAMAGE))
def test_damaged_file_is_refused_by_load_from_checkpoint(
    checkpoint: Path, tmp_path: Path, how: str
) -> None:
    path = _damaged(checkpoint, tmp_path, how)
    with pytest.raises(ValueError, match=re.escape(repr(str(path))) + " " + DAMAGE[how]):
        PINN.load_from_checkpoint(path, problem=_sampled(), model=FeedForward(1, 1, layers=[8]))


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="nothing.ckpt"):
        PINN.load_from_checkpoint(
            tmp_path / "nothing.ckpt", problem=_sampled(), model=FeedForward(1, 1)
        )
    with pytest.raises(ValueError, match="is a directory"):
        PINN.load_from_checkpoint(tmp_path, problem=_sampled(), model=FeedForward(1, 1))


def test_good_checkpoint_still_resumes_and_loads(checkpoint: Path, tmp_path: Path) -> None:
    solver = PINN(_sampled(), FeedForward(1, 1, layers=[8]))
    trainer = _trainer(solver, tmp_path / "resume", max_epochs=3)
    trainer.train(ckpt_path=str(checkpoint))
    assert trainer.current_epoch == 3
    loaded = PINN.load_from_checkpoint(
        checkpoint, problem=_sampled(), model=FeedForward(1, 1, layers=[8])
    )
    assert loaded(_sampled().input_pts["D"]).labels == ["u"]


# ------------------------------------------------------------------------- other problems
class OtherConditions(SpatialProblem):
    output_variables = ["u"]
    spatial_domain = CartesianDomain({"x": [0, 1]})
    conditions = {
        "left": Condition(location=CartesianDomain({"x": 0.0}), equation=FixedValue(1)),
        "D": Condition(location=CartesianDomain({"x": [0, 1]}), equation=Equation(ode_equation)),
    }


class OtherOutputs(SpatialProblem):
    output_variables = ["v"]
    spatial_domain = CartesianDomain({"x": [0, 1]})
    conditions = {
        "x0": Condition(location=CartesianDomain({"x": 0.0}), equation=FixedValue(1)),
        "D": Condition(location=CartesianDomain({"x": [0, 1]}), equation=FixedValue(0)),
    }


class OtherInputs(SpatialProblem):
    output_variables = ["u"]
    spatial_domain = CartesianDomain({"t": [0, 1]})
    conditions = {
        "x0": Condition(location=CartesianDomain({"t": 0.0}), equation=FixedValue(1)),
        "D": Condition(location=CartesianDomain({"t": [0, 1]}), equation=FixedValue(0)),
    }


OTHER = {
    OtherConditions: r"conditions: checkpoint \['x0', 'D'\], problem \['left', 'D'\]",
    OtherOutputs: r"output_variables: checkpoint \['u'\], problem \['v'\]",
    OtherInputs: r"input_variables: checkpoint \['x'\], problem \['t'\]",
    Growth: r"unknown_parameters: checkpoint \[\], problem \['k'\]",
}


@pytest.mark.parametrize("problem_class", list(OTHER), ids=lambda c: c.__name__)
def test_resuming_for_another_problem_is_refused_before_any_step(
    checkpoint: Path, tmp_path: Path, problem_class: type
) -> None:
    solver = PINN(_sampled(problem_class), FeedForward(1, 1, layers=[8]))
    before = [p.detach().clone() for p in solver.parameters()]
    counter = _CountSteps()
    trainer = _trainer(solver, tmp_path / "resume", max_epochs=4, callbacks=[counter])
    with pytest.raises(
        ValueError,
        match=r"made for another problem \('SimpleODE'\), so it cannot resume training of PINN "
        rf"on {problem_class.__name__}: .*" + OTHER[problem_class],
    ):
        trainer.train(ckpt_path=str(checkpoint))
    assert counter.steps == 0
    assert all(torch.equal(a, b) for a, b in zip(before, solver.parameters()))


def test_load_from_checkpoint_needs_the_same_variables_not_the_same_conditions(
    checkpoint: Path,
) -> None:
    loaded = PINN.load_from_checkpoint(
        checkpoint, problem=_sampled(OtherConditions), model=FeedForward(1, 1, layers=[8])
    )
    assert loaded(_sampled().input_pts["D"]).labels == ["u"]
    with pytest.raises(ValueError, match=r"cannot load the weights into PINN on OtherInputs: "):
        PINN.load_from_checkpoint(
            checkpoint, problem=_sampled(OtherInputs), model=FeedForward(1, 1, layers=[8])
        )
    with pytest.raises(ValueError, match=OTHER[Growth]):
        PINN.load_from_checkpoint(
            checkpoint, problem=_sampled(Growth), model=FeedForward(1, 1, layers=[8])
        )


def test_checkpoint_stores_the_problem_signature(checkpoint: Path) -> None:
    saved = torch.load(checkpoint, weights_only=True)["pina_problem"]
    assert saved == {
        "problem": "SimpleODE",
        "conditions": ["x0", "D"],
        "input_variables": ["x"],
        "output_variables": ["u"],
        "unknown_parameters": [],
    }
