"""The reference tutorial's code runs verbatim on pina (with shortened epoch budgets)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import torch

import pina
import pina.trainer

REPO = Path(__file__).resolve().parents[1]
TUTORIAL = REPO.parent / "shared" / "reference" / "trainer_tutorial.rst"


def tutorial_cells() -> list[str]:
    """The code cells of the tutorial, dedented, without the Colab install lines."""
    if not TUTORIAL.exists():
        pytest.fail(f"the reference tutorial is expected at {TUTORIAL} (shared/ beside the repo)")
    text = TUTORIAL.read_text()
    cells = []
    for block in re.split(r"\n\.\. code:: ipython3\n", text)[1:]:
        lines = []
        for line in block.split("\n")[1:]:
            if line.strip() and not line.startswith("    "):
                break
            lines.append(line[4:])
        code = "\n".join(lines)
        # The Colab cell: keep everything from the first import on.
        if "google.colab" in code:
            code = code[code.index("import torch") :]
        cells.append(code)
    return cells


def test_tutorial_has_the_expected_cells() -> None:
    cells = tutorial_cells()
    assert len(cells) == 11
    assert "class SimpleODE(SpatialProblem)" in cells[0]
    assert "gradient_clip_val=0.1" in cells[-1]


def test_examples_script_contains_every_cell_verbatim() -> None:
    script = (REPO / "examples" / "trainer_tutorial.py").read_text()
    for cell in tutorial_cells():
        for line in cell.strip().split("\n"):
            if (
                line.strip()
                == "trainer.callbacks[0].saved_metrics[:3] # only the first three epochs"
            ):
                continue  # printed in the script
            assert line.rstrip() in script, line


@pytest.mark.slow
def test_tutorial_runs_verbatim(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Execute every cell in order; only the epoch budgets are capped (20 epochs)."""
    cap = 20

    class CappedTrainer(pina.Trainer):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            epochs = kwargs.get("max_epochs", 1000)
            kwargs["max_epochs"] = cap if epochs in (None, -1) else min(epochs, cap)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(pina, "Trainer", CappedTrainer)
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, Any] = {"__name__": "tutorial"}
    for cell in tutorial_cells():
        exec(compile(cell, "trainer_tutorial.rst", "exec"), namespace)

    trainer = namespace["trainer"]
    assert isinstance(trainer, pina.trainer.Trainer)
    assert trainer.current_epoch == cap
    out = capsys.readouterr().out
    assert out.count("Total training time") == 3
    # The three TensorBoard runs of cell 4 wrote their event files under simpleode/.
    runs = sorted((tmp_path / "simpleode" / "lightning_logs").glob("version_*"))
    assert len(runs) == 3
    for run in runs:
        assert list(run.glob("events.out.tfevents.*"))
    assert set(trainer.logged_metrics) == {"x0_loss", "D_loss", "mean_loss"}
    assert all(torch.isfinite(v) for v in trainer.logged_metrics.values())
