"""Bad solver input is refused before any training step, with a message naming it.

* A model whose input width is not the number of input variables plus the extra-feature
  columns: refused when the solver is built (the width is known from the model) or at the
  first forward pass, before the model runs (extra features, whose width is known then).
* Unknown or invalid ``optimizer_kwargs``/``scheduler_kwargs``: the key (or value) and the
  optimizer or scheduler are named.
"""

from __future__ import annotations

import pytest
import torch
from _problems import SimpleODE
from pytorch_lightning.callbacks import Callback
from torch import nn

from pina import LabelTensor, Trainer
from pina.model import FeedForward, ResidualFeedForward
from pina.solvers import PINN, SupervisedSolver


def _problem() -> SimpleODE:
    torch.manual_seed(0)
    problem = SimpleODE()
    problem.discretise_domain(1, "random", locations=["x0"])
    problem.discretise_domain(8, "grid", locations=["D"])
    return problem


def _trainer(solver: PINN, **kwargs: object) -> Trainer:
    return Trainer(
        solver,
        max_epochs=1,
        accelerator="cpu",
        logger=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        enable_checkpointing=False,
        **kwargs,
    )


class _CountSteps(Callback):
    def __init__(self) -> None:
        self.steps = 0

    def on_train_batch_start(self, *args: object) -> None:
        self.steps += 1


class _Sin(nn.Module):
    """An extra feature of two columns."""

    def forward(self, x: LabelTensor) -> LabelTensor:
        s = torch.sin(x.extract(["x"]).tensor)
        return LabelTensor(torch.cat([s, s**2], dim=1), ["sin(x)", "sin(x)^2"])


@pytest.mark.parametrize(
    "model, described",
    [
        (FeedForward(2, 1), r"FeedForward\(input_dimensions=2\)"),
        (ResidualFeedForward(3, 1), r"ResidualFeedForward\(input_dimensions=3\)"),
        (nn.Linear(2, 1), r"Linear\(in_features=2\)"),
        (nn.Sequential(nn.Linear(4, 5), nn.Tanh(), nn.Linear(5, 1)), r"Linear\(in_features=4\)"),
    ],
)
def test_model_of_the_wrong_width_is_refused_when_the_solver_is_built(
    model: nn.Module, described: str
) -> None:
    with pytest.raises(ValueError, match=rf"width \d \({described}\) but receives 1 column") as err:
        PINN(_problem(), model)
    assert "['x']" in str(err.value) and "input width 1" in str(err.value)


def test_model_of_the_wrong_width_with_extra_features_is_refused_before_the_first_step() -> None:
    solver = PINN(_problem(), FeedForward(2, 1), extra_features=[_Sin()])  # needs 1 + 2 = 3
    counter = _CountSteps()
    trainer = _trainer(solver, callbacks=[counter])
    before = [p.detach().clone() for p in solver.parameters()]
    with pytest.raises(
        ValueError,
        match=r"width 2 \(FeedForward\(input_dimensions=2\)\) but receives 3 column\(s\): the "
        r"problem's 1 input variable\(s\) \['x'\] plus 2 extra-feature column\(s\) "
        r"\['sin\(x\)', 'sin\(x\)\^2'\]",
    ):
        trainer.train()
    assert all(torch.equal(a, b) for a, b in zip(before, solver.parameters()))


def test_model_of_the_right_width_with_extra_features_trains() -> None:
    solver = PINN(_problem(), FeedForward(3, 1), extra_features=[_Sin()])
    _trainer(solver).train()
    assert solver(_problem().input_pts["D"]).labels == ["u"]


def test_custom_model_error_names_the_widths_in_a_note() -> None:
    class Custom(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.inner = nn.Linear(2, 1)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.inner(x)

    solver = PINN(_problem(), Custom())  # width unknown until it runs
    with pytest.raises(RuntimeError) as err:
        solver(_problem().input_pts["D"])
    assert any("width 1 = 1 input variable(s) ['x']" in note for note in err.value.__notes__)


def test_custom_model_reading_columns_by_label_is_not_refused() -> None:
    class ByLabel(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.net = nn.Sequential(nn.Linear(1, 4), nn.Tanh(), nn.Linear(4, 1))

        def forward(self, x: LabelTensor) -> torch.Tensor:
            return self.net(x.extract(["x"]))

    solver = PINN(_problem(), ByLabel())
    _trainer(solver).train()


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"lrr": 0.1}, r"optimizer_kwargs has the key 'lrr', which Adam does not take; valid keys"),
        ({"params": []}, r"optimizer_kwargs must not contain 'params'"),
        ({"lr": -1.0}, r"optimizer_kwargs=\{'lr': -1.0\} is not valid for Adam: .*-1"),
        ({"lr": None}, r"optimizer_kwargs=\{'lr': None\} is not valid for Adam"),
    ],
)
def test_bad_optimizer_kwargs_name_the_key_and_the_optimizer(kwargs: dict, match: str) -> None:
    with pytest.raises((TypeError, ValueError), match=match):
        PINN(_problem(), FeedForward(1, 1), optimizer_kwargs=kwargs)


def test_bad_optimizer_kwargs_of_other_solvers_and_optimizers() -> None:
    from _problems import X_DATA

    from pina import Condition
    from pina.problem import AbstractProblem

    class Fit(AbstractProblem):
        input_variables = ["x"]
        output_variables = ["u"]
        conditions = {
            "data": Condition(
                input_points=LabelTensor(X_DATA, ["x"]), output_points=LabelTensor(X_DATA, ["u"])
            )
        }

    with pytest.raises(TypeError, match=r"'momentun', which SGD does not take"):
        SupervisedSolver(
            Fit(), FeedForward(1, 1), optimizer=torch.optim.SGD, optimizer_kwargs={"momentun": 0.9}
        )


@pytest.mark.parametrize(
    "scheduler, kwargs, match",
    [
        (
            torch.optim.lr_scheduler.ConstantLR,
            {"fact": 1},
            r"scheduler_kwargs has the key 'fact', which ConstantLR does not take; valid keys: "
            r"\['factor', 'total_iters', 'last_epoch'\]",
        ),
        (
            torch.optim.lr_scheduler.StepLR,
            None,  # the default ConstantLR kwargs do not fit StepLR
            r"scheduler_kwargs has the key 'factor', which StepLR does not take",
        ),
        (
            torch.optim.lr_scheduler.ConstantLR,
            {"factor": 2.0},
            r"scheduler_kwargs=\{'factor': 2.0\} is not valid for ConstantLR",
        ),
    ],
)
def test_bad_scheduler_kwargs_name_the_key_and_the_scheduler(
    scheduler: type, kwargs: dict | None, match: str
) -> None:
    with pytest.raises((TypeError, ValueError), match=match):
        PINN(_problem(), FeedForward(1, 1), scheduler=scheduler, scheduler_kwargs=kwargs)
