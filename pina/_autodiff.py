"""Differential operators on plain tensors, written once.

These functions work on column indices, not labels: the public operators in
:mod:`pina.operators` resolve labels to indices and attach output labels. The
``input_`` tensor must be the very tensor the ``output_`` was computed from
(the leaf or node of the autograd graph), and must require gradients.

Every derivative is built with ``create_graph=True`` so that a loss made of
derivatives can be back-propagated to the network parameters.
"""

from __future__ import annotations

import torch
from torch import Tensor


def _check_differentiable(input_: Tensor) -> None:
    if not input_.requires_grad:
        raise ValueError(
            "input_ does not require gradients, so derivatives with respect to it are "
            "undefined; call input_.requires_grad_() before computing the output from it."
        )


def gradient(output_: Tensor, input_: Tensor, components: list[int], d: list[int]) -> Tensor:
    r"""Partial derivatives :math:`\partial u_c / \partial x_v`.

    Args:
        output_: Field values, shape ``(n, m)``, computed from ``input_``.
        input_: Points, shape ``(n, k)``, requiring gradients.
        components: Column indices ``c`` of ``output_`` to differentiate.
        d: Column indices ``v`` of ``input_`` to differentiate with respect to.

    Returns:
        Tensor of shape ``(n, len(components) * len(d))``, component-major:
        column ``i * len(d) + j`` is :math:`\partial u_{c_i} / \partial x_{d_j}`.
    """
    _check_differentiable(input_)
    columns = []
    for c in components:
        u_c = output_[..., c]
        if not u_c.requires_grad:
            # u_c is not on the graph of input_ (e.g. the constant first
            # derivative of a linear field): its derivative is zero.
            columns.append(u_c.new_zeros(*u_c.shape, len(d), dtype=input_.dtype))
            continue
        full = torch.autograd.grad(
            u_c,
            input_,
            grad_outputs=torch.ones_like(u_c),
            create_graph=True,
            retain_graph=True,
            materialize_grads=True,
        )[0]
        columns.append(_columns(full, d))
    return columns[0] if len(columns) == 1 else torch.cat(columns, dim=-1)


def divergence(output_: Tensor, input_: Tensor, components: list[int], d: list[int]) -> Tensor:
    r"""Divergence :math:`\sum_i \partial u_{c_i} / \partial x_{d_i}`.

    Args:
        output_: Field values, shape ``(n, m)``.
        input_: Points, shape ``(n, k)``, requiring gradients.
        components: ``p`` column indices of ``output_``.
        d: ``p`` column indices of ``input_``, paired with ``components``.

    Returns:
        Tensor of shape ``(n, 1)``.
    """
    _check_differentiable(input_)
    total: Tensor | None = None
    for c, v in zip(components, d, strict=True):
        term = gradient(output_, input_, [c], [v])
        total = term if total is None else total + term
    assert total is not None  # components is non-empty (checked by the caller)
    return total


def laplacian(output_: Tensor, input_: Tensor, components: list[int], d: list[int]) -> Tensor:
    r"""Laplacian :math:`\sum_{v \in d} \partial^2 u_c / \partial x_v^2` of each component.

    Args:
        output_: Field values, shape ``(n, m)``.
        input_: Points, shape ``(n, k)``, requiring gradients.
        components: Column indices ``c`` of ``output_``.
        d: Column indices of ``input_`` the Laplacian sums over.

    Returns:
        Tensor of shape ``(n, len(components))``.
    """
    _check_differentiable(input_)
    columns = []
    for c in components:
        first = gradient(output_, input_, [c], d)
        total: Tensor | None = None
        for j, v in enumerate(d):
            term = gradient(first, input_, [j], [v])
            total = term if total is None else total + term
        assert total is not None
        columns.append(total)
    return columns[0] if len(columns) == 1 else torch.cat(columns, dim=-1)


def advection(
    output_: Tensor, input_: Tensor, velocity: Tensor, components: list[int], d: list[int]
) -> Tensor:
    r"""Advection :math:`\sum_j v_j \, \partial u_c / \partial x_{d_j}` of each component.

    Args:
        output_: Field values, shape ``(n, m)``.
        input_: Points, shape ``(n, k)``, requiring gradients.
        velocity: Velocity field, shape ``(n, len(d))``.
        components: Column indices ``c`` of ``output_``.
        d: Column indices of ``input_``, paired with the velocity columns.

    Returns:
        Tensor of shape ``(n, len(components))``.
    """
    grads = gradient(output_, input_, components, d)
    grads = grads.reshape(*grads.shape[:-1], len(components), len(d))
    return (grads * velocity.unsqueeze(-2)).sum(dim=-1)


def _columns(x: Tensor, idx: list[int]) -> Tensor:
    """Columns ``idx`` of the last dimension, as a view when contiguous."""
    first = idx[0]
    if idx == list(range(first, first + len(idx))):
        return x.narrow(-1, first, len(idx))
    return x[..., idx]
