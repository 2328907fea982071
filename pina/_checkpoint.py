"""Checkpoints: a callback that saves by time and at the end of training, and atomic writes."""

from __future__ import annotations

import contextlib
import os
import time
import uuid
from typing import Any

import fsspec
import pytorch_lightning as pl
import torch
from fsspec.implementations.local import LocalFileSystem
from pytorch_lightning.callbacks import ModelCheckpoint
from pytorch_lightning.plugins.io import TorchCheckpointIO


class TimedCheckpoint(ModelCheckpoint):
    """Lightning's ``ModelCheckpoint`` writing at most every ``save_interval`` seconds.

    Lightning's default checkpoint writes a file at the end of every epoch,
    which costs more than a whole epoch of a small PINN. This callback keeps
    Lightning's file name and place (``epoch=E-step=S.ckpt`` in
    ``<log dir>/checkpoints``, one file, the latest) but writes when
    ``save_interval`` seconds have passed since the last write, and always
    after the last epoch (``max_epochs`` reached, or a callback such as
    ``EarlyStopping`` or ``Timer`` stopping training), so the final state can
    always be resumed or loaded.

    Pass ``TimedCheckpoint(save_interval=S)`` in the Trainer's ``callbacks`` to
    change the interval (``0`` writes after every epoch); it then replaces the
    default one. Like ``ModelCheckpoint``, it removes the previous file only
    after the new one is written, so a killed run always leaves its last
    complete checkpoint (see :class:`AtomicCheckpointIO`).

    Args:
        save_interval: Seconds between writes during training (default 60).
        **kwargs: Passed to ``ModelCheckpoint``.
    """

    def __init__(self, save_interval: float = 60.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.save_interval = save_interval
        self._last_save = time.monotonic()

    def on_train_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self._last_save = time.monotonic()
        super().on_train_start(trainer, pl_module)

    @staticmethod
    def _last_epoch(trainer: pl.Trainer) -> bool:
        if trainer.should_stop:
            return True
        max_epochs = trainer.max_epochs
        if max_epochs is not None and max_epochs >= 0 and trainer.current_epoch + 1 >= max_epochs:
            return True
        max_steps = trainer.max_steps
        return max_steps is not None and max_steps >= 0 and trainer.global_step >= max_steps

    def on_train_epoch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        now = time.monotonic()
        if self._last_epoch(trainer) or now - self._last_save >= self.save_interval:
            super().on_train_epoch_end(trainer, pl_module)
            self._last_save = now


class AtomicCheckpointIO(TorchCheckpointIO):
    """Lightning's ``TorchCheckpointIO`` whose local writes are atomic and durable.

    A checkpoint is written to a temporary file in the target's directory
    (``.<name>.<pid>.<random>.tmp``, which no ``*.ckpt`` pattern matches),
    flushed and ``fsync``-ed, then moved onto the target with ``os.replace``
    (atomic on POSIX and Windows), and the directory is ``fsync``-ed. A
    process killed at any moment leaves either the previous file or the new
    one under the target name, never a partial file (at worst a stray
    ``.tmp`` file). ``ModelCheckpoint`` deletes the previous checkpoint only
    after the new one is written, so the last good checkpoint is always on
    disk. Remote paths (``s3://``, ...) use Lightning's own writer.

    The pina ``Trainer`` installs it in place of Lightning's default
    ``TorchCheckpointIO``; a ``CheckpointIO`` given in ``plugins`` is kept.
    """

    def save_checkpoint(
        self, checkpoint: dict[str, Any], path: Any, storage_options: Any | None = None
    ) -> None:
        """Write ``checkpoint`` to ``path`` atomically (see the class doc).

        Args:
            checkpoint: The checkpoint dict (``torch.save``-able).
            path: The target file.
            storage_options: Not supported (``TypeError`` if given), as in Lightning.
        """
        fs, local_path = fsspec.core.url_to_fs(str(path))
        if storage_options is not None or not isinstance(fs, LocalFileSystem):
            super().save_checkpoint(checkpoint, path, storage_options)
            return
        target = os.path.abspath(local_path)
        directory = os.path.dirname(target)
        os.makedirs(directory, exist_ok=True)
        temporary = os.path.join(
            directory, f".{os.path.basename(target)}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp"
        )
        try:
            with open(temporary, "xb") as file:
                torch.save(checkpoint, file)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.remove(temporary)
            raise
        _fsync_directory(directory)


def _fsync_directory(directory: str) -> None:
    """Make a rename in ``directory`` durable (a no-op where a directory cannot be opened)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)
