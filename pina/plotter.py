"""Quick figures of a problem's points, a solver's solution and the training loss."""

from __future__ import annotations

import numbers
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.cm import ScalarMappable
from matplotlib.figure import Figure
from torch import Tensor

from ._errors import ArgumentTypeError, MissingCallbackError
from .callbacks import MetricTracker
from .geometry import CartesianDomain
from .label_tensor import LabelTensor, _as_label_list

if TYPE_CHECKING:
    import pytorch_lightning as pl

    from .problem import AbstractProblem
    from .solvers.solver import SolverInterface

__all__ = ["Plotter"]


class Plotter:
    """Draw the usual figures of a pina workflow with matplotlib.

    ``plot_samples`` and ``plot`` build a new figure through
    ``matplotlib.pyplot``; ``plot_loss`` draws on pyplot's current figure (so
    several trainings share a plot). Every method returns the figure, so it
    can be inspected, edited or saved again. Figures are never shown
    by the plotter (nothing blocks); what happens to the figure depends on
    ``filename``:

    * ``filename=None``: the figure stays open in pyplot. Call
      ``plt.show()`` to display it (in a notebook it is displayed at the end of
      the cell), and ``plt.close(fig)`` when done with it.
    * ``filename='out.png'``: the figure is saved there and closed in pyplot
      (it is no longer displayed, but the returned ``Figure`` stays usable).
      The format follows the file extension (PNG when there is none).

    Keyword arguments that a method does not know are passed to the
    matplotlib call that draws the data (``scatter``, ``plot``, or the 2-D
    ``method``), e.g. ``cmap='viridis'`` or ``linewidth=2``.

    Example:
        >>> plotter = Plotter()
        >>> plotter.plot_samples(problem, filename='points.png')
        >>> plotter.plot(pinn, filename='solution.png')
        >>> plotter.plot_loss(trainer, metrics=['mean_loss', 'D_loss'], logy=True)
    """

    # ------------------------------------------------------------------ points
    def plot_samples(
        self,
        problem: AbstractProblem,
        variables: str | Sequence[str] | None = None,
        filename: str | None = None,
        **kwargs: Any,
    ) -> Figure:
        """Scatter the points of every condition, one colour and legend entry each.

        With one variable the points lie on a horizontal line (``y = 0``), with
        two they are drawn in the plane and with three on 3-D axes. The axes
        are labelled with the variable names. Conditions without points yet
        are left out.

        Args:
            problem: The problem whose ``input_pts`` are drawn.
            variables: The input variables to show (1 to 3): a name, a list of
                names, ``'spatial'`` (the spatial variables) or ``'temporal'``
                (the time variable). ``None`` shows every input variable.
            filename: Where to save the figure (then closed in pyplot).
            **kwargs: Passed to ``Axes.scatter`` (e.g. ``s=4``, ``marker='x'``).

        Returns:
            The figure, with one ``Axes`` (a 3-D one for three variables).

        Raises:
            TypeError: If ``problem`` is not a problem, or ``variables`` is not
                a str or a list of str.
            ValueError: If a variable is unknown, more than three (or none)
                are chosen, or no condition has points.
        """
        from .problem import AbstractProblem

        if not isinstance(problem, AbstractProblem):
            raise ArgumentTypeError(
                f"problem must be a pina problem (an AbstractProblem instance); got "
                f"{problem!r} of type {type(problem).__name__}."
            )
        names = self._sample_variables(problem, variables)
        if len(names) > 3:
            raise ValueError(
                f"variables={names!r}: cannot draw {len(names)} variables; choose at most 3 "
                f"of them, e.g. Plotter().plot_samples(problem, variables={names[:2]!r})."
            )
        located = {name: pts for name, pts in problem.input_pts.items() if pts.shape[0] > 0}
        if not located:
            raise ValueError(
                f"{type(problem).__name__} has no points to draw; sample them first, e.g. "
                "problem.discretise_domain(n=20, mode='random')."
            )
        for condition, pts in located.items():
            missing = [v for v in names if v not in pts.labels]
            if missing:
                raise ValueError(
                    f"The points of condition {condition!r} have no column for {missing!r} "
                    f"(their labels are {pts.labels!r}); sample every variable of that "
                    "condition, or choose other variables."
                )

        fig = plt.figure(figsize=(6, 5) if len(names) == 3 else (6, 4.5))
        ax = fig.add_subplot(projection="3d" if len(names) == 3 else None)
        for condition, pts in located.items():
            coords = _to_numpy(pts.extract(names))
            columns = [coords[:, i] for i in range(coords.shape[1])]
            if len(names) == 1:
                columns.append(np.zeros_like(columns[0]))
            ax.scatter(*columns, label=condition, **kwargs)
        ax.set_xlabel(names[0])
        if len(names) == 1:
            ax.set_yticks([])
        else:
            ax.set_ylabel(names[1])
        if len(names) == 3:
            ax.set_zlabel(names[2])  # type: ignore[attr-defined]
        ax.legend()
        return _finish(fig, filename)

    @staticmethod
    def _sample_variables(
        problem: AbstractProblem, variables: str | Sequence[str] | None
    ) -> list[str]:
        available = list(problem.input_variables)
        if variables is None:
            return available
        kinds = {"spatial": "spatial_variables", "temporal": "temporal_variable"}
        if isinstance(variables, str) and variables not in available and variables in kinds:
            kind = getattr(problem, kinds[variables], None)
            if not kind:
                raise ValueError(
                    f"variables={variables!r}: {type(problem).__name__} has no {variables} "
                    f"variables; choose among {available!r}."
                )
            return list(kind)
        names = _as_label_list(variables, "variables")
        unknown = [v for v in names if v not in available]
        if unknown or not names:
            raise ValueError(
                f"variables={variables!r}: {unknown!r} unknown; choose 1 to 3 of the input "
                f"variables {available!r}, or 'spatial' / 'temporal'."
            )
        return names

    # ---------------------------------------------------------------- solution
    def plot(
        self,
        solver: SolverInterface,
        components: str | Sequence[str] | None = None,
        fixed_variables: Mapping[str, float] | None = None,
        method: str = "contourf",
        res: int = 256,
        filename: str | None = None,
        title: str | None = None,
        **kwargs: Any,
    ) -> Figure:
        r"""Draw the solver's solution on a grid of the problem's domain.

        The solver is evaluated (in eval mode, without gradients) on a grid of
        ``res`` equispaced values per free variable over ``problem.domain``;
        the free variables are the input variables that are neither in
        ``fixed_variables`` nor fixed by the domain itself. One or two must
        remain:

        * one: a line of each component against that variable and, when the
          problem defines ``truth_solution``, the truth as a second line
          (legend ``'prediction'`` / ``'truth'``); ``method`` is not used;
        * two: panels drawn with ``getattr(ax, method)(X, Y, Z, **kwargs)``
          (``X``, ``Y``, ``Z`` of shape ``(res, res)``, the first free variable
          on the x axis), each with a colorbar: the prediction
          :math:`u` and, when ``truth_solution`` exists, the truth
          :math:`u^*` and the absolute error :math:`|u - u^*|`.

        Each component has its own row of panels (2-D) or its own axes (1-D).

        Args:
            solver: A solver whose ``problem.domain`` is a
                :class:`~pina.geometry.CartesianDomain`; called on a
                ``LabelTensor`` of grid points, it returns a ``LabelTensor``
                labelled with the output variables.
            components: An output variable or a list of them. ``None`` draws the
                first output variable.
            fixed_variables: Values of the input variables to hold fixed, e.g.
                ``{'t': 0.5}`` to draw :math:`u(x, y, 0.5)`. The values may lie
                outside the domain (extrapolation).
            method: The ``matplotlib.axes.Axes`` method drawing 2-D panels:
                ``'contourf'``, ``'contour'``, ``'pcolormesh'``, ``'pcolor'``, ...
            res: Number of grid values per free variable (``res**2`` points in 2-D).
            filename: Where to save the figure (then closed in pyplot).
            title: Figure title. ``None`` shows the fixed values, if any
                (``'t = 0.5'``).
            **kwargs: Passed to ``Axes.plot`` for both lines (1-D; the truth
                line is dashed unless ``linestyle`` is given; the labels are
                fixed) or to ``method`` for every panel (2-D).

        Returns:
            The figure. 1-D: one ``Axes`` per component. 2-D: per component a
            row of one (prediction) or three (prediction, truth, absolute
            error) panels; ``fig.axes`` lists the panels row by row, then their
            colorbars in the same order.

        Raises:
            TypeError: If ``solver`` is not a pina solver, ``components``,
                ``fixed_variables`` or ``res`` has the wrong type, or
                ``problem.domain`` is not a ``CartesianDomain``.
            ValueError: For an unknown component, variable or method, a
                ``res`` below 2, no free variable or more than two, or a
                ``truth_solution`` whose output does not fit the components.
        """
        from .solvers.solver import SolverInterface

        if not isinstance(solver, SolverInterface):
            raise ArgumentTypeError(
                f"solver must be a pina solver (e.g. PINN(problem, model)); got {solver!r} of "
                f"type {type(solver).__name__}."
            )
        problem = solver.problem
        outputs = list(problem.output_variables)
        chosen = self._components(components, outputs)
        fixed = self._fixed_variables(fixed_variables, problem.input_variables)
        if (
            not isinstance(method, str)
            or method.startswith("_")
            or not callable(getattr(Axes, method, None))
        ):
            raise ValueError(
                f"method={method!r} is not a matplotlib Axes method; use one that draws "
                "X, Y, Z grids, e.g. 'contourf', 'contour', 'pcolormesh' or 'pcolor'."
            )
        if isinstance(res, bool) or not isinstance(res, int):
            raise TypeError(f"res must be an int (grid values per variable); got {res!r}.")
        if res < 2:
            raise ValueError(f"res must be at least 2; got {res!r}.")

        domain = problem.domain
        if not isinstance(domain, CartesianDomain):
            raise TypeError(
                f"Plotter.plot draws on a grid of problem.domain, which must be a "
                f"CartesianDomain; {type(problem).__name__}.domain is {type(domain).__name__}."
            )
        pts, free = self._grid(domain, problem.input_variables, fixed, res)
        prediction = self._evaluate(solver, pts)
        truth = self._truth(problem, pts, outputs)

        if title is None and fixed:
            title = ", ".join(f"{name} = {value:g}" for name, value in fixed.items())
        if len(free) == 1:
            fig = self._plot_1d(pts, free[0], chosen, outputs, prediction, truth, **kwargs)
        else:
            fig = self._plot_2d(
                pts, free, chosen, outputs, prediction, truth, method, res, **kwargs
            )
        if title is not None:
            fig.suptitle(title)
        return _finish(fig, filename)

    @staticmethod
    def _components(components: str | Sequence[str] | None, outputs: list[str]) -> list[str]:
        if components is None:
            return outputs[:1]
        names = _as_label_list(components, "components")
        unknown = [c for c in names if c not in outputs]
        if unknown or not names:
            raise ValueError(
                f"components={components!r}: {unknown!r} unknown; choose among the output "
                f"variables {outputs!r}."
            )
        return names

    @staticmethod
    def _fixed_variables(
        fixed_variables: Mapping[str, float] | None, inputs: list[str]
    ) -> dict[str, float]:
        if fixed_variables is None:
            return {}
        if not isinstance(fixed_variables, Mapping):
            raise TypeError(
                f"fixed_variables must be a dict of variable name -> value, e.g. {{'t': 0.5}}; "
                f"got {fixed_variables!r}."
            )
        unknown = [name for name in fixed_variables if name not in inputs]
        if unknown:
            raise ValueError(
                f"fixed_variables={dict(fixed_variables)!r}: {unknown!r} unknown; choose among "
                f"the input variables {inputs!r}."
            )
        fixed: dict[str, float] = {}
        for name, value in fixed_variables.items():
            if isinstance(value, Tensor) and value.numel() == 1:
                value = value.item()
            if isinstance(value, bool) or not isinstance(value, numbers.Real):
                raise TypeError(f"fixed_variables[{name!r}] must be a real number; got {value!r}.")
            fixed[name] = float(value)
        return fixed

    @staticmethod
    def _grid(
        domain: CartesianDomain, inputs: list[str], fixed: dict[str, float], res: int
    ) -> tuple[LabelTensor, list[str]]:
        """Grid points labelled with every input variable, and the free variables."""
        ranges = domain.range_
        domain_fixed = domain.fixed_
        free = [v for v in inputs if v not in fixed and v not in domain_fixed]
        unbounded = [v for v in free if v not in ranges]
        if unbounded:
            raise ValueError(
                f"The input variables {unbounded!r} have no range in problem.domain "
                f"({domain!r}); give their values in fixed_variables."
            )
        if not free:
            raise ValueError(
                f"fixed_variables fixes every input variable {inputs!r}; leave one or two free."
            )
        if len(free) > 2:
            raise ValueError(
                f"The solution has {len(free)} free variables {free!r}; at most 2 can be drawn. "
                f"Fix the others with fixed_variables, e.g. fixed_variables="
                f"{ {name: ranges[name][0] for name in free[2:]}!r}."
            )
        pts = domain.sample(res, "grid", variables=free)
        constants = {name: domain_fixed[name] for name in inputs if name in domain_fixed}
        constants.update(fixed)
        if constants:
            values = torch.tensor(list(constants.values()), dtype=pts.dtype)
            pts = pts.append(LabelTensor(values.expand(pts.shape[0], -1), list(constants)))
        return pts.extract(list(inputs)), free

    @staticmethod
    def _evaluate(solver: SolverInterface, pts: LabelTensor) -> LabelTensor:
        dtype = solver.dtype if isinstance(solver.dtype, torch.dtype) else None
        was_training = solver.training
        solver.eval()
        try:
            with torch.no_grad():
                out = solver(pts.to(device=solver.device, dtype=dtype))
        finally:
            solver.train(was_training)
        return out

    @staticmethod
    def _truth(problem: AbstractProblem, pts: LabelTensor, outputs: list[str]) -> Tensor | None:
        """The truth at ``pts`` as an ``(n, len(outputs))`` tensor, or ``None``."""
        truth_solution = getattr(problem, "truth_solution", None)
        if truth_solution is None:
            return None
        with torch.no_grad():
            value = truth_solution(pts)
        if isinstance(value, LabelTensor) and set(outputs) <= set(value.labels):
            return value.extract(outputs).tensor
        value = torch.as_tensor(value)
        if value.ndim == 1:
            value = value.unsqueeze(-1)
        if value.shape != (pts.shape[0], len(outputs)):
            raise ValueError(
                f"{type(problem).__name__}.truth_solution returned shape {tuple(value.shape)} on "
                f"{pts.shape[0]} points; expected ({pts.shape[0]}, {len(outputs)}), one column "
                f"per output variable {outputs!r} (or a LabelTensor with those labels)."
            )
        return value

    @staticmethod
    def _plot_1d(
        pts: LabelTensor,
        variable: str,
        chosen: list[str],
        outputs: list[str],
        prediction: LabelTensor,
        truth: Tensor | None,
        **kwargs: Any,
    ) -> Figure:
        fig, axes = plt.subplots(
            len(chosen), 1, figsize=(6, 4 * len(chosen)), squeeze=False, layout="constrained"
        )
        x = _to_numpy(pts.extract(variable)).ravel()
        for ax, component in zip(axes[:, 0], chosen):
            u = _to_numpy(prediction.extract(component)).ravel()
            ax.plot(x, u, **{**kwargs, "label": "prediction"})
            if truth is not None:
                column = truth[:, outputs.index(component)]
                ax.plot(x, _to_numpy(column), **{"linestyle": "--", **kwargs, "label": "truth"})
            ax.set_xlabel(variable)
            ax.set_ylabel(component)
            ax.legend()
        return fig

    @staticmethod
    def _plot_2d(
        pts: LabelTensor,
        free: list[str],
        chosen: list[str],
        outputs: list[str],
        prediction: LabelTensor,
        truth: Tensor | None,
        method: str,
        res: int,
        **kwargs: Any,
    ) -> Figure:
        ncols = 1 if truth is None else 3
        fig, axes = plt.subplots(
            len(chosen),
            ncols,
            figsize=(5 * ncols, 4 * len(chosen)),
            squeeze=False,
            layout="constrained",
        )
        X, Y = (_to_numpy(pts.extract(v)).reshape(res, res) for v in free)
        for row, component in zip(axes, chosen):
            u = _to_numpy(prediction.extract(component)).reshape(res, res)
            panels = [(u, f"{component} prediction")]
            if truth is not None:
                u_true = _to_numpy(truth[:, outputs.index(component)]).reshape(res, res)
                panels += [(u_true, f"{component} truth"), (np.abs(u - u_true), "absolute error")]
            for ax, (Z, name) in zip(row, panels):
                drawn = getattr(ax, method)(X, Y, Z, **kwargs)
                if isinstance(drawn, ScalarMappable):
                    fig.colorbar(drawn, ax=ax)
                ax.set_title(name)
                ax.set_xlabel(free[0])
                ax.set_ylabel(free[1])
        return fig

    # -------------------------------------------------------------------- loss
    def plot_loss(
        self,
        trainer: pl.Trainer,
        metrics: str | Sequence[str] | None = None,
        logy: bool = False,
        logx: bool = False,
        filename: str | None = None,
        **kwargs: Any,
    ) -> Figure:
        r"""Draw metrics recorded by the trainer's ``MetricTracker`` against the epoch.

        Unlike the other methods, it draws on the current axes of pyplot's
        current figure (``plt.gca()``, a new figure if none is open), so
        several calls without ``filename`` put several trainings on one plot,
        e.g. ``plot_loss(trainer_a, label='PINN')`` then
        ``plot_loss(trainer_b, label='SAPINN', filename='loss.png')``. Call
        ``plt.figure()`` first to start a new plot.

        Each value is drawn at the epoch the tracker recorded it
        (:attr:`~pina.callbacks.MetricTracker.epochs`): training values at
        the number of epochs completed (1, 2, ...: a logarithmic x axis keeps
        every point), validation values at the epochs completed when their
        run happened (``check_val_every_n_epoch=c`` puts them at
        :math:`c, 2c, \dots`; runs inside an epoch at fractional epochs).

        Args:
            trainer: A trainer whose ``callbacks`` include a
                :class:`~pina.callbacks.MetricTracker` and that has trained.
            metrics: A metric name or a list of them (see
                ``MetricTracker.metrics``); ``None`` draws ``'mean_loss'``.
            logy: Logarithmic y axis.
            logx: Logarithmic x axis.
            filename: Where to save the figure (then closed in pyplot).
            **kwargs: Passed to ``Axes.plot`` for every line. ``label`` names
                the curve: with one metric it is the legend entry, with
                several each entry is ``f'{label} ({metric})'``; without it
                the entries are the metric names.

        Returns:
            The figure drawn on (pyplot's current one); its current axes hold
            one line per metric, added to any lines drawn before.

        Raises:
            TypeError: If ``metrics`` is not a str or a list of str.
            ValueError: If the trainer has no ``MetricTracker``, nothing was
                recorded yet, or a metric is unknown.
        """
        trackers = [c for c in getattr(trainer, "callbacks", []) if isinstance(c, MetricTracker)]
        if not trackers:
            raise MissingCallbackError(
                "plot_loss reads the metrics of a MetricTracker, and the trainer has none; "
                "add MetricTracker() to the Trainer's callbacks: "
                "Trainer(solver, callbacks=[MetricTracker()], ...)."
            )
        tracker = trackers[0]
        recorded = tracker.metrics
        if not recorded:
            raise ValueError("The MetricTracker has recorded nothing yet; train first.")
        names = ["mean_loss"] if metrics is None else _as_label_list(metrics, "metrics")
        unknown = [m for m in names if m not in recorded]
        if unknown or not names:
            raise ValueError(
                f"metrics={metrics!r}: {unknown!r} not recorded; available metrics are "
                f"{sorted(recorded)!r}."
            )

        positions = tracker.epochs
        label = kwargs.pop("label", None)
        fig = plt.gcf()
        ax = fig.gca()
        for name in names:
            values = _to_numpy(recorded[name]).ravel()
            epochs = _to_numpy(positions[name]).ravel()
            if label is None:
                curve = name
            else:
                curve = str(label) if len(names) == 1 else f"{label} ({name})"
            ax.plot(epochs, values, label=curve, **kwargs)
        ax.set_xlabel("epoch")
        ax.set_ylabel(names[0] if len(names) == 1 else "loss")
        if logy:
            ax.set_yscale("log")
        if logx:
            ax.set_xscale("log")
        ax.legend()
        return _finish(fig, filename)


def _to_numpy(tensor: Tensor) -> np.ndarray:
    """A detached float64 NumPy copy of ``tensor`` (labels dropped)."""
    plain = tensor.as_subclass(Tensor) if isinstance(tensor, LabelTensor) else tensor
    return plain.detach().cpu().to(torch.float64).numpy()


def _finish(fig: Figure, filename: str | None) -> Figure:
    """Save ``fig`` to ``filename`` and close it in pyplot, when a filename is given."""
    if filename is not None:
        fig.savefig(filename)
        plt.close(fig)
    return fig
