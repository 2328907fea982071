r"""Differential operators on labelled tensors: ``grad``, ``div``, ``laplacian``, ``advection``.

Each operator maps label names to columns, calls the plain-tensor operator of
:mod:`pina._autodiff`, and labels the result. ``output_`` must have been computed
from ``input_`` (the very tensor, which requires gradients). ``components``
names columns of ``output_`` (default: all) and ``d`` columns of ``input_``
(default: all); both accept a str or a list of str.

Result labels (users rely on them):

* ``grad``: ``d{c}d{v}`` component-major, e.g. ``['dudx', 'dudy']``;
  the derivative of ``dudx`` with respect to ``x`` is ``ddudxdx``.
* ``div``: one column ``'+'.join(d{c}d{v})``, e.g. ``'dadx+dbdy'``.
* ``laplacian``: one column ``dd{c}`` per component, e.g. ``'ddu'``.
* ``advection``: one column ``adv{c}`` per component.
"""

from __future__ import annotations

from typing import Any

from torch import Tensor

from . import _autodiff
from ._errors import ArgumentRuntimeError
from .label_tensor import LabelsLike, LabelTensor

__all__ = ["grad", "div", "laplacian", "advection"]


def _resolve(
    output_: Any, input_: Any, components: LabelsLike | None, d: LabelsLike | None
) -> tuple[list[str], list[int], list[str], list[int]]:
    """Check the operands and turn label names into column indices."""
    for name, value in (("output_", output_), ("input_", input_)):
        if not isinstance(value, LabelTensor):
            raise TypeError(f"{name} must be a LabelTensor; got {type(value).__name__}.")
    comp_idx = (
        list(range(output_.shape[-1]))
        if components is None
        else output_._label_indices(components, "components", ArgumentRuntimeError)
    )
    d_idx = (
        list(range(input_.shape[-1]))
        if d is None
        else input_._label_indices(d, "d", ArgumentRuntimeError)
    )
    for name, idx in (("components", comp_idx), ("d", d_idx)):
        if not idx:
            raise ValueError(f"{name} must name at least one label; got an empty list.")
    out_labels, in_labels = output_._labels, input_._labels
    comp_names = [out_labels[i] for i in comp_idx]
    d_names = [in_labels[i] for i in d_idx]
    return comp_names, comp_idx, d_names, d_idx


def grad(
    output_: LabelTensor,
    input_: LabelTensor,
    components: LabelsLike | None = None,
    d: LabelsLike | None = None,
) -> LabelTensor:
    r"""Gradient :math:`\partial u_c / \partial x_v` of components with respect to variables.

    Args:
        output_: Field, shape ``(n, m)``, computed from ``input_``.
        input_: Points, shape ``(n, k)``, requiring gradients.
        components: Labels of ``output_`` to differentiate (default all).
        d: Labels of ``input_`` to differentiate with respect to (default all).

    Returns:
        ``LabelTensor`` of shape ``(n, len(components) * len(d))`` labelled
        ``d{c}d{v}``, component-major.

    Raises:
        ValueError: For an unknown label, or an ``input_`` without gradients.
        TypeError: If an operand is not a ``LabelTensor``.
    """
    comp, ci, dn, di = _resolve(output_, input_, components, d)
    values = _autodiff.gradient(output_.tensor, input_, ci, di)
    return LabelTensor._from(values, [f"d{c}d{v}" for c in comp for v in dn])


def div(
    output_: LabelTensor,
    input_: LabelTensor,
    components: LabelsLike | None = None,
    d: LabelsLike | None = None,
) -> LabelTensor:
    r"""Divergence :math:`\sum_i \partial u_{c_i} / \partial x_{d_i}` of a vector field.

    Args:
        output_: Vector field, shape ``(n, m)``.
        input_: Points, shape ``(n, k)``, requiring gradients.
        components: ``p >= 2`` labels of ``output_`` (default all).
        d: ``p`` labels of ``input_`` paired with ``components`` (default all).

    Returns:
        ``LabelTensor`` of shape ``(n, 1)`` labelled ``'dadx+dbdy'`` style.

    Raises:
        ValueError: If ``components`` and ``d`` differ in length or have fewer than 2 entries.
    """
    comp, ci, dn, di = _resolve(output_, input_, components, d)
    if len(comp) != len(dn) or len(comp) < 2:
        raise ValueError(
            f"div needs as many components as variables, at least two; got "
            f"components={comp!r} and d={dn!r}."
        )
    values = _autodiff.divergence(output_.tensor, input_, ci, di)
    return LabelTensor._from(values, ["+".join(f"d{c}d{v}" for c, v in zip(comp, dn))])


def laplacian(
    output_: LabelTensor,
    input_: LabelTensor,
    components: LabelsLike | None = None,
    d: LabelsLike | None = None,
    method: str = "std",
) -> LabelTensor:
    r"""Laplacian :math:`\Delta u_c = \sum_{v \in d} \partial^2 u_c / \partial x_v^2`.

    Each component gets its full Laplacian over ``d`` (PINA 0.1.1 paired
    components with variables when there were several; we do not).

    Args:
        output_: Field, shape ``(n, m)``.
        input_: Points, shape ``(n, k)``, requiring gradients.
        components: Labels of ``output_`` (default all).
        d: Labels of ``input_`` to sum over (default all).
        method: ``'std'`` (nested first derivatives) or ``'divgrad'`` (the same
            quantity as the divergence of the gradient; accepted for
            compatibility and computed the same way).

    Returns:
        ``LabelTensor`` of shape ``(n, len(components))`` labelled ``dd{c}``.

    Raises:
        ValueError: If ``method`` is unknown or a label is unknown.
    """
    if method not in ("std", "divgrad"):
        raise ValueError(f"method={method!r} is not supported; choose one of ['divgrad', 'std'].")
    comp, ci, _, di = _resolve(output_, input_, components, d)
    values = _autodiff.laplacian(output_.tensor, input_, ci, di)
    return LabelTensor._from(values, [f"dd{c}" for c in comp])


def advection(
    output_: LabelTensor,
    input_: LabelTensor,
    velocity_field: LabelsLike,
    components: LabelsLike | None = None,
    d: LabelsLike | None = None,
) -> LabelTensor:
    r"""Advection :math:`(\mathbf{v} \cdot \nabla) u_c = \sum_j v_j \, \partial u_c / \partial x_j`.

    Args:
        output_: Field, shape ``(n, m)``.
        input_: Points, shape ``(n, k)``, requiring gradients.
        velocity_field: Labels of ``output_`` holding the velocity, one per
            variable in ``d``.
        components: Labels of ``output_`` to advect (default all).
        d: Labels of ``input_`` (default all).

    Returns:
        ``LabelTensor`` of shape ``(n, len(components))`` labelled ``adv{c}``.

    Raises:
        ValueError: If the velocity has not one column per variable in ``d``.
    """
    comp, ci, dn, di = _resolve(output_, input_, components, d)
    velocity = output_.extract(velocity_field)
    if velocity.shape[-1] != len(dn):
        raise ValueError(
            f"velocity_field={velocity.labels!r} must give one velocity per variable in d={dn!r}."
        )
    values: Tensor = _autodiff.advection(output_.tensor, input_, velocity.tensor, ci, di)
    return LabelTensor._from(values, [f"adv{c}" for c in comp])
