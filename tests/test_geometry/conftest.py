"""Fixtures of the geometry tests: a seeded generator, float64, and a binomial check."""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest
import torch


@pytest.fixture
def gen() -> torch.Generator:
    return torch.Generator().manual_seed(1234)


@pytest.fixture
def float64():
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(previous)


@pytest.fixture
def fraction_close() -> Callable[[torch.Tensor, float], None]:
    """``check(mask, p)``: the fraction of ``True`` in ``mask`` is ``p`` within 4.5 sigmas."""

    def check(mask: torch.Tensor, p: float) -> None:
        n = mask.numel()
        observed = mask.to(torch.float64).mean().item()
        sigma = math.sqrt(p * (1 - p) / n)
        assert abs(observed - p) < 4.5 * sigma, f"fraction {observed:.5f}, expected {p:.5f}"

    return check
