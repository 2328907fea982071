"""``PINNInterface.store_log(loss_value)``: PINA 0.1 custom solvers call it from ``loss_phys``.

pina logs ``<condition>_loss`` itself from the value the hook returns, so ``store_log``
accepts the call and logs nothing more: the metrics of a 0.1 solver that calls it are the
ones of the same solver without the call, each logged once.
"""

from __future__ import annotations

import inspect
import warnings

import pytest
import torch

from pina import Trainer
from pina.callbacks import MetricTracker
from pina.solvers import PINN, PINNInterface
from pina.solvers.solver import data_loss

# 0.1's PINN calls float() on a tensor that requires grad; torch warns about it.
pytestmark = pytest.mark.filterwarnings("ignore:Converting a tensor with requires_grad=True")


class StoringPINN(PINN):
    """A custom solver as PINA 0.1's own ``PINN`` is written (its ``loss_phys``)."""

    def loss_phys(self, samples, equation):  # type: ignore[no-untyped-def]
        residual = self.compute_residual(samples=samples, equation=equation)
        loss_value = self.loss(torch.zeros_like(residual, requires_grad=True), residual)
        self.store_log(loss_value=float(loss_value))
        return loss_value


class StoringDataPINN(PINN):
    """0.1's ``loss_data`` stores the tensor itself, positionally."""

    def loss_data(self, input_tensor, output_tensor):  # type: ignore[no-untyped-def]
        loss_value = data_loss(self.loss, self.forward(input_tensor), output_tensor)
        self.store_log(loss_value)
        return loss_value


class PlainHookPINN(PINN):
    """The same hook as :class:`StoringPINN`, without ``store_log``."""

    def loss_phys(self, samples, equation):  # type: ignore[no-untyped-def]
        residual = self.compute_residual(samples=samples, equation=equation)
        return self.loss(torch.zeros_like(residual, requires_grad=True), residual)


def _train(solver, trainer_kwargs, epochs: int = 5, run: str = "run"):  # type: ignore[no-untyped-def]
    tracker = MetricTracker()
    kwargs = {**trainer_kwargs, "default_root_dir": f"{trainer_kwargs['default_root_dir']}/{run}"}
    trainer = Trainer(solver, max_epochs=epochs, callbacks=[tracker], logger=False, **kwargs)
    with warnings.catch_warnings():
        # Lightning warns when a metric is logged twice or with clashing settings.
        warnings.filterwarnings("error", message=".*(log|metric).*", category=UserWarning)
        trainer.train()
    return trainer, tracker


def test_signature_is_pina01s() -> None:
    parameters = list(inspect.signature(PINNInterface.store_log).parameters)
    assert parameters == ["self", "loss_value"]


def test_pina01_solver_calling_store_log_logs_each_metric_once(
    make_problem, make_model, trainer_kwargs
) -> None:
    storing, tracker = _train(StoringPINN(make_problem(), make_model()), trainer_kwargs)
    plain, plain_tracker = _train(
        PlainHookPINN(make_problem(), make_model()), trainer_kwargs, run="plain"
    )
    assert set(storing.logged_metrics) == {"x0_loss", "D_loss", "mean_loss"}
    assert set(tracker.metrics) == set(plain_tracker.metrics)
    for name, values in tracker.metrics.items():
        assert values.shape == (5,)  # one entry per epoch: not logged twice
        torch.testing.assert_close(values, plain_tracker.metrics[name])
    for name in storing.logged_metrics:
        torch.testing.assert_close(storing.logged_metrics[name], plain.logged_metrics[name])


def test_logged_value_is_the_stored_loss(make_problem, make_model, trainer_kwargs) -> None:
    # One epoch with one batch: <condition>_loss is exactly what loss_phys stored.
    stored: dict[str, float] = {}

    class Recording(StoringPINN):
        def store_log(self, loss_value):  # type: ignore[no-untyped-def]
            stored[self.current_condition_name] = loss_value
            super().store_log(loss_value)

    trainer, _ = _train(Recording(make_problem(), make_model()), trainer_kwargs, epochs=1)
    assert set(stored) == {"x0", "D"}
    for name, value in stored.items():
        assert trainer.logged_metrics[f"{name}_loss"].item() == pytest.approx(value, rel=1e-6)


def test_data_condition_storing_a_tensor(make_problem_with_data, make_model, trainer_kwargs):
    problem, _ = make_problem_with_data()
    trainer, tracker = _train(StoringDataPINN(problem, make_model()), trainer_kwargs)
    assert set(trainer.logged_metrics) == {"x0_loss", "D_loss", "data_loss", "mean_loss"}
    assert tracker.metrics["data_loss"].shape == (5,)


def test_store_log_outside_a_step_is_accepted(make_pinn) -> None:
    solver = make_pinn()
    assert solver.current_condition_name is None
    assert solver.store_log(0.5) is None
    assert solver.store_log(torch.tensor(0.5)) is None
    assert solver.store_log(torch.tensor([0.5])) is None


@pytest.mark.parametrize(
    "value, shown",
    [("0.5", "str"), (True, "bool"), (torch.zeros(3), r"Tensor of shape \(3,\)"), (None, "None")],
)
def test_store_log_rejects_what_is_not_a_loss(make_pinn, value, shown) -> None:
    with pytest.raises(TypeError, match=rf"store_log\(loss_value\) takes .*; got {shown}"):
        make_pinn().store_log(value)
