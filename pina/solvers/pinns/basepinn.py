r"""The base of the physics-informed solvers: the training step shared by every PINN."""

from __future__ import annotations

from abc import ABCMeta, abstractmethod
from collections.abc import Mapping, Sequence
from typing import Any

import torch
from torch import Tensor, nn

from ...condition import Condition
from ...data.batch import Batch
from ...equation.equation_interface import EquationInterface
from ...label_tensor import LabelTensor
from ...problem import AbstractProblem, InverseProblem
from .._condition_term import ConditionTerm, evaluate_terms, mixes_rows
from .._epoch_losses import RelativeL2
from .._validation import loss_module
from ..solver import SolverInterface, data_loss

__all__ = ["PINNInterface"]


class PINNInterface(SolverInterface, metaclass=ABCMeta):
    r"""Base class of the physics-informed solvers.

    Each training step evaluates, for every condition :math:`c` in the batch,

    * a physics condition (an ``equation`` on a ``location`` or on given
      ``input_points``): :math:`\mathcal{L}_c = \ell(0, \mathcal{A}_c[u](x_c))`,
      the loss of its equation's residual at its points; for an
      :class:`~pina.problem.InverseProblem`, :math:`\mathcal{A}_c` may depend
      on the unknown parameters :math:`\mu`, given to equations of three
      arguments as ``params_`` (name -> tensor of shape ``(1,)``);
    * a data condition (``input_points`` + ``output_points``):
      :math:`\mathcal{L}_c = \ell(u(x_c), y_c)`, on the output columns of
      :math:`y_c`;

    and minimises :math:`\sum_c w_c \mathcal{L}_c` with :math:`w_c` the
    condition's ``data_weight``, in one optimizer step over the model's
    weights (and the unknown parameters of an inverse problem).

    A step first evaluates every condition of the batch into a
    :class:`~pina.solvers._condition_term.ConditionTerm` (its points, its
    model output and, when asked, its residual): conditions with at most
    :attr:`shared_forward_rows` points share one forward pass (the models of
    PINNs act on each point independently), unless the model mixes rows
    (batch normalisation), and derivatives are taken with respect to each
    condition's own points. Then :meth:`condition_loss` turns each term into
    its loss; the variants override that one hook.

    Code written for PINA 0.1 overrides ``loss_phys(samples, equation)``
    (and ``loss_data``) instead: a subclass that overrides either of them
    below the class that defines its :meth:`condition_loss` has its step
    call them (they evaluate the model themselves, through
    :meth:`compute_residual`), and :attr:`current_condition_name` names the
    condition meanwhile.

    Validation and test batches (``Trainer(val_size=..., test_size=...)``)
    are evaluated with PINN's plain losses (whatever the variant) with
    gradients enabled, and give ``<condition>_val_loss`` and ``val_loss``
    (``_test_`` for tests) and, when the problem defines ``truth_solution``,
    ``val_rel_l2`` (``test_rel_l2``): the relative L2 error of the model
    against it over the split's points of the conditions with a location, all
    output variables together.

    Logged metrics, once per epoch (progress bar, ``trainer.logged_metrics``
    and the logger): ``<condition>_loss`` (unweighted mean over the epoch's
    steps) for every condition, and ``mean_loss``, the mean of those. Losses
    stay on the device during the epoch (no host synchronisation per step).
    A non-finite epoch loss stops training with a ``FloatingPointError``
    naming the condition and the epoch.

    Args:
        models: See :class:`~pina.solvers.solver.SolverInterface`.
        problem: See :class:`~pina.solvers.solver.SolverInterface`.
        optimizers: See :class:`~pina.solvers.solver.SolverInterface`.
        optimizers_kwargs: See :class:`~pina.solvers.solver.SolverInterface`.
        extra_features: See :class:`~pina.solvers.solver.SolverInterface`.
        loss: The loss :math:`\ell` (default ``torch.nn.MSELoss()``).

    Raises:
        TypeError: If ``loss`` is not a torch loss module.
        ValueError: If an equation takes ``params_`` in a problem that is not
            an ``InverseProblem``, or a data condition's ``output_points``
            has labels that are not output variables.
    """

    #: Conditions with at most this many points in a step share one forward pass.
    shared_forward_rows: int = 1024

    def __init__(
        self,
        models: nn.Module | Sequence[nn.Module],
        problem: AbstractProblem,
        optimizers: Any,
        optimizers_kwargs: Any,
        extra_features: Sequence[Any] | None = None,
        loss: nn.Module | None = None,
    ) -> None:
        super().__init__(models, problem, optimizers, optimizers_kwargs, extra_features)
        self._loss = loss_module(loss, nn.MSELoss, "torch.nn.MSELoss()")
        # params_ of three-argument equations: the unknown parameters, name -> (1,) tensor.
        self._params: Mapping[str, Tensor] | None = (
            dict(self._pina_unknown_parameters.items())
            if isinstance(problem, InverseProblem)
            else None
        )
        for name, condition in problem.conditions.items():
            equation = condition.equation
            if equation is not None and not isinstance(equation, EquationInterface):
                raise TypeError(
                    f"condition {name!r} has an equation of type {type(equation).__name__}."
                )
            if equation is not None and equation.takes_params and self._params is None:
                raise ValueError(
                    f"The equation of condition {name!r} takes params_ (three arguments) but "
                    f"{type(problem).__name__} is not an InverseProblem with unknown parameters."
                )
            outputs = condition.output_points
            if outputs is not None and not set(outputs.labels) <= set(problem.output_variables):
                raise ValueError(
                    f"condition {name!r} has output_points labelled {outputs.labels!r}, but "
                    f"the output variables of {type(problem).__name__} are "
                    f"{problem.output_variables!r}; label the data with output variables."
                )
        # Rows of a batch-normalised model depend on each other: no shared forward pass.
        self._share_forward = not any(mixes_rows(m) for m in self.models)
        self._legacy_hooks = _overrides_legacy_hooks(type(self))
        self._current_condition: str | None = None
        self._truth = getattr(problem, "truth_solution", None)
        self._located = [n for n, c in problem.conditions.items() if c.location is not None]
        self._rel_l2 = {"val": RelativeL2(), "test": RelativeL2()}

    @property
    def loss(self) -> nn.Module:
        r"""The loss :math:`\ell` applied to residuals and data."""
        return self._loss

    @property
    def current_condition_name(self) -> str | None:
        """The condition whose ``loss_phys``/``loss_data`` runs (PINA 0.1 hooks only), else None."""
        return self._current_condition

    def store_log(self, loss_value: float | Tensor) -> None:
        """Accept the loss of the current condition from a PINA 0.1 ``loss_phys`` (logs nothing).

        Custom solvers written for PINA 0.1 call ``self.store_log(loss_value=...)``
        from ``loss_phys``/``loss_data`` so that the loss is logged under
        ``<condition>_loss``. Here every step logs that metric itself, from the
        value ``loss_phys``/``loss_data`` returns (once per epoch, see the class
        doc), so this call only checks its argument: the metric is neither
        logged twice nor synchronised with the host.

        Args:
            loss_value: The condition's loss, a number or a one-element tensor.

        Raises:
            TypeError: If ``loss_value`` is neither a real number nor a tensor
                of one element.
        """
        if isinstance(loss_value, Tensor):
            if loss_value.numel() == 1:
                return
        elif isinstance(loss_value, (int, float)) and not isinstance(loss_value, bool):
            return
        raise TypeError(
            "store_log(loss_value) takes the condition's loss, a number or a one-element "
            f"tensor; got {type(loss_value).__name__}"
            + (f" of shape {tuple(loss_value.shape)}." if isinstance(loss_value, Tensor) else ".")
        )

    # ------------------------------------------------------------ loss terms
    @abstractmethod
    def loss_phys(self, samples: LabelTensor, equation: EquationInterface) -> Tensor:
        """Loss of a physics condition at its points (PINA 0.1's hook).

        Args:
            samples: Points ``(n, k)`` labelled with the input variables,
                requiring gradients.
            equation: The condition's equation.

        Returns:
            A scalar tensor.
        """

    def loss_data(self, input_tensor: LabelTensor, output_tensor: LabelTensor) -> Tensor:
        """Loss of a data condition: ``loss(model(input), output)`` (PINA 0.1's hook).

        Args:
            input_tensor: Inputs ``(n, k)``.
            output_tensor: Expected outputs ``(n, j)``, labelled with output variables.

        Returns:
            A scalar tensor.
        """
        return data_loss(self.loss, self.forward(input_tensor), output_tensor)

    def compute_residual(self, samples: LabelTensor, equation: EquationInterface) -> Tensor:
        """Residual of ``equation`` for the model at ``samples`` (a new forward pass).

        Args:
            samples: Points ``(n, k)`` requiring gradients.
            equation: The equation.

        Returns:
            The residual ``(n, r)``.
        """
        residual = equation.residual(samples, self.forward(samples), self._params)
        return residual.as_subclass(Tensor) if isinstance(residual, LabelTensor) else residual

    def term_at(
        self, samples: LabelTensor, equation: EquationInterface, name: str | None = None
    ) -> ConditionTerm:
        """A physics term at ``samples`` outside a step (a new forward pass).

        What the variants' ``loss_phys(samples, equation)`` evaluate when called
        directly (PINA 0.1's hook), so that it gives the same loss as their step.

        Args:
            samples: Points ``(n, k)`` requiring gradients.
            equation: The equation.
            name: The condition's name, if any.

        Returns:
            The term (indices ``0..n-1``, scale 1).
        """
        condition = Condition(input_points=samples, equation=equation)
        indices = torch.arange(samples.shape[0], device=samples.device)
        return ConditionTerm(
            name or "", condition, samples, None, indices, 1.0, self.forward(samples), self._params
        )

    def plain_loss(self, term: ConditionTerm) -> Tensor:
        r"""PINN's loss of a term: :math:`\ell(0, r)` or :math:`\ell(u(x), y)`.

        Args:
            term: A condition evaluated in the step.

        Returns:
            A scalar tensor (not multiplied by the term's ``scale``).
        """
        if term.is_physics:
            residual = term.residual
            return self.loss(torch.zeros_like(residual), residual)
        assert term.target is not None
        return data_loss(self.loss, term.output, term.target)

    def condition_loss(self, term: ConditionTerm) -> Tensor:
        """The loss of one condition in a training step (the hook variants override).

        The default calls the PINA 0.1 hooks :meth:`loss_phys` or :meth:`loss_data`.

        Args:
            term: The condition evaluated in the step.

        Returns:
            A scalar tensor (the step multiplies it by ``term.scale``).
        """
        self._current_condition = term.name
        try:
            if term.is_physics:
                assert term.equation is not None
                return self.loss_phys(term.points, term.equation)
            assert term.target is not None
            return self.loss_data(term.points, term.target)
        finally:
            self._current_condition = None

    # --------------------------------------------------------- training step
    def evaluate(self, batch: Batch) -> list[ConditionTerm]:
        """Evaluate the model on every condition of ``batch`` (see the class doc).

        Args:
            batch: The step's batch.

        Returns:
            One term per condition with points on this process.
        """
        return evaluate_terms(
            batch,
            self.problem.conditions,
            self.forward,
            self.shared_forward_rows if self._share_forward else 0,
            self._params,
        )

    def training_step(self, batch: Batch, batch_idx: int) -> Tensor:
        """Weighted sum of the condition losses of the batch (see the class doc)."""
        names, losses = self._condition_losses(batch)
        return self._training_total(losses, names, batch, batch_idx)

    def _condition_losses(self, batch: Batch) -> tuple[list[str], list[Tensor]]:
        """The training loss of each condition of the batch, scaled for multi-process training.

        Solvers with manual optimization call this from their own training step.
        """
        hook = (
            PINNInterface.condition_loss.__get__(self)
            if self._legacy_hooks
            else self.condition_loss
        )
        names: list[str] = []
        losses: list[Tensor] = []
        terms = {term.name: term for term in self.evaluate(batch)}
        for name in batch.keys():
            term = terms.get(name)
            if term is None:
                self.condition_absent(name)
                continue
            value = hook(term)
            losses.append(value * term.scale if term.scale != 1.0 else value)
            names.append(name)
        return names, losses

    def condition_absent(self, name: str) -> None:
        """Called in a training step for a condition with points on other processes only.

        Under a multi-process strategy a condition may have no point of a step on
        this process (its shard is too small); a solver whose
        :meth:`condition_loss` joins collectives (e.g. RBAPINN's weight updates)
        joins them here too, so every process makes the same calls. Nothing by
        default.

        Args:
            name: The condition.
        """

    # ------------------------------------------------------ validation, test
    def _reset_evaluation(self, stage: str) -> None:
        super()._reset_evaluation(stage)
        self._rel_l2[stage].reset()

    def evaluation_losses(self, batch: Batch, stage: str) -> tuple[list[str], list[Tensor]]:
        """PINN's plain loss of each condition (see the class doc) and the error to the truth."""
        names: list[str] = []
        losses: list[Tensor] = []
        for term in self.evaluate(batch):
            losses.append(self.plain_loss(term).detach())
            names.append(term.name)
            if self._truth is not None and term.condition.location is not None:
                self._rel_l2[stage].add(*self._against_truth(term))
        return names, losses

    def _against_truth(self, term: ConditionTerm) -> tuple[Tensor, Tensor]:
        """The model output and ``truth_solution`` at the term's points, both ``(b, m)``."""
        assert self._truth is not None
        variables = list(self.problem.output_variables)
        with torch.no_grad():
            truth = self._truth(term.points.detach())
        if isinstance(truth, LabelTensor) and set(variables) <= set(truth.labels):
            truth = truth.extract(variables)
        truth_plain = truth.as_subclass(Tensor) if isinstance(truth, Tensor) else truth
        if not isinstance(truth_plain, Tensor):
            raise TypeError(
                f"{type(self.problem).__name__}.truth_solution must return a tensor; got "
                f"{type(truth).__name__}."
            )
        prediction = term.output.detach()
        if prediction._labels != variables:
            prediction = prediction.extract(variables)
        plain = prediction.tensor
        truth_plain = truth_plain.to(plain.dtype).reshape(plain.shape[0], -1)
        if truth_plain.shape != plain.shape:
            raise ValueError(
                f"{type(self.problem).__name__}.truth_solution returned shape "
                f"{tuple(truth_plain.shape)} at {plain.shape[0]} points; expected "
                f"{tuple(plain.shape)} (one column per output variable {variables!r})."
            )
        return plain, truth_plain

    def _evaluation_metrics(self, stage: str) -> tuple[list[str], list[Tensor]]:
        names, values = super()._evaluation_metrics(stage)
        if self._truth is not None and self._located:
            error = self._rel_l2[stage].value(self)
            if error is not None:
                names.append(f"{stage}_rel_l2")
                values.append(error)
        return names, values


def _overrides_legacy_hooks(cls: type) -> bool:
    """Whether ``cls`` overrides ``loss_phys``/``loss_data`` below its ``condition_loss``.

    Such a class was written for PINA 0.1's hooks, so its step must call them.
    """
    mro = cls.__mro__
    owner = next(i for i, c in enumerate(mro) if "condition_loss" in vars(c))
    return any("loss_phys" in vars(c) or "loss_data" in vars(c) for c in mro[:owner])
