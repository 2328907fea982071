r"""Proper orthogonal decomposition as a layer: :class:`PODBlock`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
from torch import Tensor, nn

from .._validation import _check_int

__all__ = ["PODBlock"]

_BUFFERS = ("_basis", "_coefficient_mean", "_coefficient_std")


class PODBlock(nn.Module):
    r"""Project fields onto their proper orthogonal decomposition (POD) basis.

    The layer is fitted, not trained: :meth:`fit` takes :math:`n` snapshots
    :math:`X \in \mathbb{R}^{n \times d}` (one field of :math:`d` values per
    row) and computes the thin singular value decomposition

    .. math::

        X = U \Sigma V^\top, \qquad V \in \mathbb{R}^{d \times k},\quad
        k = \min(n, d),

    keeping the :math:`k` right singular vectors (the POD modes, ordered by
    decreasing singular value) as the rows of ``_basis``. With rank
    :math:`r`, the basis is :math:`\Phi = V_{:, 1:r}^\top \in \mathbb{R}^{r
    \times d}` (orthonormal rows, :math:`\Phi \Phi^\top = I_r`) and

    .. math::

        \mathrm{reduce}(x) = \frac{\Phi x - \mu}{s}, \qquad
        \mathrm{expand}(c) = \Phi^\top (s \odot c + \mu),

    where :math:`\mu, s \in \mathbb{R}^r` are the mean and (unbiased) standard
    deviation of the coefficients :math:`\Phi x_j` of the fitted snapshots
    when ``scale_coefficients`` is True, and :math:`\mu = 0, s = 1`
    otherwise. So :math:`\mathrm{expand}(\mathrm{reduce}(x)) = \Phi^\top\Phi
    x` is the orthogonal projection of :math:`x` onto the span of the first
    :math:`r` modes, and it equals :math:`x` for data of rank :math:`\le r`
    spanned by the snapshots. As in PINA 0.1 the snapshots are not centred
    before the decomposition.

    All :math:`k` modes are kept, so :attr:`rank` may be changed after
    fitting without fitting again. The basis and the coefficient statistics
    are buffers: they are saved in ``state_dict`` (and load into an unfitted
    ``PODBlock``) and move with ``.to()``/``.double()``.

    Attributes:
        basis (Tensor | None): The first ``rank`` modes, ``(rank, d)``.
        scaler (dict | None): ``{'mean': (rank,), 'std': (rank,)}``, the
            statistics of the first ``rank`` coefficients.
        _basis (Tensor | None): All :math:`k` modes as rows, ``(k, d)``.
        _scaler (dict | None): ``{'std': (k,), 'mean': (k,)}``, the statistics
            of all :math:`k` coefficients (``None`` when
            ``scale_coefficients`` is False).

        Each is ``None`` before :meth:`fit`.

    Args:
        rank: Number :math:`r \ge 1` of modes to use.
        scale_coefficients: Whether to scale the coefficients to zero mean and
            unit variance over the fitted snapshots.

    Raises:
        TypeError: If ``rank`` is not an int or ``scale_coefficients`` not a bool.
        ValueError: If ``rank`` is below 1.

    Example:
        >>> pod = PODBlock(rank=2)
        >>> pod.fit(torch.rand(10, 50))
        >>> pod.reduce(torch.rand(4, 50)).shape
        torch.Size([4, 2])
    """

    _basis: Tensor | None
    _coefficient_mean: Tensor | None
    _coefficient_std: Tensor | None

    def __init__(self, rank: int, scale_coefficients: bool = True) -> None:
        super().__init__()
        if not isinstance(scale_coefficients, bool):
            raise TypeError(
                f"scale_coefficients must be True or False; got {scale_coefficients!r}."
            )
        self._rank = _check_int(rank, "rank")
        self.__scale_coefficients = scale_coefficients
        for name in _BUFFERS:
            self.register_buffer(name, None)

    # ------------------------------------------------------------------ properties
    @property
    def rank(self) -> int:
        """The number :math:`r` of modes used by :meth:`reduce` and :meth:`expand`.

        Raises:
            TypeError: When set to a non-int.
            ValueError: When set below 1, or above the number of modes of a
                fitted layer.
        """
        return self._rank

    @rank.setter
    def rank(self, value: int) -> None:
        value = _check_int(value, "rank")
        if self._basis is not None and value > self._basis.shape[0]:
            raise ValueError(self._too_large(value, self._basis.shape[0]))
        self._rank = value

    @property
    def scale_coefficients(self) -> bool:
        """Whether the coefficients are scaled to zero mean and unit variance."""
        return self.__scale_coefficients

    @property
    def basis(self) -> Tensor | None:
        """The first :attr:`rank` POD modes as rows, shape ``(rank, d)``; ``None`` if not fitted."""
        if self._basis is None:
            return None
        return self._basis[: self._rank]

    @property
    def scaler(self) -> dict[str, Tensor] | None:
        r"""The coefficient statistics ``{'mean': (rank,), 'std': (rank,)}``.

        ``None`` before :meth:`fit` or when ``scale_coefficients`` is False.
        """
        full = self._scaler
        if not self.__scale_coefficients or full is None:
            return None
        return {"mean": full["mean"][: self._rank], "std": full["std"][: self._rank]}

    @property
    def _scaler(self) -> dict[str, Tensor] | None:
        r"""The statistics of all :math:`k` coefficients, ``{'std': (k,), 'mean': (k,)}``.

        ``None`` before :meth:`fit` or when ``scale_coefficients`` is False.
        :attr:`scaler` is its truncation to :attr:`rank`. Setting it to
        ``None`` or to a dict with tensors ``'mean'`` and ``'std'`` of shape
        ``(k,)`` replaces the statistics.
        """
        if self._coefficient_mean is None or self._coefficient_std is None:
            return None
        return {"std": self._coefficient_std, "mean": self._coefficient_mean}

    @_scaler.setter
    def _scaler(self, value: Mapping[str, Tensor] | None) -> None:
        if value is None:
            self._coefficient_mean = None
            self._coefficient_std = None
            return
        if not isinstance(value, Mapping) or not {"mean", "std"} <= set(value):
            raise TypeError(
                f"_scaler must be None or a dict {{'std': Tensor, 'mean': Tensor}}; got {value!r}."
            )
        mean, std = value["mean"], value["std"]
        if not (isinstance(mean, Tensor) and isinstance(std, Tensor)):
            raise TypeError(
                f"_scaler['mean'] and _scaler['std'] must be tensors; got {_describe(mean)} "
                f"and {_describe(std)}."
            )
        n_modes = None if self._basis is None else self._basis.shape[0]
        for name, stat in (("mean", mean), ("std", std)):
            if stat.ndim != 1 or (n_modes is not None and stat.shape[0] != n_modes):
                expected = "(k,)" if n_modes is None else f"({n_modes},), one per mode"
                raise ValueError(
                    f"_scaler[{name!r}] must have shape {expected}; got {tuple(stat.shape)}."
                )
        self._coefficient_mean = mean
        self._coefficient_std = std

    # ------------------------------------------------------------------ fitting
    def fit(self, X: Tensor) -> None:  # noqa: N803 (PINA 0.1 name)
        """Compute the POD basis (and the coefficient statistics) of snapshots ``X``.

        The decomposition is computed without gradients (the layer is not
        trainable) in the dtype and on the device of ``X``.

        Args:
            X: Snapshots of shape ``(n, d)``, one field per row.

        Raises:
            TypeError: If ``X`` is not a floating-point tensor.
            ValueError: If ``X`` is not 2-D, ``rank`` exceeds ``min(n, d)``, or
                ``scale_coefficients`` is True and there is a single snapshot
                (no standard deviation).
        """
        if not isinstance(X, Tensor) or not X.is_floating_point():
            raise TypeError(
                f"X must be a floating-point torch.Tensor of shape (n_snapshots, n_features); "
                f"got {_describe(X)}."
            )
        if X.ndim != 2:
            raise ValueError(
                f"X must have shape (n_snapshots, n_features); got shape {tuple(X.shape)}."
            )
        n_snapshots, n_features = X.shape
        n_modes = min(n_snapshots, n_features)
        if self._rank > n_modes:
            raise ValueError(
                self._too_large(self._rank, n_modes)
                + f" (X has n_snapshots={n_snapshots}, n_features={n_features})"
            )
        if self.__scale_coefficients and n_snapshots < 2:
            raise ValueError(
                "scale_coefficients=True needs at least 2 snapshots to estimate the standard "
                f"deviation of the coefficients; got X of shape {tuple(X.shape)}."
            )
        with torch.no_grad():
            data = X.detach().as_subclass(Tensor)
            modes = torch.linalg.svd(data, full_matrices=False).Vh  # (k, d)
            self._basis = modes.contiguous()
            if self.__scale_coefficients:
                coefficients = data @ modes.T  # (n, k)
                std = coefficients.std(dim=0)
                # A coefficient that is the same for every snapshot has no spread to remove.
                self._coefficient_std = torch.where(std > 0, std, torch.ones_like(std))
                self._coefficient_mean = coefficients.mean(dim=0)
            else:
                self._coefficient_std = None
                self._coefficient_mean = None

    # ------------------------------------------------------------------ projection
    def forward(self, X: Tensor) -> Tensor:  # noqa: N803 (PINA 0.1 name)
        """Reduce ``X`` to its POD coefficients; the same as :meth:`reduce`."""
        return self.reduce(X)

    def reduce(self, X: Tensor) -> Tensor:  # noqa: N803 (PINA 0.1 name)
        r"""Project fields onto the first :attr:`rank` modes.

        Args:
            X: Fields of shape ``(*, d)``; a single field of shape ``(d,)``
                gives a row ``(1, rank)``, as in PINA 0.1.

        Returns:
            The (scaled) coefficients :math:`(\Phi x - \mu) / s`, shape ``(*, rank)``.

        Raises:
            RuntimeError: If the layer has not been fitted.
            ValueError: If the last dimension of ``X`` is not ``d``.
        """
        basis = self._fitted_basis()
        if X.shape[-1] != basis.shape[1]:
            raise ValueError(
                f"X must have shape (*, {basis.shape[1]}) (the number of features the layer "
                f"was fitted on); got shape {tuple(X.shape)}."
            )
        coefficients = X @ basis.T
        if coefficients.ndim == 1:
            coefficients = coefficients.unsqueeze(0)
        scaler = self.scaler
        if scaler is not None:
            coefficients = (coefficients - scaler["mean"]) / scaler["std"]
        return coefficients

    def expand(self, coeff: Tensor) -> Tensor:
        r"""Map coefficients back to fields.

        Args:
            coeff: Coefficients of shape ``(*, rank)`` as returned by
                :meth:`reduce`; a single vector ``(rank,)`` gives a row ``(1, d)``.

        Returns:
            The fields :math:`\Phi^\top (s \odot c + \mu)`, shape ``(*, d)``.

        Raises:
            RuntimeError: If the layer has not been fitted.
            ValueError: If the last dimension of ``coeff`` is not ``rank``.
        """
        basis = self._fitted_basis()
        if coeff.shape[-1] != self._rank:
            raise ValueError(
                f"coeff must have shape (*, rank={self._rank}); got shape {tuple(coeff.shape)}."
            )
        scaler = self.scaler
        if scaler is not None:
            coeff = coeff * scaler["std"] + scaler["mean"]
        fields = coeff @ basis
        if fields.ndim == 1:
            fields = fields.unsqueeze(0)
        return fields

    # ------------------------------------------------------------------ helpers
    def _fitted_basis(self) -> Tensor:
        basis = self.basis
        if basis is None:
            raise RuntimeError(
                "PODBlock is not fitted; call fit(X) with snapshots X of shape "
                "(n_snapshots, n_features) first."
            )
        return basis

    @staticmethod
    def _too_large(rank: int, n_modes: int) -> str:
        return (
            f"rank={rank} is larger than the number of POD modes available, "
            f"min(n_snapshots, n_features) = {n_modes}; choose rank <= {n_modes}"
        )

    def _load_from_state_dict(
        self,
        state_dict: Mapping[str, Any],
        prefix: str,
        local_metadata: dict[str, Any],
        strict: bool,
        missing_keys: list[str],
        unexpected_keys: list[str],
        error_msgs: list[str],
    ) -> None:
        # Buffers that are None (unfitted layer) or of another shape are
        # replaced by the saved ones, so a fitted state loads into any PODBlock
        # with the same ``scale_coefficients``.
        used = _BUFFERS if self.__scale_coefficients else _BUFFERS[:1]
        if prefix + "_basis" in state_dict:
            missing_keys.extend(
                prefix + name
                for name in used
                if prefix + name not in state_dict and getattr(self, name) is None
            )
        for name in used:
            saved = state_dict.get(prefix + name)
            current = getattr(self, name)
            if isinstance(saved, Tensor) and (current is None or current.shape != saved.shape):
                like = saved if current is None else current
                setattr(self, name, torch.empty(saved.shape, dtype=like.dtype, device=like.device))
        if (
            self._basis is not None
            and prefix + "_basis" in state_dict
            and self._rank > self._basis.shape[0]
        ):
            error_msgs.append(self._too_large(self._rank, self._basis.shape[0]) + ".")
        super()._load_from_state_dict(
            state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs
        )


def _describe(value: object) -> str:
    if isinstance(value, Tensor):
        return f"a tensor of dtype {value.dtype}"
    return f"{value!r} of type {type(value).__name__}"
