"""Plots saved at the end of ``examples/trainer_tutorial.py``."""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import torch
from _common import relative_l2
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from pina import LabelTensor, Trainer
from pina.problem import AbstractProblem
from pina.solvers import PINN


def save_demo_plots(
    pinn: PINN,
    problem: AbstractProblem,
    trainer: Trainer,
    output_dir: str = "demo_output",
    tensorboard_dir: str = "simpleode",
) -> None:
    """Save the solution and loss-history plots, and print where everything is."""
    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)

    x = LabelTensor(torch.linspace(0, 1, 201).reshape(-1, 1), ["x"])
    with torch.no_grad():
        u = pinn(x).tensor.flatten()
    exact = problem.truth_solution(x).flatten()
    rel_l2 = relative_l2(u, exact)

    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(x.tensor.flatten(), exact, "k-", label="exact $e^x$")
    ax.plot(x.tensor.flatten(), u, "r--", label="PINN")
    ax.set_xlabel("x")
    ax.set_ylabel("u")
    ax.set_title(f"SimpleODE, relative L2 error {rel_l2:.2e}")
    ax.legend()
    fig.tight_layout()
    solution_png = out / "solution.png"
    fig.savefig(solution_png, dpi=120)
    plt.close(fig)

    log_dir = trainer.logger.log_dir if trainer.logger is not None else None
    fig, ax = plt.subplots(figsize=(6, 4))
    if log_dir is not None:
        events = EventAccumulator(log_dir)
        events.Reload()
        for tag in ("x0_loss", "D_loss", "mean_loss"):
            if tag in events.Tags()["scalars"]:
                scalars = events.Scalars(tag)
                ax.semilogy([s.step for s in scalars], [s.value for s in scalars], label=tag)
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    ax.set_title("Losses of the last run (from its TensorBoard logs)")
    ax.legend()
    fig.tight_layout()
    loss_png = out / "loss_history.png"
    fig.savefig(loss_png, dpi=120)
    plt.close(fig)

    print()
    print(f"Relative L2 error of the last run against exp(x): {rel_l2:.3e}")
    print(f"TensorBoard logs: {os.path.abspath(tensorboard_dir)} (the three logged runs) and")
    print(f"                  {os.path.abspath(str(log_dir))} (the last run)")
    print(f"  view them with: tensorboard --logdir={tensorboard_dir}/")
    print(f"Plots: {solution_png.resolve()}")
    print(f"       {loss_png.resolve()}")
