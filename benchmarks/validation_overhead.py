"""What validation costs: epochs/s of the small Poisson case without and with a validation split.

Rows (one training process each, medians of ``--repeats`` runs, lean settings: no progress
bar, logger or checkpoint):

* ``no split``: ``Trainer(pinn)``, every point trains (what the speed table measures);
* ``train 0.8 / val 0.2, val every k``: 80 % of every condition's points train, and the
  validation loop (forward pass, derivatives and the plain losses on the other 20 %, plus
  ``val_rel_l2`` against the exact solution) runs every ``k`` epochs.

The training step itself is the same in every row (on fewer points with a split); the
difference is the cost of the validation runs. Usage::

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/validation_overhead.py [--epochs 1000]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

ROWS = [
    ("no split", None),
    ("train 0.8 / val 0.2, val every 1", 1),
    ("train 0.8 / val 0.2, val every 10", 10),
]


def child(every: int | None, epochs: int) -> None:
    import torch
    from cases import EpochTimer, build_problem

    from pina import Trainer
    from pina.model import FeedForward
    from pina.solvers import PINN

    torch.manual_seed(0)
    problem = build_problem("poisson_small")
    pinn = PINN(problem, FeedForward(input_dimensions=2, output_dimensions=1, layers=[10, 10]))
    timer = EpochTimer()
    split = (
        {}
        if every is None
        else {"train_size": 0.8, "val_size": 0.2, "check_val_every_n_epoch": every}
    )
    trainer = Trainer(
        pinn,
        accelerator="cpu",
        max_epochs=epochs,
        enable_progress_bar=False,
        logger=False,
        enable_checkpointing=False,
        enable_model_summary=False,
        num_sanity_val_steps=0,
        callbacks=[timer],
        **split,
    )
    trainer.train()
    assert timer.start is not None and timer.stop is not None
    print(
        json.dumps(
            {
                "epochs_per_s": timer.timed_epochs / (timer.stop - timer.start),
                "val_loss": float(trainer.callback_metrics.get("val_loss", float("nan"))),
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--child", default=None)
    args = parser.parse_args()
    if args.child is not None:
        child(None if args.child == "none" else int(args.child), args.epochs)
        return
    env = dict(
        os.environ,
        OMP_NUM_THREADS="1",
        MKL_NUM_THREADS="1",
        PYTHONPATH=f"{HERE.parent}{os.pathsep}{HERE}",
    )
    speeds: dict[str, list[float]] = {name: [] for name, _ in ROWS}
    for _ in range(args.repeats):
        for name, every in ROWS:  # rows interleaved: machine drift hits all alike
            out = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--child",
                    "none" if every is None else str(every),
                    "--epochs",
                    str(args.epochs),
                ],
                env=env,
                capture_output=True,
                text=True,
                check=True,
            )
            speeds[name].append(json.loads(out.stdout.strip().splitlines()[-1])["epochs_per_s"])
    base = statistics.median(speeds["no split"])
    print(
        f"Poisson 2-D small, {args.epochs} epochs, median of {args.repeats} "
        f"({time.strftime('%Y-%m-%d')})"
    )
    print(f"{'row':40s} {'epochs/s':>10s} {'vs no split':>12s}")
    for name, _ in ROWS:
        median = statistics.median(speeds[name])
        print(f"{name:40s} {median:10.1f} {median / base:11.2f}x")


if __name__ == "__main__":
    main()
