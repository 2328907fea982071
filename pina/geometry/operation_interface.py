r"""The base of set operations on geometries: :class:`OperationInterface`."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch

from pina._errors import ArgumentTypeError, UnsupportedValueError
from pina.geometry._measure import estimate_generator, measure
from pina.geometry._sampling import (
    check_joint_variables,
    generator_device,
    membership,
    rejection_sample,
    sample_member,
)
from pina.geometry.location import (
    Location,
    _check_generator,
    _check_mode,
    _check_n_points,
    _check_points,
)
from pina.label_tensor import LabelTensor

__all__ = ["OperationInterface"]

_MODES = ("random",)
# Candidates drawn to estimate the measure of an operation nested in another one.
_ESTIMATE_POINTS = 1 << 16


class OperationInterface(Location):
    r"""Base of the set operations (:class:`Union`, :class:`Intersection`, ...).

    An operation combines two or more geometries with the same variables
    into a new :class:`~pina.geometry.Location`. A subclass defines
    :meth:`is_inside` (the set, as a boolean combination of the members'
    answers); :meth:`sample` then works as is. The built-in operations also
    override private hooks choosing the proposal and the acceptance test, for
    speed.

    **Sampling** (vectorised rejection, in batches). A batch of candidates is
    drawn from a *proposal*: a mixture of the members, member :math:`i`
    chosen with probability :math:`w_i / \sum_j w_j`, then a uniform point of
    it (the member's own ``sample``). A candidate is kept by an *acceptance
    test* on the stacked memberships of all members (``is_inside(...,
    check_border=True)``, a candidate counting as inside the member that drew
    it). Batches are drawn, sized by the observed acceptance rate, until
    ``n`` points are kept; each batch's kept points are shuffled, so cutting
    the last batch does not favour a member. When the proposal weights are
    the members' measures (:math:`w_i = |A_i|`), a point :math:`x` is drawn
    from member :math:`i` with density :math:`(|A_i| / \sum_j |A_j|) / |A_i|
    = 1 / \sum_j |A_j|`, the same for every member: any acceptance rule that
    keeps exactly one of the members containing :math:`x` (for instance the
    *first* one) then gives points uniform in the result. The default rule,
    used for a user's subclass, is: keep :math:`x` drawn from member
    :math:`i` if it is in the result (``self.is_inside(x,
    check_border=True)``) and :math:`i` is the first member containing it.
    It is exact for any set contained in the union of the members, which all
    set operations are.

    The measures are exact for ``CartesianDomain``, ``EllipsoidDomain`` and
    ``SimplexDomain`` (volumes, or areas for surface samplers); for a nested
    operation they are Monte Carlo estimates (:math:`2^{16}` candidates, a
    private generator with a fixed seed), and for another ``Location`` an
    estimate from a bounding box of its samples. Members should be sets of
    the same dimension (all solids, or all surfaces): volumes of different
    dimensions cannot weight each other.

    Args:
        geometries: Two or more :class:`~pina.geometry.Location` with the same
            variables (in any order; the first geometry's order is used).

    Raises:
        TypeError: If ``geometries`` is not a list/tuple of ``Location``.
        ValueError: If it has fewer than two geometries, or their variables
            differ (the message names them).
    """

    def __init__(self, geometries: Sequence[Location]) -> None:
        operation = type(self).__name__
        if not isinstance(geometries, (list, tuple)):
            raise TypeError(
                f"geometries must be a list of Location (e.g. [CartesianDomain(...), "
                f"EllipsoidDomain(...)]); got {type(geometries).__name__}."
            )
        if len(geometries) < 2:
            raise ValueError(
                f"{operation} needs a list of two or more geometries; got {len(geometries)}."
            )
        for i, geometry in enumerate(geometries):
            if not isinstance(geometry, Location):
                raise ArgumentTypeError(
                    f"geometries[{i}] must be a Location (e.g. a CartesianDomain); got "
                    f"{type(geometry).__name__}."
                )
        first = geometries[0].variables
        for i, geometry in enumerate(geometries[1:], start=1):
            if sorted(geometry.variables) != sorted(first):
                raise UnsupportedValueError(
                    f"{operation} needs geometries with the same variables; geometries[0] "
                    f"({type(geometries[0]).__name__}) has {first!r} but geometries[{i}] "
                    f"({type(geometry).__name__}) has {geometry.variables!r}."
                )
        self._geometries = list(geometries)

    # ----------------------------------------------------------- description
    @property
    def geometries(self) -> list[Location]:
        """The geometries combined, in the order given (a new list)."""
        return list(self._geometries)

    @property
    def variables(self) -> list[str]:
        """The variables of the first geometry, in its order."""
        return self._geometries[0].variables

    @variables.setter
    def variables(self, names: str | Sequence[str]) -> None:
        raise AttributeError(
            f"{type(self).__name__}.variables follows its geometries and cannot be assigned."
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._geometries!r})"

    # -------------------------------------------------------------- membership
    def _memberships(
        self, points: LabelTensor, check_border: bool, members: range | None = None
    ) -> torch.Tensor:
        """The members' ``is_inside`` answers stacked: shape ``(len(members), *points.shape[:-1])``.

        Args:
            points: The points to test.
            check_border: Passed to every member.
            members: Indices of the members asked (default all of them).

        Raises:
            TypeError: If ``points`` is not a ``LabelTensor``, or a member's
                answer is not one bool per row.
            ValueError: If a variable is not among the labels of ``points``.
        """
        _check_points(points, self.variables, "variables")
        if members is None:
            members = range(len(self._geometries))
        return torch.stack(
            [
                membership(self._geometries[i], points, check_border, name=f"geometries[{i}]")
                for i in members
            ]
        )

    # ---------------------------------------------------------------- sampling
    def sample(
        self,
        n: int,
        mode: str = "random",
        variables: str | Sequence[str] = "all",
        generator: torch.Generator | None = None,
    ) -> LabelTensor:
        """Draw ``n`` points uniform in the result, by vectorised rejection.

        See the class docstring for the scheme and why it is uniform; each
        operation documents its proposal and acceptance test.

        Args:
            n: Number of points, a positive int (exactly ``n`` are returned).
            mode: Only ``'random'``.
            variables: ``'all'`` or the list of all the variables (in any
                order): a set operation samples its variables jointly.
            generator: Optional ``torch.Generator``, passed to the members'
                ``sample``; ``None`` uses torch's global generator.

        Returns:
            A ``LabelTensor`` of shape ``(n, d)`` labelled with :attr:`variables`.

        Raises:
            TypeError: If an argument has a wrong type, or a generator is given
                and a member's ``sample`` does not take one.
            ValueError: If ``n < 1``, ``mode`` is not ``'random'``,
                ``variables`` leaves a variable out, a member's measure cannot
                be found, or the result looks empty (no candidate accepted
                among :math:`2^{22}`).
        """
        n = _check_n_points(n)
        _check_mode(mode, _MODES)
        generator = _check_generator(generator)
        check_joint_variables(variables, self.variables, type(self).__name__)
        weights = self._proposal_weights()

        def draw(m: int) -> torch.Tensor:
            return self._draw(m, weights, generator, strict=True)

        points = rejection_sample(draw, n, self._empty_error(weights))
        return LabelTensor(points, self.variables)

    def _draw(
        self,
        m: int,
        weights: list[float],
        generator: torch.Generator | None,
        strict: bool,
    ) -> torch.Tensor:
        """Draw ``m`` candidates from the proposal and return the accepted ones, shuffled."""
        k = len(self._geometries)
        variables = self.variables
        probabilities = torch.tensor(
            weights, dtype=torch.float64, device=generator_device(generator)
        )
        source = torch.multinomial(probabilities, m, replacement=True, generator=generator)
        counts = torch.bincount(source, minlength=k).tolist()
        parts = [
            sample_member(g, c, variables, generator, name=f"geometries[{i}]", strict=strict)
            for i, (g, c) in enumerate(zip(self._geometries, counts))
            if c > 0
        ]
        candidates = torch.cat([p.to(parts[0].dtype) for p in parts])
        device = candidates.device
        source = torch.repeat_interleave(
            torch.arange(k, device=device), torch.tensor(counts, device=device)
        )
        labelled = LabelTensor(candidates, variables)
        rows = []
        for i, (g, c) in enumerate(zip(self._geometries, counts)):
            if c == m:  # every candidate comes from this member: it contains them all
                rows.append(torch.ones(m, dtype=torch.bool, device=device))
            else:
                inside = membership(g, labelled, True, name=f"geometries[{i}]")
                rows.append(inside | (source == i))
        keep = self._accept(labelled, torch.stack(rows), source)
        accepted = candidates[keep]
        order = torch.randperm(accepted.shape[0], generator=generator, device=device)
        return accepted[order]

    def _proposal_weights(self) -> list[float]:
        """Relative weights of the members in the proposal: their measures by default."""
        return [measure(g, f"geometries[{i}]") for i, g in enumerate(self._geometries)]

    def _proposal_mass(self, weights: list[float]) -> float:
        """Total measure of the proposal mixture (the sum of the measures by default)."""
        return sum(weights)

    def _accept(
        self, candidates: LabelTensor, inside: torch.Tensor, source: torch.Tensor
    ) -> torch.Tensor:
        """Acceptance test of the candidates: a ``(m,)`` bool tensor.

        Args:
            candidates: The candidates, shape ``(m, d)``.
            inside: ``(n_geometries, m)`` closed memberships (``True`` for the
                member that drew the candidate).
            source: ``(m,)`` index of the member that drew each candidate.

        The default keeps a candidate in the result whose source is the first
        member containing it (exact with measure weights; see the class
        docstring).
        """
        return (_first_member(inside) == source) & self.is_inside(candidates, check_border=True)

    def _empty_error(self, weights: list[float]) -> Callable[[int], Exception]:
        """The error raised when rejection sampling accepted no candidate at all."""
        sources = ", ".join(
            f"geometries[{i}] ({type(g).__name__})"
            for i, (g, w) in enumerate(zip(self._geometries, weights))
            if w > 0
        )
        operation = type(self).__name__

        def empty(drawn: int) -> Exception:
            return ValueError(
                f"{operation} looks empty: none of the {drawn} candidates drawn from "
                f"{sources} was accepted. Check that the geometries overlap as the operation "
                "needs; a set of zero volume (such as the intersection of two surfaces) cannot "
                "be sampled by rejection."
            )

        return empty

    def _measure(self) -> float:
        r"""Monte Carlo estimate of the measure of the result.

        :math:`|R| \approx \text{(proposal mass)} \times \text{(acceptance
        fraction)}` over :math:`2^{16}` candidates drawn with a private
        fixed-seed generator (members whose ``sample`` takes no generator use
        torch's global one). Weights this operation inside another one.
        """
        weights = self._proposal_weights()
        accepted = self._draw(_ESTIMATE_POINTS, weights, estimate_generator(), strict=False)
        return self._proposal_mass(weights) * accepted.shape[0] / _ESTIMATE_POINTS


def _first_member(inside: torch.Tensor) -> torch.Tensor:
    """Index of the first ``True`` along dim 0 of a ``(k, m)`` bool tensor (``k`` if none)."""
    k = inside.shape[0]
    ranks = torch.arange(k, 0, -1, device=inside.device)[:, None]
    first = (inside * ranks).argmax(dim=0)
    return torch.where(inside.any(dim=0), first, k)
