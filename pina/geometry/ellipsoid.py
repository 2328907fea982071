r"""Axis-aligned ellipsoids, solid or their surface: :class:`EllipsoidDomain`."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import torch

from pina._errors import ArgumentTypeError
from pina.geometry._bounds import BoundedVariables, parse_bounds
from pina.geometry._measure import estimate_generator, unit_ball_volume, unit_sphere_area
from pina.geometry._sampling import float_eps, generator_device, rejection_sample
from pina.geometry.location import (
    Location,
    _check_generator,
    _check_mode,
    _check_n_points,
    _points_argument,
    _resolve_variables,
)
from pina.label_tensor import LabelTensor

__all__ = ["EllipsoidDomain"]

_MODES = ("random",)


class EllipsoidDomain(BoundedVariables, Location):
    r"""An axis-aligned ellipsoid (solid or its surface); some coordinates may be fixed.

    Each ranged variable :math:`x_i` with range ``[a_i, b_i]`` gives the centre
    :math:`c_i = (a_i + b_i)/2` and the semi-axis :math:`r_i = (b_i - a_i)/2`,
    so the ellipsoid is inscribed in the box of the ranges:

    .. math::
        E = \Big\{x : q(x) = \sum_i \Big(\frac{x_i - c_i}{r_i}\Big)^2 \le 1\Big\},
        \qquad \partial E = \{x : q(x) = 1\}.

    A fixed variable (a number instead of a range) is a constant coordinate,
    as in :class:`~pina.geometry.CartesianDomain`: ``{'x': [-1, 1], 'y': [-1,
    1], 'z': 0}`` is the unit disk in the plane ``z = 0``.

    With ``sample_surface=True`` the location *is* the surface
    :math:`\partial E`: :meth:`sample` draws points on it and :meth:`is_inside`
    tests :math:`q(x) = 1` (a closed surface has no border of its own, so
    ``check_border`` does not matter there).

    Args:
        ellipsoid_dict: Mapping from variable name to a range ``[a, b]`` (two
            finite reals, ``a < b``) or a fixed finite real. Its insertion order
            is the order of :attr:`variables` and of the sampled columns.
        sample_surface: ``False`` (default) for the solid ellipsoid, ``True``
            for its surface.

    Raises:
        TypeError: If ``ellipsoid_dict`` is not a mapping, a key is not a str, a
            value is neither a number nor a pair, or ``sample_surface`` is not
            a bool.
        ValueError: If a range is not increasing or not finite, or if
            ``sample_surface=True`` but no variable is ranged (a point has no
            surface).

    Example:
        >>> disk = EllipsoidDomain({'x': [-1, 1], 'y': [0, 4]})
        >>> disk.variables
        ['x', 'y']
        >>> EllipsoidDomain({'x': [-1, 1], 'y': [0, 4]}, sample_surface=True).sample(3).shape
        torch.Size([3, 2])
    """

    def __init__(
        self,
        ellipsoid_dict: Mapping[str, float | Sequence[float]],
        sample_surface: bool = False,
    ) -> None:
        self._bounds = parse_bounds(ellipsoid_dict, "ellipsoid_dict")
        if not isinstance(sample_surface, bool):
            raise ArgumentTypeError(
                f"sample_surface must be True or False; got {sample_surface!r}."
            )
        self._sample_surface = sample_surface
        ranges = list(self.range_.values())
        if sample_surface and not ranges:
            raise ValueError(
                f"sample_surface=True needs at least one ranged variable; ellipsoid_dict="
                f"{dict(ellipsoid_dict)!r} only fixes values (a point has no surface)."
            )
        # Centre and semi-axes of the ranged variables, in float64.
        bounds = torch.tensor(ranges, dtype=torch.float64).reshape(-1, 2)
        self._center = bounds.mean(dim=1)
        self._semi_axes = (bounds[:, 1] - bounds[:, 0]) / 2
        # Scale of the rounding error of q, max_i (|c_i| + r_i) / r_i: see is_inside.
        scales = (self._center.abs() + self._semi_axes) / self._semi_axes
        self._tol_scale = scales.max().item() if ranges else 0.0

    # ----------------------------------------------------------- description
    @property
    def sample_surface(self) -> bool:
        """Whether the location is the surface (``True``) or the solid ellipsoid."""
        return self._sample_surface

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._spec()!r}, sample_surface={self._sample_surface})"

    def _measure(self) -> float:
        r"""Volume :math:`\omega_k \prod_i r_i` of the solid, or area of the surface.

        Used to weight set operations. The surface area has no closed form; it
        is the integral over the unit sphere of the area Jacobian ``J`` (see
        :meth:`sample`): exact for ``k = 1`` (two points), a spectrally
        accurate quadrature for ``k = 2, 3``, and a Monte Carlo estimate
        (:math:`2^{20}` points, fixed seed, relative error about 0.1%) beyond.
        """
        k = len(self._semi_axes)
        if k == 0:
            return 1.0
        if not self._sample_surface:
            return unit_ball_volume(k) * torch.prod(self._semi_axes).item()
        return _surface_area(self._semi_axes)

    # --------------------------------------------------------------- sampling
    def sample(
        self,
        n: int,
        mode: str = "random",
        variables: str | Sequence[str] = "all",
        generator: torch.Generator | None = None,
    ) -> LabelTensor:
        r"""Draw ``n`` uniform points of the solid ellipsoid or of its surface.

        Points are drawn for the unit ball (or sphere) in float64, mapped by
        :math:`x = c + r \odot y` and cast to the default dtype.

        * Solid: :math:`y = U^{1/k}\, g / \lVert g\rVert` with :math:`g \sim
          \mathcal N(0, I_k)` and :math:`U \sim \mathcal U(0, 1)` is uniform in
          the unit ball (the direction is uniform on the sphere and
          :math:`P(\lVert y\rVert \le s) = s^k` is the volume fraction of the
          radius-:math:`s` ball). The linear map :math:`y \mapsto r \odot y`
          has a constant Jacobian :math:`\prod_i r_i`, so the image is uniform
          in the ellipsoid.
        * Surface: uniform with respect to **surface area** (the
          :math:`(k-1)`-dimensional Hausdorff measure; for ``k = 1`` the two
          end points, each with probability 1/2). A direction
          :math:`u = g / \lVert g\rVert` is uniform on the unit sphere, but its
          image :math:`r \odot u` is not uniform on the ellipsoid: by Nanson's
          formula the map stretches the area element by
          :math:`J(u) = \prod_i r_i \, \lVert u \oslash r\rVert`. Each
          direction is therefore kept with probability
          :math:`J(u) / \max J = \min_i r_i \, \lVert u \oslash r \rVert \in
          [\min r / \max r, 1]` (vectorised rejection in batches), which makes
          the accepted image points uniform in area.

        Fixed variables give constant columns.

        Args:
            n: Number of points, a positive int.
            mode: Only ``'random'``.
            variables: ``'all'``, one variable name or a list of them. The
                ranged variables are coupled by the ellipsoid equation, so
                they are sampled all together or not at all: a selection
                holding some ranged variables but not all is an error. Fixed
                variables may be left out freely.
            generator: Optional ``torch.Generator``; ``None`` uses torch's
                global generator. Points are created on its device.

        Returns:
            A ``LabelTensor`` of the default dtype and shape
            ``(n, len(sampled))``, labelled with the sampled variables in the
            order of :attr:`variables`.

        Raises:
            TypeError: If ``n``, ``mode``, ``variables`` or ``generator`` has a
                wrong type.
            ValueError: If ``n < 1``, ``mode`` is not ``'random'``, a variable
                is unknown, or ``variables`` splits the ranged variables.
        """
        n = _check_n_points(n)
        _check_mode(mode, _MODES)
        generator = _check_generator(generator)
        names = _resolve_variables(variables, self.variables)
        ranged = list(self.range_)
        chosen = [name for name in names if name in ranged]
        if chosen and len(chosen) < len(ranged):
            raise ValueError(
                f"variables={variables!r} selects {chosen!r} but not all of the ranged "
                f"variables {ranged!r} of the EllipsoidDomain, which are coupled by its "
                "equation; sample them together (variables='all')."
            )
        device = generator_device(generator)
        dtype = torch.get_default_dtype()
        columns: dict[str, torch.Tensor] = {}
        if chosen:
            unit = self._unit_points(n, generator, device)
            center = self._center.to(device)
            semi_axes = self._semi_axes.to(device)
            points = (center + semi_axes * unit).to(dtype)
            columns = dict(zip(ranged, points.unbind(-1)))
        for name, value in self.fixed_.items():
            if name in names:
                columns[name] = torch.full((n,), value, dtype=dtype, device=device)
        return LabelTensor(torch.stack([columns[name] for name in names], dim=-1), names)

    def _unit_points(
        self, n: int, generator: torch.Generator | None, device: torch.device
    ) -> torch.Tensor:
        """``n`` points of the unit ball (or, for the surface, of the sphere) in float64.

        The surface points are drawn so that their image by the semi-axes is
        uniform in area (see :meth:`sample`).
        """
        k = len(self._semi_axes)

        def directions(m: int) -> torch.Tensor:
            g = torch.randn(m, k, generator=generator, dtype=torch.float64, device=device)
            return g / torch.linalg.vector_norm(g, dim=-1, keepdim=True)

        if not self._sample_surface:
            radius = torch.rand(n, 1, generator=generator, dtype=torch.float64, device=device)
            return directions(n) * radius ** (1 / k)

        semi_axes = self._semi_axes.to(device)
        if k == 1 or bool((semi_axes == semi_axes[0]).all()):
            return directions(n)  # a sphere (or two points): the Jacobian is constant

        def draw(m: int) -> torch.Tensor:
            u = directions(m)
            keep_probability = semi_axes.min() * torch.linalg.vector_norm(u / semi_axes, dim=-1)
            uniform = torch.rand(m, generator=generator, dtype=torch.float64, device=device)
            return u[uniform < keep_probability]

        rate = (semi_axes.min() / semi_axes.max()).item()

        def never(drawn: int) -> Exception:  # the acceptance is at least min r / max r
            return ValueError(
                f"EllipsoidDomain surface sampling accepted no point among {drawn} draws: the "
                f"ratio of its smallest to largest semi-axis, {rate:.3g}, is too extreme."
            )

        return rejection_sample(draw, n, never, rate_hint=max(rate, 0.5))

    # ------------------------------------------------------------- membership
    def is_inside(
        self,
        point: LabelTensor | None = None,
        check_border: bool = False,
        *,
        points: LabelTensor | None = None,
    ) -> torch.Tensor:
        r"""Tell, for every row of ``point``, whether it lies in the ellipsoid (or on it).

        With :math:`q(x) = \sum_i ((x_i - c_i)/r_i)^2` computed in float64 and a
        tolerance :math:`\tau = 4\sqrt{k}\,\varepsilon \max_i (|c_i| + r_i)/r_i`
        (:math:`\varepsilon` the machine epsilon of ``points.dtype``: the
        rounding of a point stored in that dtype), the border is the band
        :math:`|q - 1| \le \tau`:

        * solid, ``check_border=True``: :math:`q \le 1 + \tau`;
        * solid, ``check_border=False``: :math:`q < 1 - \tau`;
        * surface (``sample_surface=True``), either way: :math:`|q - 1| \le \tau`.

        Fixed variables must equal their value within an absolute and relative
        tolerance of ``1e-6``, as in ``CartesianDomain``.

        Args:
            point: A ``LabelTensor`` of shape ``(n, k)`` whose labels include
                every variable of the domain; other columns are ignored.
            check_border: Whether the border of the solid counts as inside.
            points: Another name for ``point``, keyword only.

        Returns:
            A bool tensor of shape ``(n,)`` (``point.shape[:-1]`` in general).

        Raises:
            TypeError: If ``point`` is not a ``LabelTensor``, or both or neither
                of ``point`` and ``points`` are given.
            ValueError: If a variable of the domain is not among its labels.
        """
        points = _points_argument(point, points, self)
        points, inside = self._inside_fixed(points)
        ranged = list(self.range_)
        if not ranged:
            return inside
        x = points.extract(ranged).tensor.to(torch.float64)
        center = self._center.to(x.device)
        semi_axes = self._semi_axes.to(x.device)
        q = ((x - center) / semi_axes).pow(2).sum(dim=-1)
        tol = 4 * math.sqrt(len(ranged)) * float_eps(points.dtype) * self._tol_scale
        if self._sample_surface:
            inside &= (q - 1).abs() <= tol
        elif check_border:
            inside &= q <= 1 + tol
        else:
            inside &= q < 1 - tol
        return inside


def _surface_area(semi_axes: torch.Tensor) -> float:
    r"""Area of the ellipsoid surface with the given semi-axes (float64, shape ``(k,)``).

    It is :math:`\int_{S^{k-1}} J(u)\, d\sigma(u)` with
    :math:`J(u) = \prod_i r_i \lVert u \oslash r \rVert` (Nanson's formula).
    ``k = 2``: trapezoidal rule in the angle (spectral for a periodic analytic
    integrand); ``k = 3``: Gauss-Legendre in :math:`z = \cos\theta` times the
    trapezoidal rule in :math:`\varphi` (:math:`d\sigma = dz\,d\varphi`);
    ``k >= 4``: Monte Carlo with a private fixed-seed generator.
    """
    k = len(semi_axes)
    r = semi_axes.to(dtype=torch.float64, device="cpu")
    if k == 1:
        return 2.0
    prod = torch.prod(r).item()
    if k == 2:
        theta = torch.arange(4096, dtype=torch.float64) * (2 * math.pi / 4096)
        u = torch.stack([theta.cos(), theta.sin()], dim=-1)
        return prod * torch.linalg.vector_norm(u / r, dim=-1).mean().item() * 2 * math.pi
    if k == 3:
        nodes, weights = np.polynomial.legendre.leggauss(1024)
        z = torch.from_numpy(nodes)[:, None]
        w = torch.from_numpy(weights)[:, None]
        phi = (torch.arange(1024, dtype=torch.float64) * (2 * math.pi / 1024))[None, :]
        s = (1 - z**2).clamp_min(0)
        inner = s * (phi.cos() ** 2 / r[0] ** 2 + phi.sin() ** 2 / r[1] ** 2) + z**2 / r[2] ** 2
        return prod * (w * inner.sqrt()).sum().item() * (2 * math.pi / 1024)
    g = torch.randn(1 << 20, k, generator=estimate_generator(), dtype=torch.float64)
    u = g / torch.linalg.vector_norm(g, dim=-1, keepdim=True)
    mean_jacobian = prod * torch.linalg.vector_norm(u / r, dim=-1).mean().item()
    return unit_sphere_area(k) * mean_jacobian
