"""Private random generators: seeded from torch's global one, safe to pickle."""

from __future__ import annotations

from typing import Any

import torch


def seeded_generator() -> torch.Generator:
    """A new CPU ``torch.Generator`` seeded with one draw from torch's global generator.

    ``seed_everything`` (or ``torch.manual_seed``) before the call reproduces it.
    """
    generator = torch.Generator()
    generator.manual_seed(int(torch.randint(0, 2**62, ())))
    return generator


def pack(generator: torch.Generator) -> bytes:
    """The state of a CPU ``generator`` as bytes.

    A ``torch.Generator`` cannot be sent to processes started by
    ``torch.multiprocessing`` (``strategy='ddp_spawn'`` pickles the Trainer and its
    callbacks), so objects holding one pickle its state instead.
    """
    return generator.get_state().numpy().tobytes()


def unpack(state: bytes) -> torch.Generator:
    """A CPU ``torch.Generator`` in the state given by :func:`pack`."""
    generator = torch.Generator()
    generator.set_state(torch.frombuffer(bytearray(state), dtype=torch.uint8))
    return generator


class PicklesGenerators:
    """Mixin: pickle the CPU generators of some attributes as their state (see :func:`pack`).

    Subclasses name the attributes in ``_generator_attributes``; an attribute
    holding ``None`` is pickled as it is.
    """

    _generator_attributes: tuple[str, ...] = ()

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        for name in self._generator_attributes:
            generator = state.get(name)
            if isinstance(generator, torch.Generator):
                state[name] = pack(generator)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        for name in self._generator_attributes:
            value = state.get(name)
            if isinstance(value, bytes):
                setattr(self, name, unpack(value))
