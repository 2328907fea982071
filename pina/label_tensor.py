"""LabelTensor: a ``torch.Tensor`` whose last dimension carries string labels."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import torch
from torch import Tensor

from pina._errors import ArgumentRuntimeError

__all__ = ["LabelTensor"]

LabelsLike = str | Sequence[str]


def _as_label_list(labels: LabelsLike, argument: str = "labels") -> list[str]:
    """Return ``labels`` as a list of str, with a clear error otherwise."""
    if isinstance(labels, str):
        return [labels]
    if isinstance(labels, (list, tuple)) and all(isinstance(lab, str) for lab in labels):
        return list(labels)
    raise TypeError(f"{argument} must be a str or a list of str; got {labels!r}.")


class LabelTensor(torch.Tensor):
    r"""A tensor whose last dimension is labelled with unique names.

    A ``LabelTensor`` of shape ``(..., k)`` carries ``k`` labels, one per column
    of its last dimension. It shares memory and the autograd graph with the
    tensor it was built from (no copy).

    Only the operations that keep the meaning of the columns keep the labels:
    :meth:`extract`, indexing, :meth:`select` of a row dimension,
    :meth:`append`, :meth:`vstack`, ``clone``, ``detach``, ``to``, ``cpu``,
    ``cuda``, ``requires_grad_`` and copies. Every other torch operation
    returns a plain :class:`torch.Tensor`, so a ``LabelTensor`` always has
    valid labels: label a result explicitly,
    ``LabelTensor(torch.pow(t, 2), ['u1', 'u2'])``.

    Args:
        x: Data of shape ``(..., k)``; a 1-D tensor of shape ``(n,)`` becomes a
            column ``(n, 1)``.
        labels: ``k`` unique labels, or one str when ``k == 1``.

    Raises:
        ValueError: If the number of labels is not ``x.shape[-1]`` or labels repeat.
        TypeError: If ``labels`` is not a str or a list of str.

    Example:
        >>> t = LabelTensor(torch.rand(10, 3), ['x', 'y', 't'])
        >>> t.extract(['t', 'x']).labels
        ['t', 'x']
    """

    _labels: list[str]

    @staticmethod
    def __new__(cls, x: Tensor, labels: LabelsLike, *args: Any, **kwargs: Any) -> LabelTensor:
        if not isinstance(x, Tensor):
            raise TypeError(f"x must be a torch.Tensor; got {type(x).__name__}.")
        if x.ndim == 1:
            x = x.unsqueeze(-1)
        return x.as_subclass(cls)

    def __init__(self, x: Tensor, labels: LabelsLike) -> None:
        self.labels = labels

    @classmethod
    def _from(cls, x: Tensor, labels: list[str]) -> LabelTensor:
        """Wrap ``x`` with trusted ``labels`` (no checks: internal fast path)."""
        out: LabelTensor = x.as_subclass(cls)
        out._labels = labels
        return out

    @classmethod
    def __torch_function__(
        cls,
        func: Callable[..., Any],
        types: Iterable[type],
        args: Sequence[Any] = (),
        kwargs: dict[str, Any] | None = None,
    ) -> Any:
        # Any torch operation returns plain tensors: labels would be meaningless
        # after an arbitrary operation. Methods that keep labels are written out.
        with torch._C.DisableTorchFunctionSubclass():
            return func(*args, **(kwargs or {}))

    # ------------------------------------------------------------------ labels
    @property
    def labels(self) -> list[str]:
        """The labels of the last dimension, a list of ``self.shape[-1]`` str.

        A new list each time: editing it does not change the tensor (assign
        ``t.labels = [...]`` to rename the columns).
        """
        return list(self._labels)

    @labels.setter
    def labels(self, labels: LabelsLike) -> None:
        labels = _as_label_list(labels)
        if len(labels) != self.shape[-1]:
            raise ValueError(
                f"labels={labels!r} has {len(labels)} entries but the tensor has "
                f"{self.shape[-1]} columns (shape {tuple(self.shape)}); give one label per column."
            )
        if len(set(labels)) != len(labels):
            raise ValueError(f"labels={labels!r} must be unique.")
        self._labels = labels

    @property
    def tensor(self) -> Tensor:
        """The data as a plain :class:`torch.Tensor` (a view, same graph)."""
        return self.as_subclass(Tensor)

    def _label_indices(
        self, names: LabelsLike, argument: str = "labels", error: type[ValueError] = ValueError
    ) -> list[int]:
        """Column indices of ``names``, with a clear error (of type ``error``) for unknown names."""
        names = _as_label_list(names, argument)
        labels = self._labels
        try:
            return [labels.index(name) for name in names]
        except ValueError:
            unknown = [name for name in names if name not in labels]
            raise error(
                f"{argument}={names!r}: {unknown!r} not found; available labels are {labels!r}."
            ) from None

    # --------------------------------------------------------------- selection
    def extract(self, label_to_extract: LabelsLike) -> LabelTensor:
        """Return the columns named in ``label_to_extract``, in that order.

        Args:
            label_to_extract: A label or a list/tuple of labels.

        Returns:
            A ``LabelTensor`` of shape ``(..., len(labels))`` (one name gives
            ``(..., 1)``), labelled with the requested names.

        Raises:
            ValueError: If a name is not a label of this tensor, or none is given.
        """
        idx = self._label_indices(label_to_extract, "label_to_extract")
        if not idx:
            raise ValueError(
                f"label_to_extract={label_to_extract!r} is empty; give at least one of the "
                f"labels {self._labels!r}."
            )
        names = [self._labels[i] for i in idx]
        return LabelTensor._from(_take_columns(self.tensor, idx), names)

    def __getitem__(self, index: Any) -> Any:
        # Label access: t['a'], t['a', 'b'], t[['a', 'b']].
        if isinstance(index, str) or (
            isinstance(index, (list, tuple))
            and len(index) > 0
            and all(isinstance(i, str) for i in index)
        ):
            return self.extract(index)

        rows, col = _split_index(index, self.shape)
        labels = self._labels
        if isinstance(col, slice):
            new_labels = labels[col]
        else:
            new_labels = [labels[i] for i in col.tolist()]
        out = self.tensor
        if rows:
            out = out[rows]
        out = out[..., col]
        return LabelTensor._from(out, new_labels)

    # -------------------------------------------------- label-keeping methods
    def clone(self, *args: Any, **kwargs: Any) -> LabelTensor:
        return LabelTensor._from(super().clone(*args, **kwargs), list(self._labels))

    def detach(self) -> LabelTensor:
        return LabelTensor._from(super().detach(), self._labels)

    def to(self, *args: Any, **kwargs: Any) -> LabelTensor:
        out = super().to(*args, **kwargs)
        return out if out is self else LabelTensor._from(out, self._labels)

    def cpu(self, *args: Any, **kwargs: Any) -> LabelTensor:
        return LabelTensor._from(super().cpu(*args, **kwargs), self._labels)

    def cuda(self, *args: Any, **kwargs: Any) -> LabelTensor:
        return LabelTensor._from(super().cuda(*args, **kwargs), self._labels)

    def double(self, *args: Any, **kwargs: Any) -> LabelTensor:
        return LabelTensor._from(super().double(*args, **kwargs), self._labels)

    def float(self, *args: Any, **kwargs: Any) -> LabelTensor:
        return LabelTensor._from(super().float(*args, **kwargs), self._labels)

    def requires_grad_(
        self, mode: bool = True, *, requires_grad: bool | None = None
    ) -> LabelTensor:
        """Set whether autograd records operations on this tensor, in place.

        Args:
            mode: Whether to require gradients (PINA 0.1's name).
            requires_grad: The same, under torch's name (keyword only).

        Returns:
            This tensor.

        Raises:
            TypeError: If both ``mode`` and ``requires_grad`` are given.
        """
        if requires_grad is not None:
            if mode is not True:
                raise TypeError(
                    f"requires_grad_() got both mode={mode!r} and requires_grad="
                    f"{requires_grad!r} (two names of one argument); pass only one."
                )
            mode = requires_grad
        super().requires_grad_(mode)
        return self

    def select(self, dim: int, index: int) -> Tensor:  # type: ignore[override]
        """Slice along ``dim`` at ``index``, removing that dimension (:meth:`torch.Tensor.select`).

        Args:
            dim: The dimension to slice.
            index: The position along it.

        Returns:
            A ``LabelTensor`` with this tensor's labels when ``dim`` is not the
            last (labelled) dimension, e.g. ``t.select(0, i)``, the ``i``-th row
            of shape ``(k,)``; a plain tensor when ``dim`` is the last one (the
            result has no labelled dimension left: use ``t.extract(name)`` for a
            labelled column).
        """
        out = self.tensor.select(dim, index)
        if self.ndim > 1 and dim % self.ndim != self.ndim - 1:
            return LabelTensor._from(out, self._labels)
        return out

    def __deepcopy__(self, memo: dict[int, Any]) -> LabelTensor:
        if id(self) in memo:
            return memo[id(self)]
        data = self.tensor.detach().clone()
        data.requires_grad_(self.requires_grad)
        out = LabelTensor._from(data, copy.deepcopy(self._labels, memo))
        memo[id(self)] = out
        return out

    def __reduce_ex__(self, protocol: Any) -> Any:
        # Same layout as PINA 0.1 files: the tensor plus the state {'_labels': [...]}.
        return super().__reduce_ex__(protocol)

    # -------------------------------------------------------------- combining
    def append(self, lt: LabelTensor, mode: str = "std") -> LabelTensor:
        """Join ``lt`` to this tensor.

        Args:
            lt: The tensor to append.
            mode: ``'std'`` concatenates the columns (same rows, disjoint
                labels); ``'cross'`` is the Cartesian product of the rows
                (``self``'s rows vary fastest), labels ``self.labels + lt.labels``.

        Returns:
            The joined ``LabelTensor``.

        Raises:
            RuntimeError: If the labels overlap.
            ValueError: If ``mode`` is unknown or the row counts differ in ``'std'``.
        """
        if not isinstance(lt, LabelTensor):
            raise TypeError(f"lt must be a LabelTensor; got {type(lt).__name__}.")
        common = set(self._labels) & set(lt._labels)
        if common:
            raise RuntimeError(
                f"Cannot append: labels {sorted(common)!r} appear in both tensors; "
                "labels must be unique."
            )
        a, b = self.tensor, lt.tensor
        if mode == "std":
            if a.shape[:-1] != b.shape[:-1]:
                raise ValueError(
                    f"append(mode='std') needs the same rows; got shapes {tuple(a.shape)} "
                    f"and {tuple(b.shape)}. Use mode='cross' for the Cartesian product."
                )
            data = torch.cat((a, b), dim=-1)
        elif mode == "cross":
            n1, n2 = a.shape[0], b.shape[0]
            data = torch.cat((a.repeat(n2, 1), b.repeat_interleave(n1, dim=0)), dim=-1)
        else:
            raise ValueError(f"mode={mode!r} is not supported; choose one of ['cross', 'std'].")
        return LabelTensor._from(data, self._labels + lt._labels)

    @staticmethod
    def vstack(label_tensors: Sequence[LabelTensor]) -> LabelTensor:
        """Stack rows of tensors that carry the same set of labels.

        Columns of every tensor are reordered to the first tensor's label order.

        Args:
            label_tensors: A non-empty list of ``LabelTensor``.

        Returns:
            The stacked tensor, labelled like the first one.

        Raises:
            ValueError: If the list is empty or the label sets differ.
            TypeError: If an item is not a ``LabelTensor``.
        """
        if len(label_tensors) == 0:
            raise ValueError("vstack needs at least one LabelTensor; got an empty list.")
        for i, lt in enumerate(label_tensors):
            if not isinstance(lt, LabelTensor):
                raise TypeError(
                    f"label_tensors[{i}] must be a LabelTensor; got {type(lt).__name__}."
                )
        labels = label_tensors[0]._labels
        parts = []
        for i, lt in enumerate(label_tensors):
            if set(lt._labels) != set(labels) or len(lt._labels) != len(labels):
                raise ArgumentRuntimeError(
                    f"label_tensors[{i}] has labels {lt._labels!r}; every tensor must carry "
                    f"the labels {labels!r}."
                )
            parts.append(lt.extract(labels).tensor if lt._labels != labels else lt.tensor)
        return LabelTensor._from(torch.cat(parts, dim=0), list(labels))

    # ----------------------------------------------------------------- display
    def __repr__(self, *, tensor_contents: Any = None) -> Any:  # type: ignore[override]
        body = repr(self.tensor)
        return f"LabelTensor(labels={self._labels!r},\n{body})"

    def __str__(self) -> str:
        return f"labels({self._labels!r})\n{self.tensor}"


def _split_index(index: Any, shape: torch.Size) -> tuple[tuple[Any, ...], Any]:
    """Split an index into a row part and a column (last-dimension) part.

    Integer positions become length-one slices so that no dimension is dropped:
    ``t[3]`` is a ``(1, k)`` row and ``t[:, 2]`` a ``(n, 1)`` column; an integer
    out of range raises ``IndexError``, as for a tensor.
    """
    ndim = len(shape)
    idx = index if isinstance(index, tuple) else (index,)
    if Ellipsis in idx:
        pos = idx.index(Ellipsis)
        if pos < len(idx) - 1:
            rows, col = idx[:-1], idx[-1]
        else:
            rows, col = idx[:pos], slice(None)
    elif len(idx) == ndim:
        rows, col = idx[:-1], idx[-1]
    elif len(idx) > ndim:
        raise IndexError(f"too many indices for a LabelTensor of {ndim} dimensions: {index!r}.")
    else:
        rows, col = idx, slice(None)
    sizes = [None] * len(rows) if Ellipsis in rows else list(shape[: len(rows)])
    rows = tuple(_keep_dim(i, size) for i, size in zip(rows, sizes))
    if isinstance(col, int):
        col = _keep_dim(col, shape[-1])
    elif not isinstance(col, slice):
        cols = torch.as_tensor(col)
        if cols.dtype == torch.bool:
            cols = cols.nonzero().flatten()
        col = cols.flatten().long()
    return rows, col


def _keep_dim(i: Any, size: int | None) -> Any:
    """An integer index as a length-one slice (checked against ``size``); others unchanged."""
    if isinstance(i, int) and not isinstance(i, bool):
        if size is not None and not -size <= i < size:
            raise IndexError(f"index {i} is out of range for a dimension of size {size}.")
        return slice(i, i + 1) if i != -1 else slice(-1, None)
    if isinstance(i, Tensor):
        i = i.as_subclass(Tensor)
        if i.ndim == 2 and i.shape[-1] == 1:
            # A column mask such as t[:, 0] > 0 selects rows.
            i = i.flatten()
    return i


def _take_columns(x: Tensor, idx: list[int]) -> Tensor:
    """Select columns ``idx`` of the last dim; a view when they are contiguous."""
    first = idx[0]
    if idx == list(range(first, first + len(idx))):
        return x.narrow(-1, first, len(idx))
    return x[..., idx]


# PINA 0.1 files hold LabelTensors by class path: allow them under torch.load's
# default weights_only=True. This registers a class in torch's allow-list of
# loadable types; it changes no numerical behaviour.
torch.serialization.add_safe_globals([LabelTensor])
