"""Public helpers: type checks, tensor products, Latin hypercubes and Chebyshev nodes.

Only the names users import from ``pina.utils`` live here; private helpers live in
small private modules next to the code that uses them.
"""

from __future__ import annotations

import math
import numbers
import reprlib
import types
from collections.abc import Mapping, Sequence
from typing import Any

import torch

from pina._errors import ArgumentTypeError
from pina.label_tensor import LabelTensor

__all__ = [
    "LabelTensorDataLoader",
    "check_consistency",
    "chebyshev_roots",
    "is_function",
    "merge_tensors",
    "merge_two_tensors",
    "number_parameters",
    "torch_lhs",
]


def check_consistency(
    object: Any,
    object_instance: type | tuple[type, ...],
    subclass: bool = False,
) -> None:
    """Check that an object (or each of several objects) has the expected type.

    Args:
        object: The object to check, or a ``list``/``tuple``/``set`` of objects,
            each of which is checked.
        object_instance: The expected class, or a tuple of classes (any of them
            is accepted), as in :func:`isinstance`.
        subclass: If ``False`` (default), each object must be an instance of
            ``object_instance``; if ``True``, each object must be a class that is
            a subclass of ``object_instance``.

    Raises:
        TypeError: If an object is not an instance (or, with ``subclass=True``,
            not a subclass) of ``object_instance``; the message names the type
            received and the class expected. Also if ``object_instance`` is not
            a class or a tuple of classes.

    Example:
        >>> check_consistency([1, 2], int)
        >>> check_consistency(torch.nn.Tanh, torch.nn.Module, subclass=True)
    """
    classes = object_instance if isinstance(object_instance, tuple) else (object_instance,)
    if len(classes) == 0 or not all(isinstance(cls, type) for cls in classes):
        raise TypeError(
            "object_instance must be a class or a non-empty tuple of classes; "
            f"got {object_instance!r}."
        )
    expected = " or ".join(cls.__qualname__ for cls in classes)
    objects = object if isinstance(object, (list, tuple, set)) else [object]
    for obj in objects:
        if subclass:
            if not isinstance(obj, type):
                raise TypeError(
                    f"expected a subclass of {expected}; got {reprlib.repr(obj)}, an instance "
                    f"of {type(obj).__qualname__}, not a class."
                )
            if not issubclass(obj, classes):
                raise ArgumentTypeError(
                    f"expected a subclass of {expected}; got the class {obj.__qualname__}."
                )
        elif not isinstance(obj, classes):
            raise ArgumentTypeError(
                f"expected an instance of {expected}; got {reprlib.repr(obj)} of type "
                f"{type(obj).__qualname__}."
            )


def merge_tensors(tensors: Sequence[LabelTensor]) -> LabelTensor:
    r"""Cartesian product of the rows of several labelled tensors.

    For tensors :math:`T_1, \dots, T_m` with :math:`n_1, \dots, n_m` rows, the
    result has :math:`n_1 n_2 \cdots n_m` rows, one for every combination of
    rows, and the columns of all tensors side by side. The rows of the first
    tensor vary fastest (as :meth:`LabelTensor.append` with ``mode='cross'``).

    Args:
        tensors: A non-empty list or tuple of ``LabelTensor`` of shapes
            ``(n_i, k_i)`` whose labels do not overlap.

    Returns:
        A ``LabelTensor`` of shape ``(n_1 * ... * n_m, k_1 + ... + k_m)``,
        labelled ``tensors[0].labels + tensors[1].labels + ...``.

    Raises:
        TypeError: If ``tensors`` is not a list/tuple or an item is not a
            ``LabelTensor``.
        ValueError: If ``tensors`` is empty.
        RuntimeError: If two tensors share a label.

    Example:
        >>> a = LabelTensor(torch.tensor([[0.0], [1.0]]), ['x'])
        >>> b = LabelTensor(torch.tensor([[5.0], [6.0]]), ['y'])
        >>> merge_tensors([a, b]).tolist()
        [[0.0, 5.0], [1.0, 5.0], [0.0, 6.0], [1.0, 6.0]]
    """
    if not isinstance(tensors, (list, tuple)):
        raise TypeError(
            f"tensors must be a list or tuple of LabelTensor; got {type(tensors).__qualname__}."
        )
    if len(tensors) == 0:
        raise ValueError("tensors must hold at least one LabelTensor; got an empty sequence.")
    for i, tensor in enumerate(tensors):
        if not isinstance(tensor, LabelTensor):
            raise TypeError(f"tensors[{i}] must be a LabelTensor; got {type(tensor).__qualname__}.")
    result = tensors[0]
    for tensor in tensors[1:]:
        result = result.append(tensor, mode="cross")
    return result


def merge_two_tensors(tensor1: LabelTensor, tensor2: LabelTensor) -> LabelTensor:
    r"""Cartesian product of the rows of two labelled tensors.

    The same as ``merge_tensors([tensor1, tensor2])`` and
    ``tensor1.append(tensor2, mode='cross')``: :math:`n_1 n_2` rows, the rows
    of ``tensor1`` varying fastest.

    Args:
        tensor1: A ``LabelTensor`` of shape ``(n_1, k_1)``.
        tensor2: A ``LabelTensor`` of shape ``(n_2, k_2)`` whose labels are not
            in ``tensor1``.

    Returns:
        A ``LabelTensor`` of shape ``(n_1 n_2, k_1 + k_2)`` labelled
        ``tensor1.labels + tensor2.labels``.

    Raises:
        TypeError: If an argument is not a ``LabelTensor``.
        RuntimeError: If the two tensors share a label.

    Example:
        >>> a = LabelTensor(torch.tensor([[0.0], [1.0]]), ['x'])
        >>> b = LabelTensor(torch.tensor([[5.0], [6.0]]), ['y'])
        >>> merge_two_tensors(a, b).tolist()
        [[0.0, 5.0], [1.0, 5.0], [0.0, 6.0], [1.0, 6.0]]
    """
    for name, tensor in (("tensor1", tensor1), ("tensor2", tensor2)):
        if not isinstance(tensor, LabelTensor):
            raise TypeError(f"{name} must be a LabelTensor; got {type(tensor).__qualname__}.")
    return tensor1.append(tensor2, mode="cross")


def is_function(f: object) -> bool:
    """Whether ``f`` is a Python function (a ``def`` or a ``lambda``).

    Builtins, methods, ``functools.partial`` objects, classes and other
    callables are not functions in this sense (use :func:`callable` for those).

    Args:
        f: Any object.

    Returns:
        ``True`` if ``f`` is a :class:`types.FunctionType`.

    Example:
        >>> is_function(lambda x: x), is_function(torch.sin)
        (True, False)
    """
    return isinstance(f, types.FunctionType)


class LabelTensorDataLoader(torch.utils.data.DataLoader):
    """A :class:`torch.utils.data.DataLoader` whose batches keep the labels of LabelTensors.

    Without a ``collate_fn`` of the user's, a batch is collated as
    :func:`torch.utils.data.default_collate` does, except that ``LabelTensor``
    items (for instance rows ``t[i]`` of shape ``(1, k)``) are stacked along
    their first dimension with :meth:`LabelTensor.vstack`, giving one
    ``LabelTensor`` ``(batch_size, k)`` with their labels; this holds inside
    dicts, lists and tuples too. Every argument is the ``DataLoader``'s.

    Example:
        >>> pts = LabelTensor(torch.rand(10, 2), ['x', 'y'])
        >>> loader = LabelTensorDataLoader([pts[i] for i in range(10)], batch_size=4)
        >>> next(iter(loader)).labels
        ['x', 'y']
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if kwargs.get("collate_fn") is None:
            kwargs["collate_fn"] = _collate_label_tensors
        super().__init__(*args, **kwargs)


def _collate_label_tensors(batch: Sequence[Any]) -> Any:
    """Collate a list of samples as ``default_collate``, stacking ``LabelTensor`` rows.

    Args:
        batch: The samples of a batch (all of the same structure).

    Returns:
        The collated batch (see :class:`LabelTensorDataLoader`).
    """
    first = batch[0]
    if isinstance(first, LabelTensor):
        return LabelTensor.vstack(list(batch))
    if isinstance(first, Mapping):
        return {key: _collate_label_tensors([sample[key] for sample in batch]) for key in first}
    if isinstance(first, (list, tuple)) and not isinstance(first, str):
        columns = [_collate_label_tensors(list(items)) for items in zip(*batch)]
        return columns if isinstance(first, list) else tuple(columns)
    return torch.utils.data.default_collate(list(batch))


def torch_lhs(n: int, dim: int, generator: torch.Generator | None = None) -> torch.Tensor:
    r"""Latin hypercube sample of ``n`` points in :math:`[0, 1)^{dim}`.

    Each axis is cut into ``n`` strata :math:`[i/n, (i+1)/n)`; every stratum of
    every axis holds exactly one point. Point :math:`j` has coordinates
    :math:`x_{jd} = (\pi_d(j) + u_{jd}) / n` with an independent uniformly
    random permutation :math:`\pi_d` of :math:`\{0, \dots, n-1\}` per axis and
    :math:`u_{jd} \sim U[0, 1)`. Fully vectorised (no loop over points).

    Args:
        n: Number of points, a positive int.
        dim: Number of dimensions, a positive int.
        generator: Optional random generator; ``None`` uses torch's global
            generator (so ``seed_everything`` reproduces the sample). The sample
            is created on the generator's device.

    Returns:
        A tensor of shape ``(n, dim)`` and the default dtype, with values in
        ``[0, 1)``.

    Raises:
        TypeError: If ``n`` or ``dim`` is not an int, or ``generator`` is not a
            ``torch.Generator``.
        ValueError: If ``n`` or ``dim`` is not positive.
    """
    n, dim = _check_positive_int(n, "n"), _check_positive_int(dim, "dim")
    if generator is not None and not isinstance(generator, torch.Generator):
        raise TypeError(
            f"generator must be a torch.Generator or None; got {type(generator).__qualname__}."
        )
    device = generator.device if generator is not None else None
    dtype = torch.get_default_dtype()
    # argsort of i.i.d. uniforms is a uniformly random permutation (one per axis).
    strata = torch.argsort(torch.rand(dim, n, generator=generator, device=device), dim=1)
    jitter = torch.rand(n, dim, generator=generator, device=device, dtype=dtype)
    points = (strata.T.to(dtype) + jitter) / n
    # Rounding of (n - 1 + u) / n can give exactly 1.0: clamp to the largest float
    # below 1 (1 - eps/2) to keep the interval half-open.
    return points.clamp_(max=1.0 - torch.finfo(dtype).eps / 2)


def number_parameters(
    model: torch.nn.Module, aggregate: bool = True, only_trainable: bool = True
) -> int | dict[str, int]:
    """Count the parameters of a model.

    Shared parameters are counted once (as :meth:`torch.nn.Module.named_parameters`
    lists them).

    Args:
        model: The module to inspect.
        aggregate: If ``True`` (default) return the total count; if ``False``
            return a dict mapping each parameter name (e.g. ``'0.weight'``) to
            its number of elements.
        only_trainable: If ``True`` (default) count only parameters with
            ``requires_grad=True``.

    Returns:
        The total number of parameters, or a dict ``{name: count}``.

    Raises:
        TypeError: If ``model`` is not a ``torch.nn.Module``.

    Example:
        >>> number_parameters(torch.nn.Linear(3, 2))
        8
    """
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"model must be a torch.nn.Module; got {type(model).__qualname__}.")
    counts = {
        name: parameter.numel()
        for name, parameter in model.named_parameters()
        if parameter.requires_grad or not only_trainable
    }
    if aggregate:
        return sum(counts.values())
    return counts


def chebyshev_roots(n: int) -> torch.Tensor:
    r"""Roots of the Chebyshev polynomial of the first kind of degree ``n``, sorted.

    :math:`T_n(x) = \cos(n \arccos x)` vanishes at
    :math:`x_k = \cos\left(\frac{(2k+1)\pi}{2n}\right)`, :math:`k = 0, \dots, n-1`,
    all in :math:`(-1, 1)`. They are returned in increasing order, computed in
    float64 as :math:`\sin\left(\frac{(2j - n + 1)\pi}{2n}\right)` (the same
    numbers, exactly symmetric about 0, with an exact 0 when ``n`` is odd).

    Args:
        n: The degree, a positive int.

    Returns:
        A tensor of shape ``(n,)`` and the default dtype, increasing.

    Raises:
        TypeError: If ``n`` is not an int.
        ValueError: If ``n`` is not positive.
    """
    n = _check_positive_int(n, "n")
    j = torch.arange(n, dtype=torch.float64)
    roots = torch.sin((2 * j - n + 1) * (math.pi / (2 * n)))
    return roots.to(torch.get_default_dtype())


def _check_positive_int(value: object, name: str) -> int:
    """Validate the argument ``name``: a positive int (``bool`` excluded), returned as ``int``.

    Raises:
        TypeError: If ``value`` is not an integer.
        ValueError: If ``value < 1``.
    """
    if not isinstance(value, numbers.Integral) or isinstance(value, bool):
        raise TypeError(f"{name} must be a positive int; got {value!r}.")
    if value < 1:
        raise ValueError(f"{name} must be a positive int; got {name}={value!r}.")
    return int(value)
