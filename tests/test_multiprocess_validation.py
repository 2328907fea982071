"""Validation and test metrics, and per-point weights, with 2 real DDP processes.

Every rank evaluates its shard of the validation (test) points; the published metrics must
be those of one process over all the split's points, computed here by hand from the final
weights. SAPINN and RBAPINN train with mini-batches under DDP and keep the same per-point
weights on every rank.
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

SCRIPT = Path(__file__).parent / "scripts" / "ddp_validation.py"

pytestmark = pytest.mark.skipif(
    not (dist.is_available() and dist.is_gloo_available()),
    reason="torch.distributed with the gloo backend is not available",
)


def _run(tmp_path: Path, solver: str, batch_size: int | None) -> dict:
    out = tmp_path / "result.json"
    command = [sys.executable, str(SCRIPT), solver, str(out)]
    if batch_size is not None:
        command += ["--batch-size", str(batch_size)]
    run_script(command, tmp_path, timeout=240)
    return json.loads(out.read_text())


def _model(final: list[list[float]]) -> FeedForward:
    model = FeedForward(layers=[10, 10], output_dimensions=1, input_dimensions=1)
    with torch.no_grad():
        for p, values in zip(model.parameters(), final):
            p.copy_(torch.tensor(values).reshape(p.shape))
    return model


@pytest.mark.parametrize(("solver", "batch_size"), [("PINN", None), ("SAPINN", 4), ("RBAPINN", 4)])
def test_two_processes_validate_like_one(tmp_path, ode_losses, solver, batch_size):
    result = _run(tmp_path, solver, batch_size)
    ranks = result["ranks"]
    assert ranks[0]["final"] == ranks[1]["final"]  # DDP kept the models equal
    model = _model(ranks[0]["final"])
    points = torch.tensor(result["points"]["D"]).reshape(-1, 1)
    for split, metrics_key in (("val", "validate"), ("test", "test")):
        rows = torch.tensor(result["splits"]["D"][split])
        assert rows.numel() == 10
        expected = float(ode_losses(model, {"D": points[rows]})["D"])
        x = points[rows]
        with torch.no_grad():
            error = torch.linalg.vector_norm(model(x) - torch.exp(x)) / torch.linalg.vector_norm(
                torch.exp(x)
            )
        for rank in ranks:  # every rank returns the global metrics
            metrics = rank[metrics_key]
            assert metrics[f"D_{split}_loss"] == pytest.approx(expected, rel=1e-5)
            assert metrics[f"{split}_loss"] == pytest.approx(expected, rel=1e-5)
            assert metrics[f"{split}_rel_l2"] == pytest.approx(float(error), rel=1e-5)
    # the last validation during training ran on the same final weights
    assert ranks[0]["during_fit"]["val_loss"] == pytest.approx(ranks[0]["validate"]["val_loss"])
    if solver != "PINN":
        assert ranks[0]["point_weights"] == ranks[1]["point_weights"]
        weights = torch.tensor(ranks[0]["point_weights"]["D"])
        assert weights.shape == (40,) and bool(torch.isfinite(weights).all())
        if solver == "RBAPINN":
            # 3 epochs from 1: lambda <- 0.999 lambda + 0.001 r/max r keeps the training
            # points' weights in [0.999^3, 1]; the validation/test points' are never touched
            train = torch.tensor(result["splits"]["D"]["train"])
            others = torch.ones(40, dtype=torch.bool)
            others[train] = False
            assert bool((weights[others] == 1.0).all())
            trained = weights[train]
            assert bool(((trained >= 0.999**3 - 1e-6) & (trained <= 1.0 + 1e-6)).all())
            assert bool((trained < 1.0).any())
