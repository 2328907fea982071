"""SupervisedSolver, ReducedOrderModelSolver and GAROM on two CPU processes (DDP, gloo).

``tests/scripts/ddp_data_solvers.py`` trains the three solvers with ``strategy='ddp'``,
``devices=2`` in a separate Python process (Lightning starts the second rank by re-running
``sys.argv``, which must not be pytest), once for the whole module. Here the same solvers
(built by the script's ``build``) are trained in this process, and every rank must end with
the single-process weights (SGD, full batches: the gradient averaged over the ranks is the
gradient over all the data, with conditions of odd sizes split unevenly) and log the
single-process (global) metrics.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

import pytest
import torch
import torch.distributed as dist
from _processes import run_script

SCRIPT = Path(__file__).parents[1] / "scripts" / "ddp_data_solvers.py"
EPOCHS = 3

pytestmark = pytest.mark.skipif(
    not (dist.is_available() and dist.is_gloo_available()),
    reason="torch.distributed with the gloo backend is not available",
)


def _script() -> Any:
    spec = importlib.util.spec_from_file_location("ddp_data_solvers", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def ddp_results(tmp_path_factory) -> dict[str, Any]:
    """What each rank saw, for every solver: one run of the script (two processes)."""
    folder = tmp_path_factory.mktemp("ddp")
    out = folder / "result.json"
    command = [sys.executable, str(SCRIPT), str(out), "--epochs", str(EPOCHS)]
    run_script(command, folder)
    return json.loads(out.read_text())


@pytest.mark.parametrize("kind", ["supervised", "rom", "garom"])
def test_two_processes_train_like_one(ddp_results, kind, tmp_path) -> None:
    result = ddp_results[kind]
    assert result["strategy"] == "DDPStrategy"
    ranks = result["ranks"]
    assert [(r["rank"], r["world_size"]) for r in ranks] == [(0, 2), (1, 2)]

    single = _script().train(kind, EPOCHS, 1, str(tmp_path))
    (alone,) = single["ranks"]
    steps_per_epoch = 2 if kind == "garom" else 1  # GAROM: a discriminator and a generator step
    assert alone["global_step"] == EPOCHS * steps_per_epoch

    for rank in ranks:
        assert rank["global_step"] == alone["global_step"]
        assert rank["final"] == ranks[0]["final"]  # identical on both ranks
        for got, want in zip(rank["final"], alone["final"]):
            torch.testing.assert_close(torch.tensor(got), torch.tensor(want), rtol=1e-4, atol=1e-5)
        # the global metrics of every epoch: equal on both ranks, equal to one process's
        assert rank["logged"] == ranks[0]["logged"]
        assert len(rank["logged"]) == EPOCHS
        for got, want in zip(rank["logged"], alone["logged"]):
            assert set(got) == set(want)
            assert {"a_loss", "b_loss", "mean_loss"} <= set(got)
            for name, value in want.items():
                assert got[name] == pytest.approx(value, rel=1e-5, abs=1e-6), name
    if kind == "garom":
        # k, updated with the losses averaged over the ranks, as in one process
        assert 0.0 < alone["k"] < 1.0 and alone["k"] != 0.5
        for rank in ranks:
            assert rank["k"] == pytest.approx(alone["k"], rel=1e-5)
