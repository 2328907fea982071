"""MetricTracker: one value per epoch of every logged metric, mean_loss included."""

from __future__ import annotations

import pytest
import torch

from pina import Trainer
from pina.callbacks import MetricTracker

METRICS = ("x0_loss", "D_loss", "mean_loss")


def test_empty_before_training():
    assert MetricTracker().metrics == {}


@pytest.mark.parametrize("batch_size", [None, 5])
def test_one_value_per_epoch_equal_to_the_losses(
    make_pinn, trainer_kwargs, hand_losses, batch_size
):
    tracker = MetricTracker()
    trainer = Trainer(
        make_pinn(),
        batch_size=batch_size,
        max_epochs=4,
        callbacks=[tracker, hand_losses],
        **trainer_kwargs,
    )
    trainer.train()

    metrics = tracker.metrics
    assert set(metrics) == set(METRICS)
    for name in METRICS:
        assert metrics[name].shape == (4,)
        assert metrics[name].dtype == torch.float32
        logged = torch.stack([m[name] for m in hand_losses.logged])
        assert torch.equal(metrics[name], logged)
        assert float(metrics[name][-1]) == float(trainer.logged_metrics[name])
    torch.testing.assert_close(
        metrics["mean_loss"], (metrics["x0_loss"] + metrics["D_loss"]) / 2, rtol=1e-6, atol=0
    )
    if batch_size is None:  # one step per epoch: the epoch's loss is that of its first weights
        for name in ("x0_loss", "D_loss"):
            expected = torch.tensor([e[name] for e in hand_losses.expected])
            torch.testing.assert_close(metrics[name], expected, rtol=1e-5, atol=1e-9)
    assert metrics["mean_loss"][-1] < metrics["mean_loss"][0]


def test_keeps_recording_when_training_continues(make_pinn, trainer_kwargs):
    tracker = MetricTracker()
    pinn = make_pinn()
    Trainer(pinn, max_epochs=2, callbacks=[tracker], **trainer_kwargs).train()
    Trainer(pinn, max_epochs=3, callbacks=[tracker], **trainer_kwargs).train()
    assert all(values.shape == (5,) for values in tracker.metrics.values())


# Lightning's note that the resumed run writes in the folder of the first one
@pytest.mark.filterwarnings("ignore:Checkpoint directory .* exists and is not empty")
def test_history_is_saved_in_checkpoints_and_resumed(make_pinn, trainer_kwargs):
    first = MetricTracker()
    trainer_kwargs = dict(trainer_kwargs, logger=False)
    trainer = Trainer(make_pinn(), max_epochs=2, callbacks=[first], **trainer_kwargs)
    trainer.train()
    assert trainer.checkpoint_callback is not None
    path = trainer.checkpoint_callback.best_model_path
    assert torch.load(path, weights_only=True)["callbacks"]["MetricTracker"] == first.state_dict()

    resumed = MetricTracker()
    Trainer(make_pinn(), max_epochs=4, callbacks=[resumed], **trainer_kwargs).train(ckpt_path=path)
    for name, values in first.metrics.items():
        assert resumed.metrics[name].shape == (4,)
        assert torch.equal(resumed.metrics[name][:2], values)


def test_state_dict_round_trip():
    tracker = MetricTracker()
    state = {
        "train": [{"mean_loss": torch.tensor(2.0)}, {"mean_loss": torch.tensor(1.0)}],
        "validation": [{"val_loss": torch.tensor(3.0)}],
        "validation_names": ["val_loss"],
        "train_epochs": [1.0, 2.0],
        "validation_epochs": [2.0],
    }
    tracker.load_state_dict(state)
    assert torch.equal(tracker.metrics["mean_loss"], torch.tensor([2.0, 1.0]))
    assert torch.equal(tracker.metrics["val_loss"], torch.tensor([3.0]))
    assert tracker.state_dict() == state
    assert tracker.epochs["val_loss"].tolist() == [2.0]


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"check_val_every_n_epoch": 2}, [2.0, 4.0]),
        # 31 + 1 training points in batches of 8: 4 steps, validation after steps 2 and 4
        ({"val_check_interval": 0.5}, [0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0]),
    ],
)
def test_epochs_of_training_and_validation_values(
    make_pinn, make_problem, trainer_kwargs, options, expected
):
    tracker = MetricTracker()
    pinn = make_pinn(problem=make_problem(n_d=39))
    trainer = Trainer(
        pinn,
        batch_size=8,
        train_size=0.8,
        val_size=0.2,
        max_epochs=4,
        callbacks=[tracker],
        **options,
        **trainer_kwargs,
    )
    trainer.train()
    epochs = tracker.epochs
    assert epochs["mean_loss"].tolist() == [1.0, 2.0, 3.0, 4.0]
    assert epochs["val_loss"].tolist() == expected
    assert tracker.metrics["val_loss"].shape == (len(expected),)
    restored = MetricTracker()
    restored.load_state_dict(tracker.state_dict())
    assert restored.epochs["val_loss"].tolist() == expected
