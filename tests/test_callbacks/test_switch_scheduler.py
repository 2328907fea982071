"""SwitchScheduler: new learning-rate schedulers on the Trainer's optimizers at an epoch."""

from __future__ import annotations

import pytest
import torch
from pytorch_lightning.callbacks import Callback
from torch.optim.lr_scheduler import ConstantLR, ExponentialLR, ReduceLROnPlateau, StepLR

from pina import Trainer
from pina.callbacks import SwitchOptimizer, SwitchScheduler
from pina.solvers import CompetitivePINN

HALVING = {"step_size": 1, "gamma": 0.5}


class LearningRates(Callback):
    """Per epoch start (after SwitchScheduler's hook): the learning rate of the first optimizer
    and the schedulers Lightning steps."""

    def __init__(self) -> None:
        self.lrs: list[float] = []
        self.schedulers: list[list[str]] = []

    def on_train_epoch_start(self, trainer, pl_module):
        self.lrs.append(trainer.optimizers[0].param_groups[0]["lr"])
        self.schedulers.append([type(c.scheduler).__name__ for c in trainer.lr_scheduler_configs])


@pytest.fixture
def quiet(trainer_kwargs):
    return {**trainer_kwargs, "logger": False, "enable_checkpointing": False}


# ------------------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    ("args", "kwargs", "error", "match"),
    [
        ((StepLR, 0), {"new_schedulers_kwargs": HALVING}, ValueError, r"must be >= 1.*got 0"),
        ((StepLR, 2.5), {}, TypeError, r"epoch_switch must be an int >= 1; got 2.5"),
        ((StepLR, True), {}, TypeError, r"epoch_switch must be an int >= 1; got True"),
        (
            ("StepLR", 1),
            {},
            TypeError,
            r"new_schedulers\[0\] must be a torch.optim.lr_scheduler.LRScheduler class.*"
            r"got 'StepLR'",
        ),
        (
            ([StepLR, torch.optim.Adam], 1),
            {"new_schedulers_kwargs": [HALVING, {}]},
            TypeError,
            r"new_schedulers\[1\] must be a torch.optim.lr_scheduler.LRScheduler class",
        ),
        (
            (StepLR(torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1), 1), 1),
            {},
            TypeError,
            r"new_schedulers\[0\].*\(not an instance\); got <torch.optim.lr_scheduler.StepLR",
        ),
        (
            (ReduceLROnPlateau, 1),
            {},
            TypeError,
            r"new_schedulers\[0\]=ReduceLROnPlateau is not supported: it needs a monitored metric",
        ),
        (([], 1), {}, ValueError, r"new_schedulers must hold at least one scheduler class"),
        (
            (StepLR, 1),
            {"new_schedulers_kwargs": [HALVING, 0.5]},
            TypeError,
            r"new_schedulers_kwargs\[1\] must be a dict; got 0.5",
        ),
        (
            (StepLR, 1),
            {"new_schedulers_kwargs": [HALVING, HALVING]},
            ValueError,
            r"1 scheduler\(s\) and 2 dict\(s\)",
        ),
        (
            (StepLR, 1),
            {},
            TypeError,
            r"new_schedulers_kwargs\[0\]=\{\} does not fit StepLR\(optimizer.*"
            r"missing a required argument: 'step_size'",
        ),
        (
            ([ExponentialLR], 1),
            {"new_schedulers_kwargs": [{"gamma": 0.5, "step": 2}]},
            TypeError,
            r"new_schedulers_kwargs\[0\]=.* does not fit ExponentialLR.*unexpected keyword "
            r"argument 'step'",
        ),
    ],
)
def test_arguments_are_checked(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        SwitchScheduler(*args, **kwargs)


def test_default_kwargs_one_empty_dict_per_scheduler(make_pinn, quiet):
    switch = SwitchScheduler([ConstantLR, ConstantLR], epoch_switch=1)
    trainer = Trainer(make_pinn(), max_epochs=2, callbacks=[switch], **quiet)
    with pytest.raises(
        ValueError, match=r"has 2 scheduler\(s\) but the Trainer has 1 optimizer\(s\)"
    ):
        trainer.train()
    assert trainer.global_step == 0


def test_manual_optimization_is_refused(make_problem, make_model, quiet):
    solver = CompetitivePINN(make_problem(), make_model())
    switch = SwitchScheduler(StepLR, epoch_switch=1, new_schedulers_kwargs=HALVING)
    trainer = Trainer(solver, max_epochs=2, callbacks=[switch], **quiet)
    with pytest.raises(
        ValueError,
        match=r"works with automatic optimization; CompetitivePINN steps its schedulers itself"
        r".*LambdaLR",
    ):
        trainer.train()
    assert trainer.global_step == 0


def test_switch_optimizer_listed_after_is_refused(make_pinn, quiet):
    schedule = SwitchScheduler(StepLR, epoch_switch=3, new_schedulers_kwargs=HALVING)
    optimize = SwitchOptimizer(torch.optim.SGD, {"lr": 0.01}, epoch_switch=3)
    trainer = Trainer(make_pinn(), max_epochs=4, callbacks=[schedule, optimize], **quiet)
    with pytest.raises(
        ValueError,
        match=r"SwitchOptimizer\(epoch_switch=3\) is listed after "
        r"SwitchScheduler\(epoch_switch=3\).*list the SwitchOptimizer first",
    ):
        trainer.train()
    assert trainer.global_step == 0


# ------------------------------------------------------------------------------- values
def test_step_lr_after_the_switch(make_pinn, quiet):
    record = LearningRates()
    pinn = make_pinn()  # Adam, lr 0.001, constant scheduler
    switch = SwitchScheduler(StepLR, epoch_switch=3, new_schedulers_kwargs=HALVING)
    trainer = Trainer(pinn, max_epochs=6, callbacks=[switch, record], **quiet)
    trainer.train()

    expected = [0.001] * 3 + [0.001 * 0.5**k for k in range(3)]
    assert record.lrs == pytest.approx(expected, rel=1e-12)
    assert record.schedulers == [["ConstantLR"]] * 3 + [["StepLR"]] * 3
    (config,) = trainer.lr_scheduler_configs
    assert config.interval == "epoch" and config.frequency == 1
    assert config.scheduler.optimizer is trainer.optimizers[0]
    assert config.scheduler.base_lrs == [0.001]
    assert config.scheduler.last_epoch == 3  # stepped at the end of epochs 3, 4 and 5
    assert trainer.optimizers[0].param_groups[0]["lr"] == pytest.approx(0.001 * 0.5**3)
    assert type(pinn.scheduler).__name__ == "ConstantLR"  # the solver's own, unchanged


def test_starts_from_the_current_learning_rate(make_pinn, quiet):
    record = LearningRates()
    pinn = make_pinn(scheduler=ConstantLR, scheduler_kwargs={"factor": 0.5, "total_iters": 10})
    switch = SwitchScheduler(ExponentialLR, 2, new_schedulers_kwargs={"gamma": 0.1})
    trainer = Trainer(pinn, max_epochs=5, callbacks=[switch, record], **quiet)
    trainer.train()
    # 0.0005 under the solver's ConstantLR, then 0.0005 * 0.1**k
    expected = [0.0005] * 2 + [0.0005 * 0.1**k for k in range(3)]
    assert record.lrs == pytest.approx(expected, rel=1e-12)
    assert trainer.lr_scheduler_configs[0].scheduler.base_lrs == pytest.approx([0.0005])


def test_built_on_the_optimizer_of_a_switch_optimizer(make_pinn, quiet):
    record = LearningRates()
    optimize = SwitchOptimizer(torch.optim.SGD, {"lr": 0.01}, epoch_switch=2)
    schedule = SwitchScheduler(StepLR, epoch_switch=3, new_schedulers_kwargs=HALVING)
    trainer = Trainer(make_pinn(), max_epochs=6, callbacks=[optimize, schedule, record], **quiet)
    trainer.train()
    expected = [0.001, 0.001, 0.01] + [0.01 * 0.5**k for k in range(3)]
    assert record.lrs == pytest.approx(expected, rel=1e-12)
    assert record.schedulers == [["ConstantLR"]] * 2 + [[]] + [["StepLR"]] * 3
    optimizer = trainer.optimizers[0]
    assert isinstance(optimizer, torch.optim.SGD)
    assert trainer.lr_scheduler_configs[0].scheduler.optimizer is optimizer


def test_same_epoch_as_switch_optimizer_listed_first(make_pinn, quiet):
    record = LearningRates()
    optimize = SwitchOptimizer(torch.optim.SGD, {"lr": 0.01}, epoch_switch=2)
    schedule = SwitchScheduler(StepLR, epoch_switch=2, new_schedulers_kwargs=HALVING)
    trainer = Trainer(make_pinn(), max_epochs=4, callbacks=[optimize, schedule, record], **quiet)
    trainer.train()
    assert record.lrs == pytest.approx([0.001, 0.001, 0.01, 0.005], rel=1e-12)
    assert trainer.lr_scheduler_configs[0].scheduler.optimizer is trainer.optimizers[0]


@pytest.mark.parametrize("first_epochs", [2, 5])
def test_resumed_run_keeps_the_schedule(make_pinn, quiet, tmp_path, first_epochs):
    """A run stopped before (2) or after (5) the switch at 3, resumed to 8 epochs, has the
    learning rates of an uninterrupted run."""
    path = tmp_path / "run.ckpt"
    first = Trainer(
        make_pinn(),
        max_epochs=first_epochs,
        callbacks=[SwitchScheduler(StepLR, epoch_switch=3, new_schedulers_kwargs=HALVING)],
        **quiet,
    )
    first.train()
    first.save_checkpoint(str(path))

    record = LearningRates()
    switch = SwitchScheduler(StepLR, epoch_switch=3, new_schedulers_kwargs=HALVING)
    pinn = make_pinn(seed=1)
    resumed = Trainer(pinn, max_epochs=8, callbacks=[switch, record], **quiet)
    resumed.train(ckpt_path=str(path))

    expected = [0.001] * 3 + [0.001 * 0.5**k for k in range(5)]
    assert record.lrs == pytest.approx(expected[first_epochs:], rel=1e-12)
    (config,) = resumed.lr_scheduler_configs
    assert isinstance(config.scheduler, StepLR) and config.scheduler.last_epoch == 5
    assert config.scheduler.base_lrs == [0.001]
    assert config.scheduler.optimizer is resumed.optimizers[0]
