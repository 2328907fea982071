r"""Private helpers giving the size (measure) of a geometry, to weight set-operation samplers.

The geometries of :mod:`pina.geometry` know their measure through a private
``_measure()`` method: the :math:`k`-dimensional volume of the set, where
:math:`k` is the number of free coordinates (a box with a fixed coordinate has
the area of its face; a surface sampler has the area of the surface). Other
:class:`~pina.geometry.Location` subclasses get a Monte Carlo estimate.
"""

from __future__ import annotations

import math

import torch

from pina.geometry._sampling import membership, sample_member
from pina.geometry.location import Location
from pina.label_tensor import LabelTensor

# Points used by the Monte Carlo estimate of the measure of a user geometry.
_ESTIMATE_POINTS = 1 << 16
# Seed of the private generator of the estimates (so a measure does not depend
# on, nor change, torch's global random state).
_ESTIMATE_SEED = 0


def unit_ball_volume(k: int) -> float:
    r"""Volume :math:`\pi^{k/2} / \Gamma(k/2 + 1)` of the unit ball of :math:`\mathbb{R}^k`."""
    return math.pi ** (k / 2) / math.gamma(k / 2 + 1)


def unit_sphere_area(k: int) -> float:
    r"""Area :math:`2\pi^{k/2} / \Gamma(k/2)` of the unit sphere of :math:`\mathbb{R}^k`."""
    return 2 * math.pi ** (k / 2) / math.gamma(k / 2)


def estimate_generator() -> torch.Generator:
    """A fresh CPU generator with a fixed seed, for deterministic Monte Carlo estimates."""
    return torch.Generator().manual_seed(_ESTIMATE_SEED)


def measure(geometry: Location, name: str) -> float:
    """The measure of ``geometry``: exact when it has ``_measure()``, else estimated.

    Args:
        geometry: Any location.
        name: How to name it in error messages, e.g. ``'geometries[0]'``.

    Raises:
        ValueError: If the measure is not a positive finite number.
    """
    exact = getattr(geometry, "_measure", None)
    value = float(exact()) if callable(exact) else _estimate_measure(geometry, name)
    if not (math.isfinite(value) and value > 0):
        raise ValueError(
            f"{name} ({type(geometry).__name__}) has measure {value!r}; a set operation "
            "weights its geometries by their measure, which must be positive and finite."
        )
    return value


def _estimate_measure(geometry: Location, name: str) -> float:
    r"""Monte Carlo estimate of the volume of a geometry that only samples and tests points.

    :math:`2^{16}` points of the geometry give a bounding box (each side
    widened by 10% of its length on both ends); coordinates that do not vary
    are fixed and do not count. The volume is the fraction of :math:`2^{16}`
    uniform points of the box that ``is_inside(..., check_border=True)``
    accepts, times the box volume (relative error about
    :math:`\sqrt{(1-f)/(f\,2^{16})}`, below 1% for a fraction :math:`f > 0.2`).
    The estimate assumes the samples reach the extent of the set.

    Raises:
        ValueError: If no box point is inside (a set of lower dimension, such
            as a curve drawn in the plane, has no volume to estimate).
    """
    generator = estimate_generator()
    variables = geometry.variables
    points = sample_member(
        geometry, _ESTIMATE_POINTS, variables, generator, name=name, strict=False
    ).to(dtype=torch.float64, device="cpu")
    low, high = points.min(dim=0).values, points.max(dim=0).values
    free = high > low
    pad = 0.1 * (high - low)
    low, high = low - pad, high + pad
    unit = torch.rand(_ESTIMATE_POINTS, len(variables), generator=generator, dtype=torch.float64)
    box = torch.where(free, low + (high - low) * unit, low)
    box_points = LabelTensor(box.to(torch.get_default_dtype()), variables)
    inside = membership(geometry, box_points, True, name=name)
    fraction = inside.to(torch.float64).mean().item()
    if fraction == 0:
        raise ValueError(
            f"cannot estimate the measure of {name} ({type(geometry).__name__}): none of "
            f"{_ESTIMATE_POINTS} points drawn in the box around its samples is inside it. "
            "A set operation weights its geometries by their volume; a geometry of lower "
            "dimension (a curve or a surface) has none to estimate."
        )
    return fraction * torch.prod((high - low)[free]).item()
