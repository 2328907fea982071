r"""An averaging neural operator learns one time step of the viscous Burgers equation.

What this example teaches:

* how to **make a time-stepping data set yourself**: random initial conditions evolved by
  a small pseudo-spectral solver, cut into pairs (field at :math:`t`, field at
  :math:`t + \Delta t`);
* the input layout of ``AveragingNeuralOperator``: a ``LabelTensor`` of shape
  ``(samples, points, channels)`` whose labels say which channels are the **fields**
  (``field_indices``, here ``'u'``) and which the **coordinates** (``coordinates_indices``);
  on a periodic domain the coordinate is given as ``(cos 2 pi x, sin 2 pi x)``, so that
  both ends of the interval are the same point for the network;
* what an averaging layer does, :math:`v \mapsto \sigma(W v + b + \mathrm{mean}(v))`: the
  mean over the points is the only way points talk to each other;
* learning the **change** over one step instead of the new field (a small wrapper adds the
  input field to the operator's output), trained by the ``SupervisedSolver``;
* judging the result against the simplest guess, "nothing changes", and **rolling the
  model out**: applying it ten times in a row, feeding it its own predictions.

**The PDE.** On the periodic interval :math:`[0, 1)`, with viscosity :math:`\nu = 0.01`,

.. math::
    \partial_t u + u\, \partial_x u = \nu\, \partial_{xx} u .

Initial conditions are random Fourier series with 8 modes (amplitudes decaying like
:math:`k^{-3/2}`), scaled to :math:`\max |u| = 1`; the fronts steepen as time goes on.
The solver works in Fourier space on 128 points: the viscous term exactly (integrating
factor), the advection term with the classical Runge-Kutta scheme (step :math:`10^{-3}`)
and the 2/3 rule against aliasing. Fields are stored every :math:`\Delta t = 0.1` up to
:math:`t = 1`, at every other point (64 points).

Run it with ``python examples/averaging_neural_operator.py`` (figures and logs in
``examples_output/averaging_neural_operator/``). Full run measured here (300
trajectories, 250 for training and 50 for testing, 10 steps each, 120 epochs, one CPU
thread, on a 2-core machine shared with other jobs): about 100 s (90 s of CPU time, 1 s of
it for the data); relative L2 error of one step on the test pairs 3.9e-2, against 1.9e-1
for "nothing changes"; rolled out over the ten steps from t = 0, the error at t = 1 grows
to 1.4e-1 (each step starts from the previous step's error).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # draw into files, never open a window

import matplotlib.pyplot as plt
import torch
from _common import example_parser, relative_l2_per_sample
from pytorch_lightning import seed_everything
from torch import Tensor, nn

from pina import Condition, LabelTensor, Trainer
from pina.model import AveragingNeuralOperator, FeedForward
from pina.problem import AbstractProblem
from pina.solvers import SupervisedSolver

VISCOSITY = 0.01
DT = 0.1  # time between stored fields: the step the operator learns
STEPS = 10  # stored steps per trajectory (t = 0.1, ..., 1)
SOLVER_POINTS = 128  # grid of the solver; the data keep every other point


# ----------------------------------------------------------------------------- the data
def random_initial_conditions(n: int, generator: torch.Generator) -> Tensor:
    """Random Fourier series with 8 modes, ``max |u| = 1``: shape ``(n, SOLVER_POINTS)``."""
    k = torch.arange(1, 9, dtype=torch.float64)
    a = torch.randn(n, 8, dtype=torch.float64, generator=generator) / k**1.5
    b = torch.randn(n, 8, dtype=torch.float64, generator=generator) / k**1.5
    x = torch.arange(SOLVER_POINTS, dtype=torch.float64) / SOLVER_POINTS
    phase = 2 * torch.pi * k[:, None] * x
    u = a @ torch.cos(phase) + b @ torch.sin(phase)
    return u / u.abs().amax(dim=1, keepdim=True)


def solve_burgers(u0: Tensor, dt: float = 1e-3) -> Tensor:
    r"""Evolve each row of ``u0`` and return the fields at ``t = 0, DT, ..., STEPS * DT``.

    In Fourier space :math:`\hat u_t = -\nu k^2 \hat u + N(\hat u)` with
    :math:`N(\hat u) = -\tfrac{i k}{2}\, \widehat{u^2}`. The linear part is integrated
    exactly (factors :math:`e^{-\nu k^2 \tau}`) and :math:`N` by the fourth-order
    Runge-Kutta scheme (the "integrating factor RK4" method); modes above 2/3 of the
    resolved range are removed from :math:`N` to avoid aliasing.

    Returns:
        float64 tensor ``(n, STEPS + 1, SOLVER_POINTS)``.
    """
    n_points = u0.shape[1]
    k = 2 * torch.pi * torch.fft.rfftfreq(n_points, d=1.0 / n_points, dtype=torch.float64)
    keep = (torch.arange(len(k)) < n_points // 3).to(torch.float64)  # the 2/3 rule

    def advection(u_hat: Tensor) -> Tensor:
        u = torch.fft.irfft(u_hat, n=n_points)
        return -0.5j * k * torch.fft.rfft(u * u) * keep

    full, half = torch.exp(-VISCOSITY * k**2 * dt), torch.exp(-VISCOSITY * k**2 * dt / 2)
    u_hat = torch.fft.rfft(u0)
    fields = [u0]
    steps_per_snapshot = round(DT / dt)
    for step in range(1, STEPS * steps_per_snapshot + 1):
        a = advection(u_hat)
        b = advection(half * (u_hat + dt / 2 * a))
        c = advection(half * u_hat + dt / 2 * b)
        d = advection(full * u_hat + dt * half * c)
        u_hat = full * u_hat + dt / 6 * (full * a + 2 * half * (b + c) + d)
        if step % steps_per_snapshot == 0:
            fields.append(torch.fft.irfft(u_hat, n=n_points))
    return torch.stack(fields, dim=1)


def with_coordinates(u: Tensor) -> LabelTensor:
    """Fields ``(..., points)`` -> operator input ``(..., points, 3)``: ``u`` and the
    periodic coordinates ``cos(2 pi x), sin(2 pi x)``."""
    x = torch.arange(u.shape[-1]) / u.shape[-1]
    coordinates = torch.stack([torch.cos(2 * torch.pi * x), torch.sin(2 * torch.pi * x)], dim=-1)
    coordinates = coordinates.expand(*u.shape, 2)
    return LabelTensor(torch.cat([u.unsqueeze(-1), coordinates], dim=-1), ["u", "cos_x", "sin_x"])


# ----------------------------------------------------------------------------- the model
class LearnTheChange(nn.Module):
    """``u(t + dt) = u(t) + operator(u(t), x)``: the operator learns only the change."""

    def __init__(self, operator: nn.Module) -> None:
        super().__init__()
        self.operator = operator

    def forward(self, x: LabelTensor) -> Tensor:
        return x.extract(["u"]).tensor + self.operator(x)  # (samples, points, 1)


def burgers_problem(inputs: LabelTensor, outputs: LabelTensor) -> AbstractProblem:
    """A supervised problem with one data condition, field at t -> field at t + DT."""

    class BurgersStep(AbstractProblem):
        input_variables = ["u", "cos_x", "sin_x"]
        output_variables = ["u"]
        conditions = {"step": Condition(input_points=inputs, output_points=outputs)}

    return BurgersStep()


def rollout(solver: SupervisedSolver, u0: Tensor) -> list[Tensor]:
    """Apply the model ``STEPS`` times in a row, each time to its own previous prediction.

    Returns:
        The fields at ``t = 0, DT, ..., STEPS * DT``, each of the shape of ``u0``,
        ``(samples, points)``.
    """
    fields = [u0]
    for _ in range(STEPS):
        fields.append(solver(with_coordinates(fields[-1])).extract(["u"]).tensor.squeeze(-1))
    return fields


# ----------------------------------------------------------------------------- the script
def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = example_parser(
        "Averaging neural operator on Burgers.",
        "averaging_neural_operator",
        epochs=120,
        saves="the figures and logs",
        epochs_type=int,
    )
    parser.add_argument(
        "--trajectories",
        type=int,
        default=300,
        help="trajectories solved, 1/6 kept for testing (300)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> float:
    args = parse_args(argv)
    out: Path = args.output_dir
    out.mkdir(parents=True, exist_ok=True)
    seed_everything(0, verbose=False)
    started = time.perf_counter()

    # 1. Trajectories, split by trajectory: test trajectories are never seen in training.
    generator = torch.Generator().manual_seed(0)
    fields = solve_burgers(random_initial_conditions(args.trajectories, generator))
    fields = fields[..., ::2].float()  # (trajectories, STEPS + 1, 64)
    n_test = max(1, args.trajectories // 6)
    train, test = fields[:-n_test], fields[-n_test:]
    print(f"Solved {args.trajectories} trajectories in {time.perf_counter() - started:.1f} s")

    # 2. Pairs (u(t), u(t + DT)) of every step of every training trajectory.
    def pairs(trajectories: Tensor) -> tuple[LabelTensor, LabelTensor]:
        before = trajectories[:, :-1].reshape(-1, trajectories.shape[-1])
        after = trajectories[:, 1:].reshape(-1, trajectories.shape[-1])
        return with_coordinates(before), LabelTensor(after.unsqueeze(-1), ["u"])

    train_in, train_out = pairs(train)
    test_in, test_out = pairs(test)

    # 3. The operator: lift (u, cos, sin) to 64 channels at each point, four averaging
    #    layers, then project (64 channels + the coordinates) to the change of u.
    width = 64
    operator = AveragingNeuralOperator(
        lifting_net=FeedForward(3, width, layers=[width]),
        projecting_net=FeedForward(width + 2, 1, layers=[width]),
        field_indices=["u"],
        coordinates_indices=["cos_x", "sin_x"],
        n_layers=4,
        func=nn.GELU,
    )
    model = LearnTheChange(operator)

    # 4. Training: mini-batches of 25 pairs, Adam with a cosine-decaying learning rate.
    solver = SupervisedSolver(
        burgers_problem(train_in, train_out),
        model,
        optimizer_kwargs={"lr": 3e-3},
        scheduler=torch.optim.lr_scheduler.CosineAnnealingLR,
        scheduler_kwargs={"T_max": max(1, args.epochs)},
    )
    trainer = Trainer(
        solver,
        batch_size=25,
        max_epochs=args.epochs,
        accelerator="cpu",
        default_root_dir=str(out),  # TensorBoard logs and the checkpoint go to out/
        enable_model_summary=False,
    )
    train_start = time.perf_counter()
    trainer.train()
    print(f"Trained {args.epochs} epochs in {time.perf_counter() - train_start:.1f} s")

    # 5. One step on the test pairs, against "nothing changes" (u(t + DT) = u(t)).
    with torch.no_grad():
        one_step = solver(test_in).extract(["u"]).tensor
        errors = relative_l2_per_sample(one_step, test_out.tensor)
        unchanged = relative_l2_per_sample(test_in.extract(["u"]).tensor, test_out.tensor)
        # Ten steps from t = 0, each from the model's own previous prediction.
        rollout_errors = relative_l2_per_sample(rollout(solver, test[:, 0])[-1], test[:, -1])
    print(f"'nothing changes' over one step: relative L2 error {float(unchanged.mean()):.3e}")
    print(
        f"rollout to t = {STEPS * DT:g} ({STEPS} steps from t = 0): "
        f"relative L2 error {float(rollout_errors.mean()):.3e}"
    )
    plot_trajectory(solver, test[0], out / "test_trajectory.png")
    print(f"Figures saved in {out}/; total time {time.perf_counter() - started:.1f} s")
    print(f"relative L2 error: {float(errors.mean()):.3e}")
    return float(errors.mean())


def plot_trajectory(solver: SupervisedSolver, trajectory: Tensor, path: Path) -> None:
    """Exact fields of a test trajectory, one-step predictions and the rollout."""
    x = torch.arange(trajectory.shape[-1]) / trajectory.shape[-1]
    with torch.no_grad():
        one_step = solver(with_coordinates(trajectory[:-1])).extract(["u"]).tensor.squeeze(-1)
        rolled = [u[0] for u in rollout(solver, trajectory[:1])]
    fig, axes = plt.subplots(1, 2, figsize=(12, 4), sharey=True)
    for step in (1, STEPS // 2, STEPS):
        t = f"t = {step * DT:.1f}"
        (line,) = axes[0].plot(x, trajectory[step], label=f"exact, {t}")
        axes[0].plot(x, one_step[step - 1], "--", color=line.get_color(), label=f"one step, {t}")
        axes[1].plot(x, trajectory[step], color=line.get_color(), label=f"exact, {t}")
        axes[1].plot(x, rolled[step], "--", color=line.get_color(), label=f"rollout, {t}")
    axes[0].set_title("one step from the exact field")
    axes[1].set_title("rollout from t = 0")
    for ax in axes:
        ax.set_xlabel("x")
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


if __name__ == "__main__":
    main()
