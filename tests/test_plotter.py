"""Plotter: the figures are opened through matplotlib and checked against the data and maths."""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")  # tests only: the library never selects a backend

import matplotlib.image as mpimg
import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from torch import nn

import pina
from pina import Condition, LabelTensor, Plotter, Trainer
from pina.callbacks import MetricTracker
from pina.equation import FixedValue
from pina.geometry import CartesianDomain, Location
from pina.model import FeedForward
from pina.problem import ParametricProblem, SpatialProblem, TimeDependentProblem
from pina.solvers import PINN

UNIT_SQUARE = {"x": [0, 1], "y": [0, 1]}


class Poisson(SpatialProblem):
    """Two variables, one output, truth sin(pi x) sin(pi y)."""

    output_variables = ["u"]
    spatial_domain = CartesianDomain(UNIT_SQUARE)
    conditions = {
        "gamma": Condition(location=CartesianDomain({"x": 0, "y": [0, 1]}), equation=FixedValue(0)),
        "D": Condition(location=CartesianDomain(UNIT_SQUARE), equation=FixedValue(0)),
    }

    def truth_solution(self, pts):
        return torch.sin(math.pi * pts.extract(["x"])) * torch.sin(math.pi * pts.extract(["y"]))


class TwoOutputs(SpatialProblem):
    """Two variables, two outputs, no truth."""

    output_variables = ["u", "v"]
    spatial_domain = CartesianDomain(UNIT_SQUARE)
    conditions = {"D": Condition(location=CartesianDomain(UNIT_SQUARE), equation=FixedValue(0))}


class Heat(SpatialProblem, TimeDependentProblem):
    """Three variables (x, y, t), no truth."""

    output_variables = ["u"]
    spatial_domain = CartesianDomain(UNIT_SQUARE)
    temporal_domain = CartesianDomain({"t": [0, 2]})
    conditions = {
        "t0": Condition(location=CartesianDomain({**UNIT_SQUARE, "t": 0}), equation=FixedValue(0)),
        "D": Condition(
            location=CartesianDomain({**UNIT_SQUARE, "t": [0, 2]}), equation=FixedValue(0)
        ),
    }


class ParametricHeat(Heat, ParametricProblem):
    """Four variables (x, y, t, mu)."""

    parameter_domain = CartesianDomain({"mu": [1, 2]})
    conditions = {
        "D": Condition(
            location=CartesianDomain({**UNIT_SQUARE, "t": [0, 2], "mu": [1, 2]}),
            equation=FixedValue(0),
        )
    }


class Recording(nn.Linear):
    """``u = x + 2 y + 3 t`` (for 3 inputs), recording grad mode and training mode per call."""

    def __init__(self, in_features: int, out_features: int = 1) -> None:
        super().__init__(in_features, out_features)
        with torch.no_grad():
            self.weight.copy_(torch.arange(1.0, in_features + 1).repeat(out_features, 1))
            self.bias.zero_()
        self.calls: list[tuple[bool, bool]] = []

    def forward(self, x):
        self.calls.append((torch.is_grad_enabled(), self.training))
        return super().forward(x.as_subclass(torch.Tensor))


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def sampled(problem_class, n=10, mode="random"):
    torch.manual_seed(0)
    problem = problem_class()
    problem.discretise_domain(n, mode)
    return problem


def legend_texts(ax):
    return [text.get_text() for text in ax.get_legend().get_texts()]


def assert_png(path):
    assert path.exists()
    image = mpimg.imread(path)
    assert image.ndim == 3 and image.shape[0] > 100 and image.shape[1] > 100
    assert image.shape[2] in (3, 4)


def test_exported_from_pina():
    assert pina.Plotter is pina.plotter.Plotter
    assert pina.plotter.__all__ == ["Plotter"]
    assert "Plotter" in pina.__all__


# ------------------------------------------------------------------------ plot_samples
def test_samples_1d_on_a_line_one_collection_per_condition(make_problem):
    problem = make_problem(n_d=15)
    fig = Plotter().plot_samples(problem)
    (ax,) = fig.axes
    assert [c.get_label() for c in ax.collections] == ["x0", "D"]
    assert legend_texts(ax) == ["x0", "D"]
    for collection, name in zip(ax.collections, ["x0", "D"]):
        offsets = collection.get_offsets()
        np.testing.assert_allclose(offsets[:, 0], problem.input_pts[name].tensor.numpy().ravel())
        np.testing.assert_array_equal(offsets[:, 1], 0.0)
    assert ax.get_xlabel() == "x"
    assert plt.fignum_exists(fig.number)  # no filename: left open for plt.show()


def test_samples_2d_plane():
    problem = sampled(Poisson)
    fig = Plotter().plot_samples(problem, s=7)
    (ax,) = fig.axes
    assert ax.name == "rectilinear"
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("x", "y")
    assert legend_texts(ax) == ["gamma", "D"]
    for collection, name in zip(ax.collections, ["gamma", "D"]):
        np.testing.assert_allclose(
            collection.get_offsets(), problem.input_pts[name].extract(["x", "y"]).tensor.numpy()
        )
        np.testing.assert_array_equal(collection.get_sizes(), [7])  # kwargs reach scatter


def test_samples_3d_uses_3d_axes():
    problem = sampled(Heat)
    fig = Plotter().plot_samples(problem)
    (ax,) = fig.axes
    assert ax.name == "3d"
    assert (ax.get_xlabel(), ax.get_ylabel(), ax.get_zlabel()) == ("x", "y", "t")
    assert [c.get_label() for c in ax.collections] == ["t0", "D"]
    assert legend_texts(ax) == ["t0", "D"]


@pytest.mark.parametrize(
    ("variables", "labels"),
    [(["x", "t"], ("x", "t")), ("spatial", ("x", "y")), (["t", "y"], ("t", "y"))],
)
def test_samples_chosen_variables(variables, labels):
    problem = sampled(Heat)
    (ax,) = Plotter().plot_samples(problem, variables=variables).axes
    assert ax.name == "rectilinear"
    assert (ax.get_xlabel(), ax.get_ylabel()) == labels
    np.testing.assert_allclose(
        ax.collections[1].get_offsets(), problem.input_pts["D"].extract(list(labels)).tensor
    )


def test_samples_temporal_is_1d():
    (ax,) = Plotter().plot_samples(sampled(Heat), variables="temporal").axes
    assert ax.get_xlabel() == "t"
    np.testing.assert_array_equal(ax.collections[0].get_offsets()[:, 0], 0.0)  # t0 sits at t = 0


def test_samples_saved_png_and_closed(make_problem, tmp_path):
    path = tmp_path / "samples.png"
    fig = Plotter().plot_samples(make_problem(), filename=str(path))
    assert_png(path)
    assert not plt.fignum_exists(fig.number)
    assert len(fig.axes[0].collections) == 2  # the returned figure is still usable


def test_samples_errors(make_problem):
    plotter = Plotter()
    with pytest.raises(ValueError, match=r"cannot draw 4 variables; choose at most 3"):
        plotter.plot_samples(sampled(ParametricHeat))
    with pytest.raises(ValueError, match=r"variables=\['x', 'z'\]: \['z'\] unknown.*\['x'\]"):
        plotter.plot_samples(make_problem(), variables=["x", "z"])
    with pytest.raises(ValueError, match=r"variables='temporal': SimpleODE has no temporal"):
        plotter.plot_samples(make_problem(), variables="temporal")
    with pytest.raises(TypeError, match=r"variables must be a str or a list of str; got 3"):
        plotter.plot_samples(make_problem(), variables=3)
    with pytest.raises(ValueError, match=r"Poisson has no points to draw.*discretise_domain"):
        plotter.plot_samples(Poisson())
    partial = Heat()
    partial.discretise_domain(5, variables=["x", "y"], locations=["D"])
    with pytest.raises(ValueError, match=r"condition 'D' have no column for \['t'\]"):
        plotter.plot_samples(partial)
    assert plt.get_fignums() == []  # nothing drawn before validation


# --------------------------------------------------------------------------------- plot
def test_plot_1d_solution_and_truth_lines(make_pinn):
    pinn = make_pinn()
    pinn.train()
    fig = Plotter().plot(pinn, res=33, linewidth=3)
    (ax,) = fig.axes
    prediction, truth = ax.get_lines()
    assert prediction.get_linewidth() == truth.get_linewidth() == 3  # kwargs reach both lines
    assert (prediction.get_linestyle(), truth.get_linestyle()) == ("-", "--")
    assert legend_texts(ax) == ["prediction", "truth"]
    x = prediction.get_xdata()
    np.testing.assert_allclose(x, np.linspace(0, 1, 33), atol=1e-7)
    with torch.no_grad():
        expected = pinn(LabelTensor(torch.tensor(x, dtype=torch.float32)[:, None], ["x"]))
    assert expected.labels == ["u"]
    np.testing.assert_allclose(prediction.get_ydata(), expected.tensor.numpy().ravel(), rtol=1e-6)
    np.testing.assert_allclose(truth.get_xdata(), x)
    np.testing.assert_allclose(truth.get_ydata(), np.exp(x), rtol=1e-6)
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("x", "u")
    assert pinn.training  # training mode restored


def test_plot_evaluates_without_gradients_in_eval_mode(simple_ode_class):
    problem = simple_ode_class()
    model = Recording(1)
    pinn = PINN(problem, model)
    pinn.train()
    Plotter().plot(pinn, res=5)
    assert model.calls == [(False, False)]
    assert pinn.training and model.training


def pcolormesh_panels(fig):
    return [ax for ax in fig.axes if ax.get_title()]


def test_plot_2d_truth_and_absolute_error_panels(tmp_path):
    torch.manual_seed(0)
    problem = Poisson()
    pinn = PINN(problem, FeedForward(2, 1))
    res = 12
    fig = Plotter().plot(pinn, method="pcolormesh", res=res)
    panels = pcolormesh_panels(fig)
    assert [ax.get_title() for ax in panels] == ["u prediction", "u truth", "absolute error"]
    assert len(fig.axes) == 6  # three panels and three colorbars
    for ax in panels:
        assert (ax.get_xlabel(), ax.get_ylabel()) == ("x", "y")
        (mesh,) = ax.collections
        assert mesh.colorbar is not None
    u, truth, error = (ax.collections[0].get_array().reshape(res, res) for ax in panels)

    grid = np.linspace(0, 1, res)
    X, Y = np.meshgrid(grid, grid)  # x along columns, y along rows
    pts = LabelTensor(
        torch.tensor(np.stack([X.ravel(), Y.ravel()], 1), dtype=torch.float32), ["x", "y"]
    )
    with torch.no_grad():
        expected = pinn(pts).tensor.numpy().reshape(res, res)
    np.testing.assert_allclose(u, expected, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(truth, np.sin(np.pi * X) * np.sin(np.pi * Y), atol=1e-6)
    np.testing.assert_allclose(error, np.abs(u - truth), atol=1e-7)


@pytest.mark.parametrize("method", ["contourf", "contour"])
def test_plot_2d_contour_panels_have_colorbars(method):
    pinn = PINN(Poisson(), FeedForward(2, 1))
    fig = Plotter().plot(pinn, method=method, res=16, cmap="magma")
    panels = pcolormesh_panels(fig)
    assert len(panels) == 3 and len(fig.axes) == 6
    for ax in panels:
        (contours,) = ax.collections
        assert contours.colorbar is not None
        assert contours.get_cmap().name == "magma"  # kwargs reach the method


def test_plot_2d_several_components_one_row_each():
    model = Recording(2, out_features=2)
    with torch.no_grad():
        model.weight.copy_(torch.tensor([[1.0, 2.0], [3.0, 0.0]]))  # u = x + 2 y, v = 3 x
    fig = Plotter().plot(
        PINN(TwoOutputs(), model), components=["v", "u"], method="pcolormesh", res=4
    )
    panels = pcolormesh_panels(fig)
    assert [ax.get_title() for ax in panels] == ["v prediction", "u prediction"]  # no truth
    assert len(fig.axes) == 4  # two panels, two colorbars
    assert [ax.get_subplotspec().rowspan.start for ax in panels] == [0, 1]
    X, Y = np.meshgrid(np.linspace(0, 1, 4), np.linspace(0, 1, 4))
    v, u = (np.reshape(ax.collections[0].get_array(), (4, 4)) for ax in panels)
    np.testing.assert_allclose(v, 3 * X, atol=1e-6)
    np.testing.assert_allclose(u, X + 2 * Y, atol=1e-6)


def test_plot_default_component_is_the_first():
    fig = Plotter().plot(PINN(TwoOutputs(), FeedForward(2, 2)), method="pcolormesh", res=4)
    assert [ax.get_title() for ax in pcolormesh_panels(fig)] == ["u prediction"]


def test_plot_fixed_variables_2d_and_1d(tmp_path):
    pinn = PINN(Heat(), Recording(3))  # u = x + 2 y + 3 t
    grid = np.linspace(0, 1, 5)
    fig = Plotter().plot(pinn, fixed_variables={"t": 0.5}, method="pcolormesh", res=5)
    (panel,) = pcolormesh_panels(fig)
    assert (panel.get_xlabel(), panel.get_ylabel()) == ("x", "y")
    expected = grid[None, :] + 2 * grid[:, None] + 1.5
    np.testing.assert_allclose(panel.collections[0].get_array().reshape(5, 5), expected, atol=1e-6)
    assert fig.get_suptitle() == "t = 0.5"

    path = tmp_path / "line.png"
    fig = Plotter().plot(
        pinn, fixed_variables={"y": 0.25, "x": 1}, res=5, title="u(1, 0.25, t)", filename=str(path)
    )
    assert_png(path)
    assert not plt.fignum_exists(fig.number)
    assert fig.get_suptitle() == "u(1, 0.25, t)"
    (line,) = fig.axes[0].get_lines()  # no truth: one line
    np.testing.assert_allclose(line.get_xdata(), np.linspace(0, 2, 5), atol=1e-7)
    np.testing.assert_allclose(line.get_ydata(), 1 + 0.5 + 3 * np.linspace(0, 2, 5), atol=1e-6)
    assert fig.axes[0].get_xlabel() == "t"


def test_plot_saved_png(make_pinn, tmp_path):
    path = tmp_path / "solution.png"
    fig = Plotter().plot(make_pinn(), res=8, filename=str(path))
    assert_png(path)
    assert not plt.fignum_exists(fig.number)


def test_plot_errors(make_pinn):
    plotter = Plotter()
    heat = PINN(Heat(), FeedForward(3, 1))
    with pytest.raises(
        ValueError, match=r"3 free variables \['x', 'y', 't'\]; at most 2.*fixed_variables"
    ):
        plotter.plot(heat)
    with pytest.raises(ValueError, match=r"method='contourff' is not a matplotlib Axes method"):
        plotter.plot(heat, fixed_variables={"t": 0}, method="contourff")
    with pytest.raises(ValueError, match=r"fixed_variables=\{'z': 1\}: \['z'\] unknown"):
        plotter.plot(heat, fixed_variables={"z": 1})
    with pytest.raises(ValueError, match=r"fixes every input variable"):
        plotter.plot(heat, fixed_variables={"x": 0, "y": 0, "t": 0})
    with pytest.raises(TypeError, match=r"fixed_variables\['t'\] must be a real number; got 'a'"):
        plotter.plot(heat, fixed_variables={"t": "a"})
    with pytest.raises(TypeError, match=r"fixed_variables must be a dict"):
        plotter.plot(heat, fixed_variables=[("t", 0)])
    pinn = make_pinn()
    with pytest.raises(ValueError, match=r"components=\['w'\]: \['w'\] unknown.*\['u'\]"):
        plotter.plot(pinn, components=["w"])
    with pytest.raises(TypeError, match=r"components must be a str or a list of str"):
        plotter.plot(pinn, components=0)
    with pytest.raises(ValueError, match=r"res must be at least 2; got 1"):
        plotter.plot(pinn, res=1)
    with pytest.raises(TypeError, match=r"res must be an int"):
        plotter.plot(pinn, res=2.5)
    assert plt.get_fignums() == []


class _Disk(Location):
    variables = ["x", "y"]

    def sample(self, n, mode="random", variables="all", generator=None):
        return LabelTensor(torch.zeros(n, 2), ["x", "y"])

    def is_inside(self, points, check_border=False):
        return torch.ones(points.shape[0], dtype=torch.bool)


class _DiskProblem(SpatialProblem):
    output_variables = ["u"]
    spatial_domain = _Disk()
    conditions = {"D": Condition(location=_Disk(), equation=FixedValue(0))}


class _BadTruth(Poisson):
    def truth_solution(self, pts):
        return torch.zeros(3)


def test_plot_domain_and_truth_errors():
    with pytest.raises(TypeError, match=r"must be a CartesianDomain; _DiskProblem.domain is _Disk"):
        Plotter().plot(PINN(_DiskProblem(), FeedForward(2, 1)))
    with pytest.raises(ValueError, match=r"truth_solution returned shape \(3, 1\) on 16 points"):
        Plotter().plot(PINN(_BadTruth(), FeedForward(2, 1)), res=4)


# ---------------------------------------------------------------------------- plot_loss
@pytest.fixture
def trained(make_pinn, trainer_kwargs):
    tracker = MetricTracker()
    trainer = Trainer(make_pinn(), max_epochs=3, callbacks=[tracker], **trainer_kwargs)
    trainer.train()
    return trainer, tracker.metrics


def test_loss_default_mean_loss(trained):
    trainer, metrics = trained
    fig = Plotter().plot_loss(trainer)
    (ax,) = fig.axes
    (line,) = ax.get_lines()
    np.testing.assert_array_equal(line.get_xdata(), [1, 2, 3])
    np.testing.assert_allclose(line.get_ydata(), metrics["mean_loss"].numpy())
    assert legend_texts(ax) == ["mean_loss"]
    assert ax.get_xlabel() == "epoch"
    assert (ax.get_xscale(), ax.get_yscale()) == ("linear", "linear")


def test_loss_several_metrics_log_axes_saved(trained, tmp_path):
    trainer, metrics = trained
    path = tmp_path / "loss.png"
    fig = Plotter().plot_loss(
        trainer, metrics=["D_loss", "x0_loss"], logy=True, logx=True, filename=str(path), lw=3
    )
    (ax,) = fig.axes
    assert legend_texts(ax) == ["D_loss", "x0_loss"]
    for line, name in zip(ax.get_lines(), ["D_loss", "x0_loss"]):
        np.testing.assert_allclose(line.get_ydata(), metrics[name].numpy())
        assert line.get_linewidth() == 3
    assert (ax.get_xscale(), ax.get_yscale()) == ("log", "log")
    assert_png(path)
    assert not plt.fignum_exists(fig.number)
    (ax,) = Plotter().plot_loss(trainer, metrics="x0_loss", logy=True).axes
    assert legend_texts(ax) == ["x0_loss"] and ax.get_yscale() == "log"


def test_loss_errors(trained, make_pinn, trainer_kwargs):
    trainer, _ = trained
    plotter = Plotter()
    with pytest.raises(
        ValueError,
        match=r"metrics=\['loss'\]: \['loss'\] not recorded; available metrics are "
        r"\['D_loss', 'mean_loss', 'x0_loss'\]",
    ):
        plotter.plot_loss(trainer, metrics=["loss"])
    with pytest.raises(TypeError, match=r"metrics must be a str or a list of str"):
        plotter.plot_loss(trainer, metrics=1)
    untracked = Trainer(make_pinn(), max_epochs=1, **trainer_kwargs)
    with pytest.raises(ValueError, match=r"add MetricTracker\(\) to the Trainer's callbacks"):
        plotter.plot_loss(untracked)
    untrained = Trainer(make_pinn(), max_epochs=1, callbacks=[MetricTracker()], **trainer_kwargs)
    with pytest.raises(ValueError, match=r"recorded nothing yet; train first"):
        plotter.plot_loss(untrained)
    assert plt.get_fignums() == []


def test_loss_label_names_the_curve(trained):
    trainer, metrics = trained
    (ax,) = Plotter().plot_loss(trainer, label="adam, lr=1e-3").axes
    (line,) = ax.get_lines()
    assert line.get_label() == "adam, lr=1e-3"
    assert legend_texts(ax) == ["adam, lr=1e-3"]
    np.testing.assert_allclose(line.get_ydata(), metrics["mean_loss"].numpy())
    plt.figure()
    (ax,) = Plotter().plot_loss(trainer, metrics=["D_loss", "x0_loss"], label="run").axes
    assert legend_texts(ax) == ["run (D_loss)", "run (x0_loss)"]


def test_loss_calls_without_filename_share_the_current_figure(
    trained, make_pinn, trainer_kwargs, tmp_path
):
    """As 0.1 users compare trainings: one plot_loss call per trainer, saved by the last."""
    trainer_a, metrics_a = trained
    tracker_b = MetricTracker()
    trainer_b = Trainer(make_pinn(seed=1), max_epochs=2, callbacks=[tracker_b], **trainer_kwargs)
    trainer_b.train()
    plotter = Plotter()
    fig_a = plotter.plot_loss(trainer_a, label="A")
    assert fig_a is plt.gcf()
    fig_b = plotter.plot_loss(trainer_b, label="B", logy=True)
    assert fig_b is fig_a and plt.get_fignums() == [fig_a.number]
    path = tmp_path / "compare.png"
    fig_c = plotter.plot_loss(trainer_b, metrics="D_loss", label="B, D", filename=str(path))
    assert fig_c is fig_a
    (ax,) = fig_a.axes
    assert legend_texts(ax) == ["A", "B", "B, D"]
    a, b, c = ax.get_lines()
    np.testing.assert_array_equal(a.get_xdata(), [1, 2, 3])
    np.testing.assert_array_equal(b.get_xdata(), [1, 2])
    np.testing.assert_allclose(a.get_ydata(), metrics_a["mean_loss"].numpy())
    np.testing.assert_allclose(b.get_ydata(), tracker_b.metrics["mean_loss"].numpy())
    np.testing.assert_allclose(c.get_ydata(), tracker_b.metrics["D_loss"].numpy())
    assert ax.get_yscale() == "log"
    assert_png(path)
    assert plt.get_fignums() == []  # saved and closed
    # The next call starts a new figure.
    fig_d = plotter.plot_loss(trainer_a)
    assert fig_d is not fig_a and len(fig_d.axes[0].get_lines()) == 1


@pytest.mark.parametrize(
    ("validation", "expected"),
    [
        ({"check_val_every_n_epoch": 2}, [2, 4, 6]),
        ({"check_val_every_n_epoch": 4}, [4]),  # 7 epochs: runs after epochs 4 (and not 8)
        ({"val_check_interval": 0.5}, None),  # several runs per epoch: evenly spaced
    ],
)
def test_loss_places_validation_values_at_their_epochs(
    make_pinn, trainer_kwargs, validation, expected
):
    tracker = MetricTracker()
    trainer = Trainer(
        make_pinn(),
        max_epochs=7,
        batch_size=8,
        train_size=0.8,
        val_size=0.2,
        callbacks=[tracker],
        **validation,
        **trainer_kwargs,
    )
    trainer.train()
    recorded = tracker.metrics
    assert recorded["mean_loss"].shape == (7,)
    if expected is None:
        n_runs = len(recorded["val_loss"])
        assert n_runs > 7 and n_runs % 7 == 0
        expected = [j / (n_runs // 7) for j in range(1, n_runs + 1)]
    assert recorded["val_loss"].shape == (len(expected),)
    (ax,) = Plotter().plot_loss(trainer, metrics=["mean_loss", "val_loss"]).axes
    train, val = ax.get_lines()
    np.testing.assert_array_equal(train.get_xdata(), np.arange(1, 8))
    np.testing.assert_allclose(val.get_xdata(), expected)
    np.testing.assert_allclose(val.get_ydata(), recorded["val_loss"].numpy())


def test_loss_uses_the_epochs_a_tracker_gives(trained):
    """A tracker exposing ``epochs`` (name -> epoch of each value) places the values itself."""

    class WithEpochs(MetricTracker):
        @property
        def metrics(self):
            return {"mean_loss": torch.tensor([3.0, 2.0, 1.0])}

        @property
        def epochs(self):
            return {"mean_loss": torch.tensor([10.0, 20.0, 30.0])}

    trainer, _ = trained
    trainer.callbacks.insert(0, WithEpochs())
    (line,) = Plotter().plot_loss(trainer).axes[0].get_lines()
    np.testing.assert_array_equal(line.get_xdata(), [10, 20, 30])
    np.testing.assert_array_equal(line.get_ydata(), [3, 2, 1])


def test_plot_functions_refuse_objects_that_are_not_problems_or_solvers():
    from pina import Plotter

    with pytest.raises(TypeError, match=r"problem must be a pina problem.*got 5 of type int"):
        Plotter().plot_samples(5)
    with pytest.raises(ValueError, match=r"solver must be a pina solver.*got 5 of type int"):
        Plotter().plot(5)  # 0.1 code catching ValueError still works
