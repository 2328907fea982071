"""Plumbing shared by the example scripts: their command line and their error measures.

Nothing here is part of what the examples teach; it only keeps the scripts' options and
printed errors the same everywhere. The examples import it as ``_common``, which works
because Python puts a script's own folder on ``sys.path``.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

import torch
from torch import Tensor

from pina.loss import LpLoss


def positive_int(text: str) -> int:
    """An argparse type: a positive integer (``max_epochs=-1`` would mean "forever")."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer; got {text}")
    return value


def example_parser(
    description: str,
    name: str,
    *,
    epochs: int,
    epochs_help: str = "training epochs",
    saves: str = "the figures",
    epochs_type: Callable[[str], int] = positive_int,
) -> argparse.ArgumentParser:
    """A parser with the options of every example, ``--epochs`` and ``--output-dir``.

    Args:
        description: One line saying what the example does.
        name: The example's name; outputs go to ``examples_output/<name>`` by default.
        epochs: The default number of epochs.
        epochs_help: What ``--epochs`` counts (the default is appended).
        saves: What goes to the output folder, for the help of ``--output-dir``.
        epochs_type: How ``--epochs`` is parsed (the operator examples take any int).

    Returns:
        The parser; add the example's own options to it, then call ``parse_args``.
    """
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--epochs", type=epochs_type, default=epochs, help=f"{epochs_help} ({epochs})"
    )
    parser.add_argument(
        "--output-dir",
        type=Path,
        default=Path("examples_output") / name,
        help=f"where {saves} go (examples_output/{name})",
    )
    return parser


def relative_l2(prediction: Tensor, truth: Tensor) -> float:
    """Relative L2 error ``||prediction - truth|| / ||truth||`` over all entries."""
    return float(torch.linalg.vector_norm(prediction - truth) / torch.linalg.vector_norm(truth))


def relative_l2_per_sample(prediction: Tensor, truth: Tensor) -> Tensor:
    """Relative L2 error of each sample (the norms run over all dimensions but the first).

    Returns:
        Shape ``(samples,)``.
    """
    # pina's LpLoss compares samples along their last dimension, the reference first.
    loss = LpLoss(p=2, relative=True, reduction="none")
    return loss(truth.flatten(1), prediction.flatten(1))
