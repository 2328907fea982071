"""Private random generators: seeded from torch's global one, safe to pickle."""

from __future__ import annotations

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
