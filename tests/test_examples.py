"""The tutorial examples in ``examples/`` (those in ``CASES``) run end to end (a few epochs),
print their error and save their figures.

Each example runs as a user would run it, in a subprocess: ``python examples/NAME.py
--epochs 3 --output-dir DIR`` (several at once, one per core). The accuracy of the full runs
is stated in each example's docstring; here only the plumbing is checked (exit code, a
finite error printed, figures saved).
"""

from __future__ import annotations

import importlib.util
import math
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples"
DATA_DIR = REPO.parent / "shared" / "data" / "pina01"

# The printed error lines, e.g. "relative L2 error: 1.2e-03" or
# "relative L2 error (plain): 1.2e-03", and the inverse problem's parameter error.
L2_LINE = re.compile(r"^relative L2 error(?: \((?P<name>[^)]+)\))?: (?P<value>\S+)$", re.M)
PARAMETER_LINE = re.compile(r"^parameter error: max \|mu - 0\.5\| = (?P<value>\S+)$", re.M)
# The validation example's test-split metrics and its error on a grid.
TEST_SPLIT_LINE = re.compile(
    r"^(?P<name>test_loss|test_rel_l2|relative L2 error \(grid\)): (?P<value>\S+)$", re.M
)

# name -> (error-line pattern, names of the errors printed (None: unnamed), figures saved)
CASES: dict[str, tuple[re.Pattern[str], list[str | None], list[str]]] = {
    "first_pinn": (
        L2_LINE,
        [None],
        [f"samples_{mode}.png" for mode in ("random", "lh", "grid", "chebyshev")]
        + ["solution.png", "loss.png"],
    ),
    "poisson_2d": (
        L2_LINE,
        ["plain", "fixed_feature", "learnable_feature"],
        ["solution_plain.png", "solution_fixed_feature.png", "solution_learnable_feature.png"],
    ),
    "wave_2d": (L2_LINE, [None], ["solution_t0.png", "solution_t0.5.png", "solution_t1.png"]),
    "geometry": (
        L2_LINE,
        [None],
        [
            "ellipsoid.png",
            "sphere_surface.png",
            "simplex.png",
            "union.png",
            "intersection.png",
            "exclusion.png",
            "difference.png",
            "custom_star.png",
            "pinn_points.png",
            "pinn_solution.png",
        ],
    ),
    "inverse_poisson": (
        PARAMETER_LINE,
        [None],
        ["points.png", "solution.png", "parameters.png"],
    ),
    "helmholtz_periodic": (L2_LINE, [None], ["solution.png", "periodic_extension.png"]),
    "equations": (
        L2_LINE,
        ["burgers", "mixed poisson, p", "mixed poisson, q"],
        ["burgers.png", "mixed_poisson.png"],
    ),
    "validation": (
        TEST_SPLIT_LINE,
        ["test_loss", "test_rel_l2", "relative L2 error (grid)"],
        ["curves.png"],
    ),
}


def run_example(name: str, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MPLBACKEND": "Agg"}
    return subprocess.run(
        [sys.executable, str(EXAMPLES / f"{name}.py"), *args],
        cwd=cwd,  # anything written by mistake to the working directory stays there
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def quick_runs(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, tuple[Path, Future[subprocess.CompletedProcess[str]]]]]:
    """Start the quick runs of the selected examples at once, up to one per core.

    Most of an example's quick run is Python start-up (importing torch, Lightning and
    matplotlib), which runs in parallel on several cores; each test then waits for its
    own example. Only the examples whose test is selected are run.
    """
    selected = [
        item.callspec.params["name"]
        for item in request.session.items
        if getattr(item, "originalname", None) == "test_example_runs_and_reports_its_error"
        and item.path == Path(__file__)
    ]
    workers = max(1, min(len(selected), os.cpu_count() or 1))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        runs = {}
        for name in selected:
            if name == "inverse_poisson" and not DATA_DIR.is_dir():
                continue  # its test is skipped
            cwd = tmp_path_factory.mktemp(name)
            out = cwd / "out"
            args = ("--epochs", "3", "--output-dir", str(out))
            runs[name] = (cwd, pool.submit(run_example, name, cwd, *args))
        yield runs


@pytest.mark.parametrize("name", list(CASES))
def test_example_runs_and_reports_its_error(
    name: str, quick_runs: dict[str, tuple[Path, Future[subprocess.CompletedProcess[str]]]]
) -> None:
    if name == "inverse_poisson" and not DATA_DIR.is_dir():
        pytest.skip(f"the inverse problem's data is not in {DATA_DIR}")
    pattern, error_names, figures = CASES[name]
    cwd, future = quick_runs[name]
    result = future.result()
    assert result.returncode == 0, (
        f"{name} failed:\n{result.stdout[-3000:]}\n{result.stderr[-5000:]}"
    )

    matches = list(pattern.finditer(result.stdout))
    printed = [m.groupdict().get("name") for m in matches]
    assert printed == error_names, f"error lines of {name}: {[m.group(0) for m in matches]}"
    for match in matches:
        value = float(match.group("value"))
        assert math.isfinite(value) and value >= 0, match.group(0)

    for figure in figures:
        path = cwd / "out" / figure
        assert path.is_file() and path.stat().st_size > 0, f"{name} did not save {figure}"
    # Lightning's logs and checkpoint go to the output folder, not the working directory.
    assert not (cwd / "lightning_logs").exists()


def load_example(name: str) -> ModuleType:
    """Import ``examples/NAME.py`` as a module (without running its ``main``)."""
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_inverse_example_explains_a_missing_data_folder(tmp_path: Path) -> None:
    example = load_example("inverse_poisson")
    missing = tmp_path / "no_data_here"
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as exit_info:
        example.main(["--data-dir", str(missing), "--output-dir", str(out)])
    message = str(exit_info.value.code)
    assert message.startswith("error: Data file(s) not found")
    assert str(missing / "pts_0.5_0.5") in message
    assert "--data-dir" in message
    assert str(example.DEFAULT_DATA_DIR) in message
    assert not out.exists()  # nothing written before failing


def test_inverse_example_finds_the_data_next_to_the_repository() -> None:
    example = load_example("inverse_poisson")
    assert example.DEFAULT_DATA_DIR == DATA_DIR
