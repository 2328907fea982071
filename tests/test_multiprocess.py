"""Two CPU processes (gloo) train the tutorial's SimpleODE with DDP and DDP-spawn.

The training runs in a separate Python process (``tests/scripts/ddp_simple_ode.py``):
``strategy='ddp'`` starts the other rank by re-running ``sys.argv``, which must not be pytest.
The script records, on every rank, the points and weights of every step and the logged
metrics; here they are checked against a single-process computation with plain torch:

* every point is used exactly once per epoch, across the ranks;
* each SGD step is ``w - lr * grad`` of the loss over all the step's points (the gradients
  are averaged over the ranks with the right weights);
* the logged metrics are the global losses, the same on every rank.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import torch
import torch.distributed as dist
from _processes import run_script

from pina.model import FeedForward

SCRIPT = Path(__file__).parent / "scripts" / "ddp_simple_ode.py"

pytestmark = pytest.mark.skipif(
    not (dist.is_available() and dist.is_gloo_available()),
    reason="torch.distributed with the gloo backend is not available",
)


def _run(tmp_path: Path, strategy: str, batch_size: int | None, epochs: int, lr: float) -> dict:
    out = tmp_path / "result.json"
    command = [sys.executable, str(SCRIPT), strategy, str(out), "--epochs", str(epochs)]
    command += ["--lr", str(lr)]
    if batch_size is not None:
        command += ["--batch-size", str(batch_size)]
    run_script(command, tmp_path, timeout=180)
    return json.loads(out.read_text())


def _model(flat: list[list[float]]) -> FeedForward:
    model = FeedForward(
        layers=[10, 10], func=torch.nn.Tanh, output_dimensions=1, input_dimensions=1
    )
    with torch.no_grad():
        for param, values in zip(model.parameters(), flat):
            param.copy_(torch.tensor(values).reshape(param.shape))
    return model


def _sorted(values: list[float]) -> torch.Tensor:
    return torch.tensor(values).sort().values


@pytest.mark.parametrize(
    ("strategy", "batch_size", "epochs"),
    # batch_size=1: rank 0 holds 11 points, rank 1 only 10, so rank 1 has an empty step
    [("ddp", None, 3), ("ddp", 1, 2), ("ddp_spawn", 5, 2)],
)
def test_two_processes_train_like_one(tmp_path, ode_losses, strategy, batch_size, epochs):
    lr = 0.1
    result = _run(tmp_path, strategy, batch_size, epochs, lr)
    assert result["strategy"] == "DDPStrategy"
    ranks = result["ranks"]
    assert [r["rank"] for r in ranks] == [0, 1]
    assert all(r["world_size"] == 2 and r["backend"] == "gloo" for r in ranks)
    points = result["points"]
    assert len(points["x0"]) == 1 and len(points["D"]) == 20

    # the same number of steps on both ranks; per-rank steps hold at most batch_size points
    n_steps = 1 if batch_size is None else -(-11 // batch_size)  # rank 0 holds 11 points
    for rank in ranks:
        assert len(rank["steps"]) == epochs
        assert all(len(epoch) == n_steps for epoch in rank["steps"])
        assert rank["global_step"] == epochs * n_steps
        if batch_size is not None:
            for epoch in rank["steps"]:
                assert all(sum(map(len, s["points"].values())) <= batch_size for s in epoch)

    if batch_size == 1:  # rank 1 sat out the last step of each epoch, and still kept pace
        for epoch in ranks[1]["steps"]:
            assert [sum(map(len, s["points"].values())) for s in epoch] == [1] * 10 + [0]

    # every point exactly once per epoch, across the ranks
    for epoch in range(epochs):
        for name in ("x0", "D"):
            per_rank = [
                [x for step in rank["steps"][epoch] for x in step["points"].get(name, [])]
                for rank in ranks
            ]
            # D is split between the ranks; x0's single point goes to one of them
            assert sorted(map(len, per_rank)) == ([0, 1] if name == "x0" else [10, 10])
            assert torch.equal(_sorted(per_rank[0] + per_rank[1]), _sorted(points[name]))

    # each step: the same weights on both ranks, and the SGD update of the global loss
    steps = [list(zip(ranks[0]["steps"][e], ranks[1]["steps"][e])) for e in range(epochs)]
    flat_steps = [s for epoch in steps for s in epoch]
    assert flat_steps[0][0]["weights"] == result["initial"]
    afters = [s[0]["weights"] for s in flat_steps[1:]] + [ranks[0]["final"]]
    assert ranks[1]["final"] == ranks[0]["final"]
    step_losses = []
    for (mine, theirs), after in zip(flat_steps, afters):
        assert mine["weights"] == theirs["weights"]
        model = _model(mine["weights"])
        union = {
            name: torch.tensor(mine["points"].get(name, []) + theirs["points"].get(name, []))
            for name in ("x0", "D")
        }
        union = {name: pts for name, pts in union.items() if pts.numel() > 0}
        losses = ode_losses(model, union)
        step_losses.append({name: float(value.detach()) for name, value in losses.items()})
        grads = torch.autograd.grad(sum(losses.values()), list(model.parameters()))
        for param, g, got in zip(model.parameters(), grads, _model(after).parameters()):
            torch.testing.assert_close(got, param - lr * g, rtol=1e-5, atol=1e-6)

    # logged metrics: the global losses (mean over the epoch's steps), equal on both ranks
    assert ranks[0]["logged"] == ranks[1]["logged"]
    per_epoch = [step_losses[e * n_steps : (e + 1) * n_steps] for e in range(epochs)]
    for logged, losses in zip(ranks[0]["logged"], per_epoch):
        assert set(logged) == {"x0_loss", "D_loss", "mean_loss"}
        for name in ("x0", "D"):
            values = [step[name] for step in losses if name in step]
            expected = sum(values) / len(values)
            assert logged[f"{name}_loss"] == pytest.approx(expected, rel=1e-5)
        mean = (logged["x0_loss"] + logged["D_loss"]) / 2
        assert logged["mean_loss"] == pytest.approx(mean, rel=1e-6)
