"""R3Refinement: keep the points whose residual is above the mean, resample the others."""

from __future__ import annotations

import json
import pickle
import sys
from pathlib import Path

import pytest
import pytorch_lightning as pl
import torch
import torch.distributed as dist
from _problems import X_DATA, Growth
from _processes import run_script
from pytorch_lightning.callbacks import Callback

from pina import Condition, LabelTensor, Trainer
from pina.callbacks import R3Refinement
from pina.dataset import DataPointDataset, SamplePointDataset, SamplePointLoader
from pina.equation import FixedValue
from pina.model import FeedForward
from pina.problem import AbstractProblem
from pina.solvers import PINN, SupervisedSolver


def _hand_residuals(model: torch.nn.Module, points: dict[str, torch.Tensor], k: float = 1.0):
    """|u(0) - 1| at x0 and |u' - k u| at D, with plain torch."""
    dtype = next(model.parameters()).dtype
    out = {}
    with torch.enable_grad():
        if "x0" in points:
            out["x0"] = (model(points["x0"].to(dtype)) - 1.0).abs().flatten()
        x = points["D"].to(dtype).requires_grad_()
        u = model(x)
        (u_x,) = torch.autograd.grad(u.sum(), x)
        out["D"] = (u_x - k * u).abs().detach().flatten()
    return out


class Record(Callback):
    """Before R3 (it comes first in the callbacks): the points and by-hand residuals at each
    epoch end; and the points of every batch."""

    def __init__(self, k_of=None) -> None:
        self.points: list[dict[str, torch.Tensor]] = []
        self.residuals: list[dict[str, torch.Tensor]] = []
        self.batches: list[dict[str, torch.Tensor]] = []
        self.k_of = k_of

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx):
        self.batches.append({name: part.input.tensor.clone() for name, part in batch.items()})

    def on_train_epoch_end(self, trainer, pl_module):
        pts = {n: p.tensor.clone() for n, p in pl_module.problem.input_pts.items()}
        k = 1.0 if self.k_of is None else float(self.k_of(pl_module))
        self.points.append(pts)
        self.residuals.append(_hand_residuals(pl_module.neural_net.torchmodel, pts, k))


# ------------------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    ("value", "error", "match"),
    [
        (0, ValueError, r"sample_every must be a positive int; got 0"),
        (-3, ValueError, r"got -3"),
        (2.0, TypeError, r"sample_every must be a positive int; got 2.0"),
        (True, TypeError, r"got True"),
    ],
)
def test_sample_every_is_checked(value, error, match):
    with pytest.raises(error, match=match):
        R3Refinement(value)


def test_needs_the_pina_trainer(make_pinn, tmp_path):
    pinn = make_pinn()
    loader = SamplePointLoader(SamplePointDataset(pinn.problem), DataPointDataset(pinn.problem))
    trainer = pl.Trainer(
        accelerator="cpu",
        max_epochs=1,
        callbacks=[R3Refinement(1)],
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        default_root_dir=str(tmp_path),
    )
    with pytest.raises(TypeError, match=r"needs a pina.trainer.Trainer.*got Trainer"):
        trainer.fit(pinn, train_dataloaders=loader)


def test_needs_a_physics_solver(trainer_kwargs):
    class Data(AbstractProblem):
        input_variables = ["x"]
        output_variables = ["u"]
        conditions = {
            "data": Condition(
                input_points=LabelTensor(torch.rand(5, 1), ["x"]),
                output_points=LabelTensor(torch.rand(5, 1), ["u"]),
            )
        }

    solver = SupervisedSolver(Data(), FeedForward(1, 1))
    trainer = Trainer(solver, max_epochs=1, callbacks=[R3Refinement(1)], **trainer_kwargs)
    with pytest.raises(TypeError, match=r"compute_residual.*got SupervisedSolver"):
        trainer.train()


def test_needs_a_condition_on_a_location(make_problem, make_model, trainer_kwargs):
    problem = make_problem()

    class Given(type(problem)):
        conditions = {"D": Condition(input_points=problem.input_pts["D"], equation=FixedValue(0.0))}

    pinn = PINN(Given(), make_model())
    trainer = Trainer(pinn, max_epochs=1, callbacks=[R3Refinement(1)], **trainer_kwargs)
    with pytest.raises(
        ValueError, match=r"defined on a location, and Given has none among \['D'\]"
    ):
        trainer.train()


# ------------------------------------------------------------------------------- values
@pytest.mark.parametrize("precision", ["32-true", "64-true"])
def test_keeps_the_points_above_the_mean_and_trains_on_the_new_ones(
    make_pinn, trainer_kwargs, precision
):
    record = Record()
    pinn = make_pinn(optimizer_kwargs={"lr": 0.01})
    original = {n: p.tensor.clone() for n, p in pinn.problem.input_pts.items()}
    # refinement after epoch 1 (the second); epoch 2 trains on the refined points
    trainer = Trainer(
        pinn,
        max_epochs=3,
        precision=precision,
        callbacks=[record, R3Refinement(sample_every=2)],
        **trainer_kwargs,
    )
    trainer.train()

    # epochs 0 and 1 saw the original points; no refinement after epoch 0
    for epoch in (0, 1):
        assert torch.equal(record.points[epoch]["D"], original["D"])
        for name in ("x0", "D"):
            assert torch.equal(record.batches[epoch][name].float(), original[name])
    refined = pinn.problem.input_pts["D"]
    assert refined.labels == ["x"]
    assert refined.shape == (20, 1)  # the count is kept

    residual = record.residuals[1]["D"]  # the residuals the refinement saw
    above = residual > residual.mean()
    n_kept = int(above.sum())
    assert 0 < n_kept < 20
    # exactly the points above the mean are kept, in order, first
    assert torch.equal(refined.tensor[:n_kept], original["D"][above])
    # the others are new points drawn in [0, 1], none of the released ones
    fresh = refined.tensor[n_kept:]
    assert fresh.shape == (20 - n_kept, 1)
    assert (
        pinn.problem.conditions["D"]
        .location.is_inside(LabelTensor(fresh, ["x"]), check_border=True)
        .all()
    )
    assert not torch.isin(fresh, original["D"][~above]).any()
    # x0: a single point has no residual above the mean; it is redrawn at x = 0
    assert torch.equal(pinn.problem.input_pts["x0"].tensor, torch.zeros(1, 1))

    # epoch 2 trained on the refined points, on the training dtype
    dtype = torch.float64 if precision == "64-true" else torch.float32
    assert record.batches[2]["D"].dtype == dtype
    assert torch.equal(record.batches[2]["D"], refined.tensor.to(dtype))
    # not refined after epoch 2 (refinements after epochs 1, 3, 5, ...)
    assert torch.equal(record.points[2]["D"], refined.tensor)


def test_refines_every_sample_every_epochs_with_batches(make_pinn, trainer_kwargs):
    record = Record()
    pinn = make_pinn(optimizer_kwargs={"lr": 0.01})
    trainer = Trainer(
        pinn,
        batch_size=6,
        max_epochs=6,
        callbacks=[record, R3Refinement(sample_every=3)],
        **trainer_kwargs,
    )
    trainer.train()
    assert trainer.num_training_batches == 4  # ceil(21 / 6), unchanged by the refinements
    points = [p["D"] for p in record.points]
    # the points change only after epochs 2 and 5
    assert torch.equal(points[0], points[1]) and torch.equal(points[1], points[2])
    assert torch.equal(points[3], points[4]) and torch.equal(points[4], points[5])
    assert not torch.equal(points[2], points[3])
    assert not torch.equal(points[5], pinn.problem.input_pts["D"].tensor)
    # each epoch used every current point once
    batches = [record.batches[4 * e : 4 * e + 4] for e in range(6)]
    for epoch, steps in enumerate(batches):
        seen = torch.cat([b["D"] for b in steps]).flatten().sort().values
        assert torch.equal(seen, points[epoch].flatten().sort().values)


def test_inverse_problem_residual_uses_the_current_unknown(trainer_kwargs):
    torch.manual_seed(0)
    problem = Growth()
    problem.discretise_domain(30, "grid", locations=["D"])
    original = problem.input_pts["D"].tensor.clone()
    pinn = PINN(problem, FeedForward(1, 1, layers=[10, 10]), optimizer_kwargs={"lr": 0.05})
    record = Record(k_of=lambda solver: solver.problem.unknown_parameters["k"])
    trainer = Trainer(
        pinn, max_epochs=2, callbacks=[record, R3Refinement(sample_every=2)], **trainer_kwargs
    )
    trainer.train()
    residual = record.residuals[1]["D"]
    above = residual > residual.mean()
    refined = problem.input_pts["D"].tensor
    assert refined.shape == (30, 1)
    assert torch.equal(refined[: int(above.sum())], original[above])
    # the data condition is not refined
    assert torch.equal(problem.input_pts["data"].tensor, X_DATA)


@pytest.mark.skipif(
    not (dist.is_available() and dist.is_gloo_available()),
    reason="torch.distributed with the gloo backend is not available",
)
def test_two_processes_refine_the_same_points_and_shard_them(tmp_path):
    # tests/scripts/ddp_r3.py: 2 DDP ranks whose R3 generators differ (seeded by rank)
    out = tmp_path / "result.json"
    script = Path(__file__).parents[1] / "scripts" / "ddp_r3.py"
    run_script([sys.executable, str(script), str(out)], tmp_path)
    ranks = json.loads(out.read_text())
    assert [r["rank"] for r in ranks] == [0, 1]
    points = ranks[0]["points"]  # D at the start of epochs 0, 1, 2 and at the end
    assert ranks[1]["points"] == points  # rank 0's refinement, broadcast
    assert [len(p) for p in points] == [20] * 4
    assert all(a != b for a, b in zip(points, points[1:]))  # refined after every epoch
    for epoch in range(3):
        # each epoch: every current point exactly once over the two ranks' shards
        seen = [x for rank in ranks for step in rank["steps"][epoch] for x in step]
        assert sorted(seen) == sorted(points[epoch])


def test_state_and_pickling_keep_the_generator(make_pinn, trainer_kwargs):
    r3 = R3Refinement(sample_every=1)
    Trainer(make_pinn(), max_epochs=1, callbacks=[r3], **trainer_kwargs).train()
    state = r3.state_dict()
    assert set(state) == {"generator"}
    other = R3Refinement(5)
    other.load_state_dict(state)
    copy = pickle.loads(pickle.dumps(other))  # as strategy='ddp_spawn' sends callbacks
    for restored in (other, copy):
        assert torch.equal(restored.state_dict()["generator"], state["generator"])
