"""Several named feed-forward networks in one module: :class:`MultiFeedForward`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from torch import nn

from ._validation import _note_on_error
from .feed_forward import FeedForward

__all__ = ["MultiFeedForward"]


class MultiFeedForward(nn.Module):
    """A container of named :class:`~pina.model.feed_forward.FeedForward` networks.

    Each entry ``name: kwargs`` of ``ffn_dict`` builds ``FeedForward(**kwargs)``
    and stores it as the attribute ``name`` (a registered submodule, so its
    parameters are ``name.model.0.weight``, ... in ``state_dict``). The class
    has no ``forward`` of its own: subclass it and combine the networks there.

    Args:
        ffn_dict: Mapping from attribute name to the keyword arguments of one
            ``FeedForward``, e.g. ``{'u': {'input_dimensions': 2,
            'output_dimensions': 1}}``. Names must be Python identifiers that
            are not already attributes of the module (such as ``forward`` or
            ``training``).

    Raises:
        TypeError: If ``ffn_dict`` is not a mapping, a name is not a str, or
            the arguments of an entry are not a mapping; errors of
            ``FeedForward`` itself come out unchanged, with a note naming the entry.
        ValueError: If a name is not an identifier or would shadow an attribute.

    Example:
        >>> class Sum(MultiFeedForward):
        ...     def forward(self, x):
        ...         return self.u(x) + self.v(x)
        >>> net = Sum({'u': {'input_dimensions': 2, 'output_dimensions': 1},
        ...            'v': {'input_dimensions': 2, 'output_dimensions': 1, 'n_layers': 1}})
        >>> net(torch.rand(5, 2)).shape
        torch.Size([5, 1])
    """

    def __init__(self, ffn_dict: Mapping[str, Mapping[str, Any]]) -> None:
        super().__init__()
        if not isinstance(ffn_dict, Mapping):
            raise TypeError(
                "ffn_dict must be a dict mapping a network name to the keyword arguments of "
                f"its FeedForward; got {ffn_dict!r}."
            )
        for name, kwargs in ffn_dict.items():
            if not isinstance(name, str):
                raise TypeError(f"ffn_dict keys must be str (attribute names); got {name!r}.")
            if not name.isidentifier():
                raise ValueError(
                    f"ffn_dict key {name!r} is not a valid Python identifier; it becomes the "
                    "attribute name of the network."
                )
            if hasattr(self, name):
                raise ValueError(
                    f"ffn_dict key {name!r} would shadow the attribute MultiFeedForward.{name}; "
                    "choose another name."
                )
            if not isinstance(kwargs, Mapping):
                raise TypeError(
                    f"ffn_dict[{name!r}] must be a dict of FeedForward keyword arguments; "
                    f"got {kwargs!r}."
                )
            with _note_on_error(f"while building FeedForward(**ffn_dict[{name!r}])"):
                network = FeedForward(**kwargs)
            self.add_module(name, network)
