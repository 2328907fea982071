"""PINAProgressBar: pina's timed bar showing only the chosen metrics."""

from __future__ import annotations

import pytest
from pytorch_lightning.callbacks import Callback, ProgressBar
from pytorch_lightning.loggers import CSVLogger

from pina import Trainer
from pina._progress import TimedProgressBar
from pina.callbacks import PINAProgressBar


@pytest.fixture
def bar_trainer_kwargs(tmp_path):
    """Quiet Trainer settings with the progress bar on, writing only under ``tmp_path``."""
    return {
        "accelerator": "cpu",
        "default_root_dir": str(tmp_path),
        "enable_model_summary": False,
        "enable_checkpointing": False,
        "logger": False,
    }


class BarAtEpochStart(Callback):
    """``bar.get_metrics`` and the progress-bar metrics at each epoch start."""

    def __init__(self, bar: PINAProgressBar) -> None:
        self.bar = bar
        self.shown: list[dict] = []
        self.logged: list[dict] = []

    def on_train_epoch_start(self, trainer, pl_module):
        self.shown.append(self.bar.get_metrics(trainer, pl_module))
        self.logged.append(dict(trainer.progress_bar_metrics))


# ------------------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    ("metrics", "error", "match"),
    [
        ([], ValueError, r"metrics must name at least one metric.*got \[\]"),
        ((), ValueError, r"metrics must name at least one metric.*got \(\)"),
        (
            ["mean", 3],
            TypeError,
            r"metrics\[1\] must be a str \(a metric or condition name\); got 3",
        ),
        ([None], TypeError, r"metrics\[0\] must be a str.*got None"),
        (["mean", ""], ValueError, r"metrics\[1\] is an empty name"),
        ("", ValueError, r"metrics\[0\] is an empty name"),
        (5, TypeError, r"metrics must be a metric name or a list of them.*got 5"),
        ({"mean"}, TypeError, r"metrics must be a metric name or a list of them.*got \{'mean'\}"),
    ],
)
def test_metrics_are_checked(metrics, error, match):
    with pytest.raises(error, match=match):
        PINAProgressBar(metrics=metrics)


def test_unknown_keywords_are_refused():
    with pytest.raises(
        TypeError,
        match=r"unknown keyword\(s\) \['refresh_rate'\]; it accepts metrics and "
        r"\['refresh_interval'\]",
    ):
        PINAProgressBar(metrics="mean", refresh_rate=10)


def test_keywords_and_names_before_fitting():
    bar = PINAProgressBar(metrics=["mean", "x0", "D_loss", "mean"], refresh_interval=0.5)
    assert isinstance(bar, TimedProgressBar)
    assert bar.refresh_interval == 0.5
    assert PINAProgressBar().refresh_interval == 0.25
    assert bar.metrics == ["mean", "x0", "D_loss", "mean"]
    # without a problem only 'mean' is a short form; repetitions are shown once
    assert bar.shown_metrics == ["mean_loss", "x0", "D_loss"]
    assert PINAProgressBar().shown_metrics == ["mean_loss"]


# ------------------------------------------------------------------------------- values
def test_replaces_the_default_bar(make_pinn, bar_trainer_kwargs):
    bar = PINAProgressBar()
    trainer = Trainer(make_pinn(), max_epochs=1, callbacks=[bar], **bar_trainer_kwargs)
    assert [c for c in trainer.callbacks if isinstance(c, ProgressBar)] == [bar]
    assert trainer.progress_bar_callback is bar


def test_mean_shows_only_the_mean_loss(make_pinn, bar_trainer_kwargs):
    bar = PINAProgressBar(metrics=["mean"], refresh_interval=0)
    record = BarAtEpochStart(bar)
    pinn = make_pinn()
    trainer = Trainer(pinn, max_epochs=3, callbacks=[bar, record], **bar_trainer_kwargs)
    trainer.train()

    assert bar.shown_metrics == ["mean_loss"]
    assert record.shown[0] == {}  # nothing logged yet
    for shown, logged in zip(record.shown[1:], record.logged[1:]):
        assert set(logged) == {"x0_loss", "D_loss", "mean_loss"}
        assert list(shown) == ["mean_loss"]
        assert shown["mean_loss"] == pytest.approx((logged["x0_loss"] + logged["D_loss"]) / 2)
    final = bar.get_metrics(trainer, pinn)
    assert final == {"mean_loss": trainer.progress_bar_metrics["mean_loss"]}
    assert final["mean_loss"] == pytest.approx(float(trainer.logged_metrics["mean_loss"]))


def test_condition_names_and_full_names_in_the_order_given(make_pinn, bar_trainer_kwargs):
    bar = PINAProgressBar(metrics=["D", "x0_loss", "not_logged"])
    pinn = make_pinn()
    trainer = Trainer(pinn, max_epochs=2, callbacks=[bar], **bar_trainer_kwargs)
    trainer.train()
    assert bar.shown_metrics == ["D_loss", "x0_loss", "not_logged"]
    logged = trainer.progress_bar_metrics
    shown = bar.get_metrics(trainer, pinn)
    assert list(shown) == ["D_loss", "x0_loss"]  # a metric never logged is absent
    assert shown == {"D_loss": logged["D_loss"], "x0_loss": logged["x0_loss"]}


def test_keeps_the_standard_items(make_pinn, bar_trainer_kwargs, tmp_path):
    bar = PINAProgressBar(metrics="x0")
    pinn = make_pinn()
    kwargs = {**bar_trainer_kwargs, "logger": CSVLogger(str(tmp_path), version=7)}
    trainer = Trainer(pinn, max_epochs=2, callbacks=[bar], **kwargs)
    trainer.train()
    shown = bar.get_metrics(trainer, pinn)
    assert shown == {"v_num": 7, "x0_loss": trainer.progress_bar_metrics["x0_loss"]}


def test_the_bar_draws_the_chosen_metrics(make_pinn, bar_trainer_kwargs, capsys):
    bar = PINAProgressBar(metrics="mean", refresh_interval=0)
    trainer = Trainer(make_pinn(), max_epochs=3, callbacks=[bar], **bar_trainer_kwargs)
    capsys.readouterr()
    trainer.train()
    out = capsys.readouterr().out
    mean = trainer.progress_bar_metrics["mean_loss"]
    assert "Epoch 2" in out
    assert f"mean_loss={mean:.3g}" in out
    assert "x0_loss" not in out and "D_loss" not in out
    assert bar.train_progress_bar.postfix == f"mean_loss={mean:.3g}"
