r"""Simplices (triangles, tetrahedra, ...), solid or their boundary: :class:`SimplexDomain`."""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch

from pina._errors import ArgumentTypeError
from pina.geometry._sampling import check_joint_variables, float_eps, generator_device
from pina.geometry.location import (
    Location,
    _check_generator,
    _check_mode,
    _check_n_points,
    _check_points,
    _points_argument,
)
from pina.label_tensor import LabelTensor

__all__ = ["SimplexDomain"]

_MODES = ("random",)
# Smallest ratio of extreme singular values of the edge matrix of a valid simplex.
_DEGENERACY_RATIO = 1e-10


class SimplexDomain(Location):
    r"""The simplex spanned by :math:`d + 1` vertices of :math:`\mathbb{R}^d`, or its boundary.

    A point :math:`x` has barycentric coordinates :math:`\lambda \in
    \mathbb{R}^{d+1}`, :math:`x = \sum_j \lambda_j v_j`, :math:`\sum_j \lambda_j
    = 1`; the simplex is :math:`\{\lambda_j \ge 0 \ \forall j\}` and its
    boundary the union of the :math:`d + 1` facets :math:`F_j = \{\lambda_j =
    0\}` (facet :math:`F_j` is opposite vertex :math:`v_j`).

    With ``sample_surface=True`` the location *is* the boundary: :meth:`sample`
    draws points on the facets and :meth:`is_inside` tests membership of the
    boundary (a closed surface has no border of its own, so ``check_border``
    does not matter there).

    Args:
        simplex_matrix: The :math:`d + 1` vertices, a list (or tuple) of
            ``LabelTensor`` of shape ``(1, d)`` carrying the same labels; the
            labels of the first vertex give :attr:`variables` and the column
            order (the other vertices may list them in another order). Integer
            tensors are accepted.
        sample_surface: ``False`` (default) for the solid simplex, ``True`` for
            its boundary.

    Raises:
        TypeError: If ``simplex_matrix`` is not a list/tuple of ``LabelTensor``
            or ``sample_surface`` is not a bool.
        ValueError: If a vertex does not have shape ``(1, d)``, the labels of
            the vertices differ, there are not :math:`d + 1` vertices, a
            coordinate is not finite, or the simplex is degenerate (its
            vertices lie in a hyperplane, so it has no volume).

    Example:
        >>> triangle = SimplexDomain([
        ...     LabelTensor(torch.tensor([[0.0, 0.0]]), ['x', 'y']),
        ...     LabelTensor(torch.tensor([[1.0, 0.0]]), ['x', 'y']),
        ...     LabelTensor(torch.tensor([[0.0, 1.0]]), ['x', 'y']),
        ... ])
        >>> triangle.sample(5).shape
        torch.Size([5, 2])
    """

    def __init__(self, simplex_matrix: Sequence[LabelTensor], sample_surface: bool = False) -> None:
        if not isinstance(simplex_matrix, (list, tuple)):
            raise ArgumentTypeError(
                "simplex_matrix must be a list of LabelTensor vertices of shape (1, d); "
                f"got {type(simplex_matrix).__name__}."
            )
        if not isinstance(sample_surface, bool):
            raise ArgumentTypeError(
                f"sample_surface must be True or False; got {sample_surface!r}."
            )
        if len(simplex_matrix) == 0:
            raise ValueError("simplex_matrix is empty; give the d + 1 vertices of a simplex.")
        for i, vertex in enumerate(simplex_matrix):
            if not isinstance(vertex, LabelTensor):
                raise ArgumentTypeError(
                    f"simplex_matrix[{i}] must be a LabelTensor of shape (1, d); "
                    f"got {type(vertex).__name__}."
                )
        labels = simplex_matrix[0].labels
        for i, vertex in enumerate(simplex_matrix):
            if sorted(vertex.labels) != sorted(labels):
                raise ValueError(
                    f"simplex_matrix[{i}] has labels {vertex.labels!r} but simplex_matrix[0] "
                    f"has {labels!r}; every vertex must carry the same labels."
                )
            if tuple(vertex.shape) != (1, len(labels)):
                raise ValueError(
                    f"simplex_matrix[{i}] has shape {tuple(vertex.shape)}; each vertex must "
                    f"have shape (1, {len(labels)}), one row with the coordinates {labels!r}."
                )
        dim = len(labels)
        if len(simplex_matrix) != dim + 1:
            raise ValueError(
                f"simplex_matrix has {len(simplex_matrix)} vertices; a simplex in the "
                f"{dim} variables {labels!r} needs exactly {dim + 1}."
            )
        vertices = torch.cat(
            [v.extract(labels).tensor.detach().to("cpu", torch.float64) for v in simplex_matrix]
        )
        if not torch.isfinite(vertices).all():
            raise ValueError(f"simplex_matrix has non-finite coordinates: {vertices.tolist()!r}.")
        edges = vertices[:-1] - vertices[-1]
        singular = torch.linalg.svdvals(edges)
        if singular.max() == 0 or singular.min() <= _DEGENERACY_RATIO * singular.max():
            raise ValueError(
                f"simplex_matrix is degenerate: the vertices {vertices.tolist()!r} lie in a "
                f"hyperplane of the {dim}-dimensional space, so the simplex has no volume; "
                "give affinely independent vertices."
            )
        self._labels = list(labels)
        self._sample_surface = sample_surface
        self._vertices = vertices  # (d + 1, d), float64
        # Barycentric coordinates: lambda[:d] = (x - v_d) @ inverse, lambda_d = 1 - sum.
        self._inverse = torch.linalg.inv(edges)
        self._volume = abs(torch.linalg.det(edges).item()) / math.factorial(dim)
        self._facet_volumes = torch.tensor(
            [_facet_volume(torch.cat([vertices[:j], vertices[j + 1 :]])) for j in range(dim + 1)],
            dtype=torch.float64,
        )
        # Error of lambda from rounding x by eps relative: eps * max|x| * sum|inverse|.
        self._tol_factor = vertices.abs().max().item() * self._inverse.abs().sum().item() + 1

    # ----------------------------------------------------------- description
    @property
    def variables(self) -> list[str]:
        """The labels of the vertices, in the order of the first vertex."""
        return list(self._labels)

    @variables.setter
    def variables(self, names: str | Sequence[str]) -> None:
        raise AttributeError(
            "SimplexDomain.variables follows the labels of its vertices and cannot be "
            "assigned; build a new SimplexDomain instead."
        )

    @property
    def sample_surface(self) -> bool:
        """Whether the location is the boundary (``True``) or the solid simplex."""
        return self._sample_surface

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(vertices={self._vertices.tolist()!r}, "
            f"variables={self._labels!r}, sample_surface={self._sample_surface})"
        )

    def _measure(self) -> float:
        r"""Volume :math:`|\det(v_j - v_d)_{j<d}| / d!`, or the sum of the facet volumes.

        A facet with edge matrix :math:`F` (shape :math:`(d-1) \times d`) has
        :math:`(d-1)`-volume :math:`\sqrt{\det F F^\top} / (d-1)!`. Used to
        weight set operations.
        """
        return self._facet_volumes.sum().item() if self._sample_surface else self._volume

    # --------------------------------------------------------------- sampling
    def sample(
        self,
        n: int,
        mode: str = "random",
        variables: str | Sequence[str] = "all",
        generator: torch.Generator | None = None,
    ) -> LabelTensor:
        r"""Draw ``n`` uniform points of the simplex or of its boundary.

        * Solid: barycentric weights :math:`\lambda = E / \sum_j E_j` with
          :math:`E_j` i.i.d. exponential follow the flat Dirichlet law
          :math:`\mathrm{Dir}(1, \dots, 1)`, uniform on the standard simplex;
          :math:`\lambda \mapsto \sum_j \lambda_j v_j` is affine with a
          constant Jacobian, so the points are uniform in the simplex.
        * Boundary: uniform with respect to the :math:`(d-1)`-dimensional
          volume. Facet :math:`F_j` is chosen with probability proportional to
          its :math:`(d-1)`-volume, then a flat Dirichlet point of its
          :math:`d` vertices is taken (:math:`E_j` set to zero), uniform on
          that facet. For ``d = 1`` the facets are the two end points, each
          with probability 1/2.

        Args:
            n: Number of points, a positive int.
            mode: Only ``'random'``.
            variables: ``'all'`` or the list of all the variables (in any
                order): the coordinates of a simplex are coupled, so a subset
                cannot be sampled.
            generator: Optional ``torch.Generator``; ``None`` uses torch's
                global generator. Points are created on its device.

        Returns:
            A ``LabelTensor`` of the default dtype and shape ``(n, d)``,
            labelled with :attr:`variables`.

        Raises:
            TypeError: If ``n``, ``mode``, ``variables`` or ``generator`` has a
                wrong type.
            ValueError: If ``n < 1``, ``mode`` is not ``'random'``, or
                ``variables`` names an unknown variable or leaves one out.
        """
        n = _check_n_points(n)
        _check_mode(mode, _MODES)
        generator = _check_generator(generator)
        names = check_joint_variables(variables, self._labels, "SimplexDomain")
        device = generator_device(generator)
        vertices = self._vertices.to(device)
        k = vertices.shape[0]
        weights = torch.empty(n, k, dtype=torch.float64, device=device)
        weights.exponential_(generator=generator)
        if self._sample_surface:
            facet = torch.multinomial(
                self._facet_volumes.to(device), n, replacement=True, generator=generator
            )
            weights[torch.arange(n, device=device), facet] = 0
        weights /= weights.sum(dim=-1, keepdim=True)
        points = (weights @ vertices).to(torch.get_default_dtype())
        return LabelTensor(points, names)

    # ------------------------------------------------------------- membership
    def is_inside(
        self,
        point: LabelTensor | None = None,
        check_border: bool = False,
        *,
        points: LabelTensor | None = None,
    ) -> torch.Tensor:
        r"""Tell, for every row of ``point``, whether it lies in the simplex (or on its boundary).

        The barycentric coordinates :math:`\lambda` are computed in float64 for
        all rows at once. With the tolerance :math:`\tau = 8\varepsilon(1 +
        \max|v| \sum|E^{-1}|)` (:math:`\varepsilon` the machine epsilon of
        ``points.dtype``, :math:`E` the edge matrix: the effect of rounding a
        point to that dtype) the tests are:

        * solid, ``check_border=True``: :math:`\min_j \lambda_j \ge -\tau`;
        * solid, ``check_border=False``: :math:`\min_j \lambda_j > \tau`;
        * boundary (``sample_surface=True``), either way:
          :math:`|\min_j \lambda_j| \le \tau`.

        Args:
            point: A ``LabelTensor`` of shape ``(n, k)`` whose labels include
                every variable of the simplex; other columns are ignored.
            check_border: Whether the border of the solid counts as inside.
            points: Another name for ``point``, keyword only.

        Returns:
            A bool tensor of shape ``(n,)`` (``point.shape[:-1]`` in general).

        Raises:
            TypeError: If ``point`` is not a ``LabelTensor``, or both or neither
                of ``point`` and ``points`` are given.
            ValueError: If a variable of the simplex is not among its labels.
        """
        points = _points_argument(point, points, self)
        _check_points(points, self._labels, "simplex variables")
        data = points.extract(self._labels).tensor
        x = data.to(torch.float64)
        vertices = self._vertices.to(x.device)
        partial = (x - vertices[-1]) @ self._inverse.to(x.device)
        lowest = torch.minimum(partial.min(dim=-1).values, 1 - partial.sum(dim=-1))
        tol = 8 * float_eps(data.dtype) * self._tol_factor
        if self._sample_surface:
            return lowest.abs() <= tol
        return lowest >= -tol if check_border else lowest > tol


def _facet_volume(facet: torch.Tensor) -> float:
    r"""The :math:`(m-1)`-volume of the simplex with the :math:`m` vertices ``facet`` (rows).

    :math:`\sqrt{\det(F F^\top)} / (m-1)!` with :math:`F` the edges from the
    first vertex (Gram determinant); a single vertex has volume 1 (counting
    measure).
    """
    edges = facet[1:] - facet[0]
    gram = edges @ edges.T
    return math.sqrt(max(torch.linalg.det(gram).item(), 0.0)) / math.factorial(len(edges))
