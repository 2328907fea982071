"""The neural-operator examples run end to end on tiny data and report a finite error.

Each example runs as a user would run it, in a subprocess: ``python examples/NAME.py
--epochs 2 --output-dir DIR`` plus flags that shrink its generated data set. Only the
plumbing is checked here (exit code, one finite ``relative L2 error: <number>`` line as the
last line, figures saved, nothing written to the working directory); the accuracy of the
full runs is stated in each example's docstring.
"""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples"

ERROR_LINE = re.compile(r"^relative L2 error: (?P<value>\S+)$", re.M)

# name -> (flags that make the data set tiny, figures the example saves)
CASES: dict[str, tuple[list[str], list[str]]] = {
    "continuous_conv_autoencoder": (["--train", "20", "--test", "5"], ["reconstruction.png"]),
    "fno_darcy": (["--samples", "24", "--grid", "16"], ["test_sample.png"]),
    "pod_nn": (
        ["--train", "20", "--test", "5", "--rank", "5"],
        ["test_field.png", "singular_values.png"],
    ),
    "averaging_neural_operator": (["--trajectories", "12"], ["test_trajectory.png"]),
}


def test_the_operator_examples_exist() -> None:
    missing = [name for name in CASES if not (EXAMPLES / f"{name}.py").is_file()]
    assert not missing


@pytest.mark.parametrize("name", list(CASES))
def test_operator_example_runs_and_reports_its_error(name: str, tmp_path: Path) -> None:
    flags, figures = CASES[name]
    out = tmp_path / "out"
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MPLBACKEND": "Agg"}
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / f"{name}.py"), "--epochs", "2", "--output-dir", str(out)]
        + flags,
        cwd=tmp_path,  # anything written by mistake to the working directory stays in tmp_path
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, (
        f"{name} failed:\n{result.stdout[-3000:]}\n{result.stderr[-5000:]}"
    )

    matches = list(ERROR_LINE.finditer(result.stdout))
    assert len(matches) == 1, f"{name} printed {len(matches)} error lines:\n{result.stdout[-2000:]}"
    assert result.stdout.rstrip().endswith(matches[0].group(0))  # the last line
    value = float(matches[0].group("value"))
    assert math.isfinite(value) and value >= 0, matches[0].group(0)

    for figure in figures:
        path = out / figure
        assert path.is_file() and path.stat().st_size > 0, f"{name} did not save {figure}"
    # Lightning's logs and checkpoint go to the output folder, not the working directory.
    assert (out / "lightning_logs").is_dir()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
