"""What the user's process holds after multi-process training, with 2 real CPU processes.

``tests/scripts/ddp_results.py`` trains ``SAPINN`` on the inverse problem ``Growth``
(mini-batches, a validation split, ``MetricTracker``, ``R3Refinement``, the default
logger and checkpoint) and records what the process that called ``trainer.train()``
reads afterwards, and what every rank did (the points of each step, the metrics logged
each epoch, its final weights). The reference is ``strategy='ddp'`` with ``devices=2`` on
one node (rank 0):

* ``strategy='ddp_spawn'``: the main process reads exactly the same (tracker history,
  logged/callback/progress-bar metrics, epoch and step, weights, per-point weights, refined
  points, unknown parameter, splits, checkpoint and logger folders), and the ranks trained
  the same;
* ``num_nodes=2, devices=1`` started as two nodes on this machine (by ``torchrun``, and by
  Lightning's own environment variables): the same shards, steps, metrics and weights.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import torch.distributed as dist
from _processes import FLAKES, child_env

SCRIPT = Path(__file__).parent / "scripts" / "ddp_results.py"
TIMEOUT = 180

pytestmark = pytest.mark.skipif(
    not (dist.is_available() and dist.is_gloo_available()),
    reason="torch.distributed with the gloo backend is not available",
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run_once(folder: Path, strategy: str) -> subprocess.CompletedProcess:
    command = [sys.executable, str(SCRIPT), strategy, str(folder / "out.json")]
    return subprocess.run(
        command, cwd=folder, env=child_env(), capture_output=True, text=True, timeout=TIMEOUT
    )


def _run_two_nodes_once(folder: Path, launcher: str) -> list[tuple[int, str]]:
    """Start the script as node 0 and node 1 (one process each); their return codes, stderr."""
    port = _free_port()
    script = [str(SCRIPT), "ddp", str(folder / "out.json"), "--num-nodes", "2", "--devices", "1"]
    procs = []
    for node in (0, 1):
        env = child_env()
        if launcher == "torchrun":
            command = [sys.executable, "-m", "torch.distributed.run", "--nnodes", "2"]
            command += ["--node-rank", str(node), "--nproc-per-node", "1"]
            command += ["--master-addr", "127.0.0.1", "--master-port", str(port), *script]
        else:  # Lightning's environment variables, as a cluster's launcher sets them
            command = [sys.executable, *script]
            env.update(
                MASTER_ADDR="127.0.0.1",
                MASTER_PORT=str(port),
                NODE_RANK=str(node),
                WORLD_SIZE="2",
                LOCAL_RANK="0",
            )
        procs.append(
            subprocess.Popen(
                command,
                cwd=folder,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
    results = []
    try:
        for proc in procs:
            _, stderr = proc.communicate(timeout=TIMEOUT)
            results.append((proc.returncode, stderr))
    finally:
        for proc in procs:  # one node failing leaves the other waiting for it
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
    return results


def _check(results: list[tuple[int, str]]) -> bool:
    """True when all succeeded; False after a known flake; fails the test otherwise."""
    if all(rc == 0 for rc, _ in results):
        return True
    if any(any(s in err for s in FLAKES) for _, err in results):
        return False
    failed = [err[-3000:] for rc, err in results if rc != 0]
    pytest.fail("\n----\n".join(failed))


def _result(folder: Path) -> dict:
    return json.loads((folder / "out.json").read_text())


def _train(folder: Path, strategy: str) -> dict:
    for _ in range(2):
        proc = _run_once(folder, strategy)
        if _check([(proc.returncode, proc.stderr)]):
            return _result(folder)
    pytest.fail(proc.stderr[-4000:])


def _train_two_nodes(folder: Path, launcher: str) -> dict:
    for _ in range(2):
        results = _run_two_nodes_once(folder, launcher)
        if _check(results):
            return _result(folder)
    pytest.fail("\n----\n".join(err[-3000:] for _, err in results))


@pytest.fixture(scope="module")
def ddp_result(tmp_path_factory) -> dict:
    """``strategy='ddp'``, ``devices=2``, one node: the reference."""
    result = _train(tmp_path_factory.mktemp("ddp"), "ddp")
    main = result["main"]
    # the reference itself trained and refined: the comparisons below are not vacuous
    assert main["current_epoch"] == 4 and main["global_step"] > 0
    assert all(len(values) == 4 for values in main["tracker"].values())
    assert {"mean_loss", "D_loss", "data_loss", "val_loss"} <= set(main["tracker"])
    assert main["replaced"] == ["D"]
    assert main["input_pts"]["D"]["values"] != main["initial"]["input_pts"]["D"]
    assert main["unknown"]["k"] != main["initial"]["unknown"]["k"]
    assert main["weights"]["D"] != main["initial"]["weights"]["D"]
    assert main["log_dir"] == "lightning_logs/version_0"
    assert main["checkpoint"]["best_model_path"].startswith(
        f"{main['log_dir']}/checkpoints/epoch=3-"
    )
    ranks = result["ranks"]
    assert [(r["rank"], r["world_size"], r["num_nodes"]) for r in ranks] == [(0, 2, 1), (1, 2, 1)]
    return result


def test_spawn_gives_back_what_ddp_holds(tmp_path, ddp_result):
    result = _train(tmp_path, "ddp_spawn")
    main, expected = result["main"], ddp_result["main"]
    assert main["warnings"] == []
    for key in expected:  # one by one, for a readable failure
        assert main[key] == expected[key], key
    assert result["ranks"] == ddp_result["ranks"]


@pytest.mark.parametrize("launcher", ["torchrun", "lightning_env"])
def test_two_nodes_train_like_two_devices(tmp_path, ddp_result, launcher):
    result = _train_two_nodes(tmp_path, launcher)
    ranks, expected = result["ranks"], ddp_result["ranks"]
    assert [(r["rank"], r["world_size"], r["num_nodes"]) for r in ranks] == [(0, 2, 2), (1, 2, 2)]
    for mine, theirs in zip(ranks, expected):
        assert mine["steps"] == theirs["steps"]  # the same shards, batch by batch
        assert mine["logged"] == theirs["logged"]  # the same global metrics every epoch
        assert mine["final"] == theirs["final"]  # the same (scaled, averaged) gradient steps
    assert result["main"] == ddp_result["main"]
