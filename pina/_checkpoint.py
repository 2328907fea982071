"""Checkpoints: a callback that saves by time and at the end of training, and atomic writes."""

from __future__ import annotations

import contextlib
import os
import pickle
import time
import uuid
import zipfile
import zlib
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

    Reading a local file first checks it is a complete checkpoint (see
    :func:`check_checkpoint_file`), so a truncated or corrupt file is refused
    with a ``ValueError`` naming it.

    The pina ``Trainer`` installs it in place of Lightning's default
    ``TorchCheckpointIO``; a ``CheckpointIO`` given in ``plugins`` is kept.
    """

    def load_checkpoint(self, path: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """Read the checkpoint at ``path`` after :func:`check_checkpoint_file`.

        Raises:
            FileNotFoundError: If there is no file at ``path``.
            ValueError: If the file is truncated or corrupt.
        """
        check_checkpoint_file(path)
        return super().load_checkpoint(path, *args, **kwargs)

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


#: The first bytes of a checkpoint in torch's legacy (non-zip) format: the pickled magic number.
_LEGACY_HEADER = pickle.dumps(torch.serialization.MAGIC_NUMBER, protocol=2)[:-1]


def check_checkpoint_file(path: Any) -> None:
    """Raise an error naming ``path`` unless it is a complete, uncorrupted torch checkpoint.

    A checkpoint written by ``torch.save`` is a zip archive: a truncated file
    has lost the archive's directory (at its end), and a corrupt one fails
    the CRC-32 check of a member (``torch.load`` itself would load changed
    weights silently). The check reads the file once; remote paths
    (``s3://``, ...) are not checked. Files in torch's legacy format are
    only checked for their header.

    Args:
        path: The checkpoint file.

    Raises:
        FileNotFoundError: If there is no file at ``path``.
        ValueError: If ``path`` is a directory, or the file is empty, truncated or corrupt.
    """
    fs, local_path = fsspec.core.url_to_fs(str(path))
    if not isinstance(fs, LocalFileSystem):
        return
    if not os.path.exists(local_path):
        raise FileNotFoundError(f"Checkpoint file not found: {str(path)!r}.")
    if os.path.isdir(local_path):
        raise ValueError(f"The checkpoint path {str(path)!r} is a directory, not a file.")
    with open(local_path, "rb") as file:
        header = file.read(len(_LEGACY_HEADER))
    fix = "write it again, or resume from an earlier checkpoint"
    if not header:
        raise ValueError(f"The checkpoint file {str(path)!r} is empty; {fix}.")
    if header.startswith(_LEGACY_HEADER):
        return
    if not zipfile.is_zipfile(local_path):
        what = "truncated" if header.startswith(b"PK\x03\x04") else "not a torch checkpoint"
        raise ValueError(
            f"The checkpoint file {str(path)!r} is {what} (no complete zip archive written by "
            f"torch.save, {os.path.getsize(local_path)} bytes); {fix}."
        )
    try:
        with zipfile.ZipFile(local_path) as archive:
            bad = archive.testzip()
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, zlib.error) as err:
        raise ValueError(
            f"The checkpoint file {str(path)!r} is corrupt ({type(err).__name__}: {err}); {fix}."
        ) from err
    if bad is not None:
        raise ValueError(
            f"The checkpoint file {str(path)!r} is corrupt: its part {bad!r} fails its CRC-32 "
            f"check; {fix}."
        )
    if not any(name.endswith("data.pkl") for name in names):
        raise ValueError(
            f"The checkpoint file {str(path)!r} is a zip archive but not a torch checkpoint "
            f"(no data.pkl among {names[:5]!r})."
        )


def problem_signature(problem: Any) -> dict[str, Any]:
    """What a checkpoint's weights and points depend on in ``problem`` (saved in checkpoints).

    Returns:
        ``{'problem': class name, 'conditions': [...], 'input_variables': [...],
        'output_variables': [...], 'unknown_parameters': [...]}`` (lists of str).
    """
    unknowns = getattr(problem, "unknown_variables", None) or []
    return {
        "problem": type(problem).__qualname__,
        "conditions": [str(name) for name in problem.conditions],
        "input_variables": [str(v) for v in problem.input_variables],
        "output_variables": [str(v) for v in problem.output_variables],
        "unknown_parameters": [str(v) for v in unknowns],
    }


def signature_differences(
    saved: dict[str, Any], current: dict[str, Any], keys: tuple[str, ...]
) -> list[str]:
    """One line per entry of ``keys`` that differs between two :func:`problem_signature` s."""
    return [
        f"{key}: checkpoint {saved.get(key)!r}, problem {current.get(key)!r}"
        for key in keys
        if key in saved and list(saved[key]) != list(current.get(key, []))
    ]


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
