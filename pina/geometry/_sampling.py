"""Private sampling helpers shared by the geometries: devices, member calls, rejection.

Nothing here is public. The helpers work on plain tensors (labels are attached
by the callers, at the edge) and never loop in Python over points: rejection
sampling draws whole batches of candidates.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Sequence

import torch

from pina.geometry.location import Location, _resolve_variables
from pina.label_tensor import LabelTensor

# Candidates drawn per batch at most (bounds the memory of one batch).
_MAX_BATCH = 1 << 20
# Candidates drawn without a single acceptance before rejection sampling gives up.
_GIVE_UP_AFTER = 1 << 22


def generator_device(generator: torch.Generator | None) -> torch.device:
    """The device points are created on: the generator's, or the CPU without one."""
    return generator.device if generator is not None else torch.device("cpu")


def float_eps(dtype: torch.dtype) -> float:
    """Machine epsilon of ``dtype`` (that of float64 for non-float dtypes)."""
    return torch.finfo(dtype if dtype.is_floating_point else torch.float64).eps


def check_joint_variables(variables: object, available: Sequence[str], owner: str) -> list[str]:
    """Validate ``variables`` for a geometry that samples all its variables jointly.

    Returns:
        ``list(available)`` when ``variables`` is ``'all'`` or names every variable
        (in any order).

    Raises:
        TypeError, ValueError: As ``_resolve_variables``, and ValueError if
            ``variables`` leaves a variable out.
    """
    names = _resolve_variables(variables, available)
    if len(names) < len(available):
        left_out = [name for name in available if name not in names]
        raise ValueError(
            f"variables={variables!r}: {owner} samples all its variables {list(available)!r} "
            f"together, so it cannot sample a subset (left out: {left_out!r}); use "
            "variables='all'."
        )
    return names


def accepts_generator(geometry: Location) -> bool:
    """Whether ``geometry.sample`` takes a ``generator`` keyword (PINA 0.1 ones do not)."""
    try:
        parameters = inspect.signature(geometry.sample).parameters.values()
    except (TypeError, ValueError):  # no introspectable signature: assume the new one
        return True
    return any(p.name == "generator" or p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters)


def sample_member(
    geometry: Location,
    n: int,
    variables: list[str],
    generator: torch.Generator | None,
    *,
    name: str,
    strict: bool = True,
) -> torch.Tensor:
    """Draw ``n`` uniform points of a member geometry as a plain ``(n, d)`` tensor.

    The generator is passed (by keyword) only when it is not ``None``, so user
    geometries written without a ``generator`` argument keep working.

    Args:
        geometry: The member geometry.
        n: Number of points (positive).
        variables: The columns wanted, in order.
        generator: Optional ``torch.Generator``.
        name: How to name the member in error messages, e.g. ``'geometries[1]'``.
        strict: If ``True``, a generator that the member cannot take is an
            error; if ``False``, the member is called without it.

    Raises:
        TypeError: If ``strict`` and a generator is given to a member whose
            ``sample`` does not take one, or if ``sample`` does not return a
            ``LabelTensor``.
        ValueError: If it returns another number of points than ``n``.
    """
    label = f"{name} ({type(geometry).__name__})"
    if generator is not None and not accepts_generator(geometry):
        if strict:
            raise TypeError(
                f"generator was given but {label}.sample does not take a `generator` "
                "argument; add `generator=None` to its signature (and pass it to torch's "
                "random functions), or sample without a generator."
            )
        generator = None
    if generator is None:
        points = geometry.sample(n, "random", variables="all")
    else:
        points = geometry.sample(n, "random", variables="all", generator=generator)
    if not isinstance(points, LabelTensor):
        raise TypeError(
            f"{label}.sample must return a LabelTensor labelled with {variables!r}; "
            f"got {type(points).__name__}."
        )
    if points.shape[0] != n:
        raise ValueError(
            f"{label}.sample({n}, 'random') returned {points.shape[0]} points; a set "
            "operation needs exactly the number of points it asks for."
        )
    return points.extract(variables).tensor


def membership(
    geometry: Location, points: LabelTensor, check_border: bool, *, name: str
) -> torch.Tensor:
    """``geometry.is_inside(points, check_border)`` checked to be a ``points.shape[:-1]`` mask.

    Raises:
        TypeError: If the answer is not one bool per row (PINA 0.1 geometries
            answered a single Python bool for one point).
    """
    inside = geometry.is_inside(points, check_border)
    expected = tuple(points.shape[:-1])
    if not isinstance(inside, torch.Tensor) or tuple(inside.shape) != expected:
        shape = tuple(inside.shape) if isinstance(inside, torch.Tensor) else type(inside).__name__
        raise TypeError(
            f"{name} ({type(geometry).__name__}).is_inside must answer for every row with a "
            f"bool tensor of shape {expected}; got {shape}."
        )
    return inside.to(torch.bool)


def rejection_sample(
    draw: Callable[[int], torch.Tensor],
    n: int,
    empty_error: Callable[[int], Exception],
    rate_hint: float = 1.0,
) -> torch.Tensor:
    r"""Collect exactly ``n`` accepted points from batches of candidates.

    ``draw(m)`` draws ``m`` candidates and returns the accepted ones, shape
    ``(a, d)`` with ``0 <= a <= m``, **in random order** (i.i.d. rows, or
    shuffled). The batch size follows the acceptance rate observed so far,
    :math:`m \approx 1.1\,(n - n_\text{accepted}) / \hat p`, capped at
    :math:`2^{20}` candidates. The first ``n`` accepted rows are returned: the
    number kept from the last batch depends only on counts, and its rows are
    in random order, so the result is ``n`` i.i.d. draws of the accepted law.

    Args:
        draw: The batch sampler.
        n: Number of points wanted.
        empty_error: Builds the exception raised when no candidate at all was
            accepted after :math:`2^{22}` candidates; it receives that count.
        rate_hint: A guess of the acceptance rate, to size the first batch.

    Returns:
        A tensor of shape ``(n, d)``.
    """
    chunks: list[torch.Tensor] = []
    have = drawn = accepted = 0
    rate = rate_hint
    while have < n:
        m = min(_MAX_BATCH, math.ceil(1.1 * (n - have) / rate) + 64)
        batch = draw(m)
        drawn += m
        accepted += batch.shape[0]
        have += batch.shape[0]
        chunks.append(batch)
        if accepted == 0 and drawn >= _GIVE_UP_AFTER:
            raise empty_error(drawn)
        rate = max(accepted, 0.5) / drawn
    return torch.cat(chunks)[:n]
