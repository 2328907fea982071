"""SwitchOptimizer: new optimizers over the same parameters at an epoch, LBFGS included."""

from __future__ import annotations

import pytest
import torch
from _problems import Growth
from pytorch_lightning.callbacks import Callback
from torch.optim.lr_scheduler import ConstantLR

from pina import Trainer
from pina.callbacks import SwitchOptimizer
from pina.model import FeedForward
from pina.solvers import PINN

LBFGS = torch.optim.LBFGS


class Watch(Callback):
    """Per epoch (after SwitchOptimizer's hook): the optimizer and scheduler types, and the
    number of loss evaluations (closure calls) and optimizer steps."""

    def __init__(self) -> None:
        self.optimizers: list[str] = []
        self.schedulers: list[list[str]] = []
        self.evaluations: list[int] = []
        self.steps: list[int] = []
        self._evaluations = 0

    def on_train_epoch_start(self, trainer, pl_module):
        self.optimizers.append(type(trainer.optimizers[0]).__name__)
        self.schedulers.append([type(c.scheduler).__name__ for c in trainer.lr_scheduler_configs])
        self._evaluations, self._step = 0, trainer.global_step

    def on_before_backward(self, trainer, pl_module, loss):
        self._evaluations += 1

    def on_train_epoch_end(self, trainer, pl_module):
        self.evaluations.append(self._evaluations)
        self.steps.append(trainer.global_step - self._step)


# ------------------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    ("args", "error", "match"),
    [
        ((LBFGS, {}, 0), ValueError, r"epoch_switch must be >= 1.*got 0"),
        ((LBFGS, {}, 2.5), TypeError, r"epoch_switch must be an int >= 1; got 2.5"),
        ((LBFGS, {}, True), TypeError, r"epoch_switch must be an int >= 1; got True"),
        (("LBFGS", {}, 1), TypeError, r"new_optimizers\[0\] must be a torch.optim.Optimizer class"),
        (
            (torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1), {}, 1),
            TypeError,
            r"new_optimizers\[0\].*\(not an instance\); got SGD",
        ),
        ((LBFGS, [{}, 0.1], 1), TypeError, r"new_optimizers_kwargs\[1\] must be a dict; got 0.1"),
        ((LBFGS, [{}, {}], 1), ValueError, r"1 optimizer\(s\) and 2 dict\(s\)"),
    ],
)
def test_arguments_are_checked(args, error, match):
    with pytest.raises(error, match=match):
        SwitchOptimizer(*args)


def test_one_optimizer_per_model(make_pinn, trainer_kwargs):
    switch = SwitchOptimizer([LBFGS, torch.optim.SGD], [{}, {"lr": 0.1}], epoch_switch=1)
    trainer = Trainer(make_pinn(), max_epochs=2, callbacks=[switch], **trainer_kwargs)
    with pytest.raises(ValueError, match=r"has 2 optimizer\(s\) but PINN has 1 model\(s\)"):
        trainer.train()
    assert trainer.global_step == 0


# ------------------------------------------------------------------------------- values
def test_switch_to_lbfgs_at_the_epoch_and_the_loss_drops(
    make_pinn, trainer_kwargs, hand_losses, ode_losses
):
    watch = Watch()
    pinn = make_pinn(optimizer_kwargs={"lr": 0.01})
    params = list(pinn.parameters())
    switch = SwitchOptimizer(LBFGS, {"lr": 1.0, "line_search_fn": "strong_wolfe"}, epoch_switch=5)
    trainer = Trainer(pinn, max_epochs=10, callbacks=[switch, watch, hand_losses], **trainer_kwargs)
    trainer.train()

    assert watch.optimizers == ["Adam"] * 5 + ["LBFGS"] * 5
    assert watch.schedulers == [["ConstantLR"]] * 5 + [[]] * 5  # removed at the switch
    optimizer = trainer.optimizers[0]
    assert isinstance(optimizer, LBFGS) and optimizer.defaults["line_search_fn"] == "strong_wolfe"
    assert len(optimizer.param_groups) == 1 and optimizer.param_groups[0]["params"] == params
    assert isinstance(pinn.optimizers[0], torch.optim.Adam)  # the solver's own, unchanged
    # one step per epoch; Adam evaluates the loss once per step, LBFGS many times
    assert watch.steps == [1] * 10 and trainer.global_step == 10
    assert watch.evaluations[:5] == [1] * 5
    # LBFGS's first step runs its 20 iterations (and line searches); once converged it
    # stops after one evaluation
    assert watch.evaluations[5] > 20
    assert all(n >= 1 for n in watch.evaluations[5:])

    # by-hand loss of the weights at each epoch start, and after the last epoch
    total = [e["x0_loss"] + e["D_loss"] for e in hand_losses.expected]
    with torch.enable_grad():
        final = sum(ode_losses(pinn.neural_net.torchmodel, pinn.problem).values())
    total.append(float(final.detach()))
    # 5 Adam steps divide the loss by less than 2; 2 LBFGS steps by more than 10^4
    assert total[0] / total[5] < 2
    assert total[5] / total[7] > 1e4
    assert all(b <= a for a, b in zip(total[5:], total[6:]))
    assert total[-1] < 1e-5


def test_other_optimizers_keep_the_groups_and_start_afresh(make_pinn, trainer_kwargs):
    watch = Watch()
    pinn = make_pinn()
    switch = SwitchOptimizer(torch.optim.SGD, {"lr": 0.05, "momentum": 0.5}, epoch_switch=2)
    trainer = Trainer(pinn, max_epochs=3, callbacks=[switch, watch], **trainer_kwargs)
    trainer.train()
    assert watch.optimizers == ["Adam", "Adam", "SGD"]
    optimizer = trainer.optimizers[0]
    assert optimizer.defaults["lr"] == 0.05 and optimizer.defaults["momentum"] == 0.5
    assert optimizer.param_groups[0]["params"] == list(pinn.parameters())
    # one SGD step: a fresh momentum buffer equal to that step's gradient
    assert all(len(optimizer.state[p]) == 1 for p in pinn.parameters())


@pytest.mark.parametrize("new", [LBFGS, torch.optim.SGD])
def test_inverse_problem_unknowns_stay_trained(trainer_kwargs, new):
    torch.manual_seed(0)
    problem = Growth()
    problem.discretise_domain(20, "grid", locations=["D"])
    k = problem.unknown_parameters["k"]
    pinn = PINN(problem, FeedForward(1, 1, layers=[10, 10]), optimizer_kwargs={"lr": 0.01})

    class KAtEpochStart(Callback):
        def __init__(self) -> None:
            self.values: list[float] = []

        def on_train_epoch_start(self, trainer, pl_module):
            self.values.append(float(k.detach()))

    record = KAtEpochStart()
    switch = SwitchOptimizer(new, {"lr": 0.1}, epoch_switch=2)
    trainer = Trainer(pinn, max_epochs=4, callbacks=[switch, record], **trainer_kwargs)
    trainer.train()

    groups = trainer.optimizers[0].param_groups
    model_params = list(pinn.neural_net.parameters())
    if new is LBFGS:  # one group: the model's parameters, then k
        assert len(groups) == 1 and groups[0]["params"] == [*model_params, k]
    else:  # the solver's two groups
        assert [g["params"] for g in groups] == [model_params, [k]]
    after_switch = record.values[2:] + [float(k.detach())]
    assert len(set(after_switch)) == 3  # k moved at every step after the switch
    assert all(0.0 <= v <= 3.0 for v in after_switch)  # and stayed in its range


def test_solver_scheduler_runs_until_the_switch(make_pinn, trainer_kwargs):
    watch = Watch()
    pinn = make_pinn(scheduler=ConstantLR, scheduler_kwargs={"factor": 0.5, "total_iters": 10})
    switch = SwitchOptimizer(torch.optim.SGD, {"lr": 0.01}, epoch_switch=2)
    trainer = Trainer(pinn, max_epochs=4, callbacks=[switch, watch], **trainer_kwargs)
    trainer.train()
    assert watch.schedulers == [["ConstantLR"], ["ConstantLR"], [], []]
    assert trainer.lr_scheduler_configs == []
    assert trainer.optimizers[0].param_groups[0]["lr"] == 0.01  # not halved by the old scheduler
