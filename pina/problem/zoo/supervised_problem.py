"""A data-only problem built from input and output tensors."""

from __future__ import annotations

from collections.abc import Sequence

from torch import Tensor

from ...condition import Condition
from ...label_tensor import LabelTensor
from ..abstract_problem import AbstractProblem

__all__ = ["SupervisedProblem"]


class SupervisedProblem(AbstractProblem):
    r"""A problem with one data condition, ``"data"``: the solution must map inputs to outputs.

    The problem fits :math:`u(x_i) = y_i` for the given pairs, with
    :math:`x_i` the rows of ``input_`` and :math:`y_i` those of ``output_``:
    its only condition is
    ``conditions["data"] = Condition(input_points=input_, output_points=output_)``,
    to train with e.g. :class:`~pina.solvers.SupervisedSolver`.

    Each instance has its own ``conditions``, ``input_variables`` and
    ``output_variables`` (instance attributes; the class is never changed).

    Labels name the last dimension:

    * a plain :class:`torch.Tensor` is labelled with the given variables, or by
      default ``['x0', 'x1', ...]`` (inputs) and ``['y0', 'y1', ...]`` (outputs);
    * a :class:`~pina.label_tensor.LabelTensor` keeps its labels; if variables
      are given too, they select and order its columns
      (``input_.extract(input_variables)``), so each must be one of its labels.

    Args:
        input_: Inputs, shape ``(n, k)``, or ``(n, ..., k)`` for discretised
            fields (neural operators); a 1-D tensor ``(n,)`` is one column ``(n, 1)``.
        output_: Outputs, shape ``(n, m)`` or ``(n, ..., m)``, one per input
            row; a 1-D tensor ``(n,)`` is one column ``(n, 1)``.
        input_variables: Labels of the last dimension of ``input_`` (``k`` unique
            str for a plain tensor; a subset of its labels for a LabelTensor).
        output_variables: The same for ``output_``.

    Attributes:
        conditions: ``{"data": Condition(input_points=..., output_points=...)}``
            with ``LabelTensor`` inputs ``(n, ..., k)`` labelled
            ``input_variables`` and outputs ``(n, ..., m)`` labelled ``output_variables``.
        output_variables: The output labels, a list of ``m`` str.

    Raises:
        TypeError: If ``input_`` or ``output_`` is not a ``torch.Tensor``, or a
            variables argument is not a list or tuple of str.
        ValueError: If a tensor has no row or no column, the row counts differ,
            variables repeat, their number is not the last dimension of a plain
            tensor, or a variable is not a label of a ``LabelTensor``.

    Example:
        >>> x = torch.linspace(0, 1, 20).reshape(-1, 1)
        >>> problem = SupervisedProblem(x, 2 * x + 1)
        >>> problem.input_variables, problem.output_variables
        (['x0'], ['y0'])
    """

    def __init__(
        self,
        input_: Tensor,
        output_: Tensor,
        input_variables: Sequence[str] | None = None,
        output_variables: Sequence[str] | None = None,
    ) -> None:
        inputs = _labelled("input_", input_, "input_variables", input_variables, "x")
        outputs = _labelled("output_", output_, "output_variables", output_variables, "y")
        if inputs.shape[0] != outputs.shape[0]:
            raise ValueError(
                f"input_ has {inputs.shape[0]} rows (shape {tuple(inputs.shape)}) but output_ "
                f"has {outputs.shape[0]} (shape {tuple(outputs.shape)}); give one output row "
                "per input row."
            )
        self._input_variables = inputs.labels
        self.output_variables = outputs.labels
        self.conditions = {"data": Condition(input_points=inputs, output_points=outputs)}
        super().__init__()

    @property
    def input_variables(self) -> list[str]:
        """The input labels, a list of ``k`` str (a new list each time)."""
        return list(self._input_variables)

    def __repr__(self) -> str:
        data = self.conditions["data"]
        assert data.input_points is not None and data.output_points is not None
        return (
            f"SupervisedProblem(n={data.input_points.shape[0]}, "
            f"input_variables={self._input_variables!r}, "
            f"output_variables={self.output_variables!r})"
        )


def _labelled(
    argument: str,
    tensor: object,
    variables_argument: str,
    variables: object,
    prefix: str,
) -> LabelTensor:
    """``tensor`` as a ``LabelTensor`` labelled as :class:`SupervisedProblem` documents."""
    if not isinstance(tensor, Tensor):
        raise TypeError(
            f"{argument} must be a torch.Tensor or a LabelTensor; got {type(tensor).__name__}."
        )
    if tensor.ndim == 0 or tensor.shape[0] == 0 or tensor.shape[-1] == 0:
        raise ValueError(
            f"{argument} must have shape (n, k) or (n, ..., k) with n >= 1 rows and k >= 1 "
            f"columns; got shape {tuple(tensor.shape)}."
        )
    names: list[str] | None = None
    if variables is not None:
        if not isinstance(variables, (list, tuple)) or not all(
            isinstance(v, str) for v in variables
        ):
            raise TypeError(
                f"{variables_argument} must be a list of str, e.g. ['{prefix}0'], or None; "
                f"got {variables!r}."
            )
        names = list(variables)
        if len(set(names)) != len(names):
            raise ValueError(f"{variables_argument}={names!r} must be unique.")
    if isinstance(tensor, LabelTensor):
        if names is None:
            return tensor
        unknown = [name for name in names if name not in tensor.labels]
        if unknown:
            raise ValueError(
                f"{variables_argument}={names!r}: {unknown!r} are not labels of {argument}, "
                f"whose labels are {tensor.labels!r}; give a subset of them (to select and "
                "order columns) or None (to keep them)."
            )
        return tensor if names == tensor.labels else tensor.extract(names)
    columns = 1 if tensor.ndim == 1 else tensor.shape[-1]
    if names is None:
        names = [f"{prefix}{i}" for i in range(columns)]
    elif len(names) != columns:
        raise ValueError(
            f"{variables_argument}={names!r} has {len(names)} names but {argument} has "
            f"{columns} columns in its last dimension (shape {tuple(tensor.shape)}); give one "
            "name per column."
        )
    return LabelTensor(tensor, names)
