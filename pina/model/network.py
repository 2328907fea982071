"""The wrapper every solver puts around a user model."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import chain
from typing import Any

import torch
from torch import Tensor, nn

from .._errors import ArgumentTypeError
from ..label_tensor import LabelTensor
from ._validation import _note_on_error
from .feed_forward import FeedForward, ResidualFeedForward

__all__ = ["Network"]

#: Buffers of the optional affine maps of the inputs and the outputs (see ``set_normalization``).
_NORMALIZATION = ("input_shift", "input_scale", "output_shift", "output_scale")


class Network(nn.Module):
    r"""Select the input variables, append extra features, run the model, label the output.

    Optionally (:meth:`set_normalization`, used by
    :class:`~pina.callbacks.DataNormalizer`) the model works in normalised
    units: it receives :math:`(x - s_{in}) / \sigma_{in}` and its output
    :math:`z` is returned as :math:`z \, \sigma_{out} + s_{out}`.

    Args:
        model: Any module mapping ``(n, k + f)`` to ``(n, m)`` where ``k`` is
            the number of input variables, ``f`` the total width of the extra
            features and ``m`` the number of output variables.
        input_variables: Labels of the model inputs, in the model's column order.
        output_variables: Labels of the model outputs.
        extra_features: Modules ``g(x) -> (n, j)`` computed from the labelled
            input ``x`` and appended to it as extra columns (they may have
            trainable parameters, which train with the model).

    The model's input width is checked against ``k + f`` before it first
    runs: when the solver is built if the model declares it (an ``nn.Linear``,
    an ``nn.Sequential`` starting with one, a ``FeedForward`` or
    ``ResidualFeedForward``) and there are no extra features, otherwise at
    the first forward pass, before the model is called.

    Raises:
        TypeError: For a model or feature that is not an ``nn.Module``, or
            variables that are not lists of str.
        ValueError: If the model declares an input width other than ``k + f``.
    """

    def __init__(
        self,
        model: nn.Module,
        input_variables: Sequence[str],
        output_variables: Sequence[str],
        extra_features: Sequence[nn.Module] | None = None,
    ) -> None:
        super().__init__()
        if not isinstance(model, nn.Module):
            raise ArgumentTypeError(f"model must be a torch.nn.Module; got {type(model).__name__}.")
        for name, value in (
            ("input_variables", input_variables),
            ("output_variables", output_variables),
        ):
            if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
                raise ArgumentTypeError(f"{name} must be a list of str; got {value!r}.")
        features = list(extra_features or [])
        for i, feature in enumerate(features):
            if not isinstance(feature, nn.Module):
                raise ArgumentTypeError(
                    f"extra_features[{i}] must be a torch.nn.Module; got {type(feature).__name__}."
                )
        self._model = model
        self._input_variables = list(input_variables)
        self._output_variables = list(output_variables)
        self._extra_features = nn.ModuleList(features)
        self._declared_width = _declared_input_width(model)
        # Checked once, at the first forward pass (or here, when the width is known now).
        self._width_checked = False
        if self._declared_width is not None and not features:
            self._check_width(len(self._input_variables), [])
            self._width_checked = True

    def _check_width(self, width: int, feature_labels: list[str]) -> None:
        """Raise ``ValueError`` if the model declares an input width other than ``width``."""
        if self._declared_width is None:
            return
        declared, where = self._declared_width
        if declared == width:
            return
        k = len(self._input_variables)
        raise ValueError(
            f"The model takes inputs of width {declared} ({where}) but receives {width} "
            f"column(s): the problem's {k} input variable(s) {self._input_variables!r} plus "
            f"{width - k} extra-feature column(s) {feature_labels!r}. Build the model with "
            f"input width {width} (e.g. FeedForward(input_dimensions={width}, ...))."
        )

    def _first_call(self, inputs: Tensor) -> Tensor:
        """Run the model for the first time: check the width, name it in any error."""
        width = inputs.shape[-1]
        k = len(self._input_variables)
        labels = inputs.labels if isinstance(inputs, LabelTensor) else []
        self._check_width(width, list(labels[k:]))
        note = (
            f"pina: the model was called on inputs of shape {tuple(inputs.shape)}: width "
            f"{width} = {k} input variable(s) {self._input_variables!r} plus {width - k} "
            "extra-feature column(s); check that the model's input width matches."
        )
        with _note_on_error(note):
            out = self._model(inputs)
        self._width_checked = True
        return out

    @property
    def torchmodel(self) -> nn.Module:
        """The user model."""
        return self._model

    @property
    def extra_features(self) -> nn.ModuleList:
        """The extra-feature modules."""
        return self._extra_features

    @property
    def input_variables(self) -> list[str]:
        """Labels of the model inputs."""
        return self._input_variables

    @property
    def output_variables(self) -> list[str]:
        """Labels of the model outputs."""
        return self._output_variables

    @property
    def normalization(self) -> dict[str, Tensor]:
        """The statistics set with :meth:`set_normalization` (buffers), by name.

        Some of ``'input_shift'``, ``'input_scale'`` (shape ``(k,)``),
        ``'output_shift'``, ``'output_scale'`` (shape ``(m,)``); empty when
        the model works in the data's units.
        """
        found: dict[str, Tensor] = {}
        for name in _NORMALIZATION:
            value = self._buffers.get(name)
            if value is not None:
                found[name] = value
        return found

    def set_normalization(
        self,
        input_shift: Tensor | None = None,
        input_scale: Tensor | None = None,
        output_shift: Tensor | None = None,
        output_scale: Tensor | None = None,
    ) -> None:
        r"""Make the model work in normalised units, with fixed affine maps.

        With input statistics the model receives
        :math:`(x - s_{in}) / \sigma_{in}` in place of the input variables'
        columns (the extra features are computed from the original ``x``);
        with output statistics its output :math:`z` is returned as
        :math:`z \, \sigma_{out} + s_{out}`, so :meth:`forward` stays in the
        data's units and derivatives with respect to ``x`` are exact. The
        statistics are buffers: they move with the module and are saved in
        its ``state_dict`` (as ``input_shift``, ... ; a pair not set adds no key).
        A pair given again replaces the previous values; a pair left ``None``
        is unchanged.

        Args:
            input_shift: :math:`s_{in}`, shape ``(k,)``, one per input variable.
            input_scale: :math:`\sigma_{in}`, shape ``(k,)``, non-zero.
            output_shift: :math:`s_{out}`, shape ``(m,)``, one per output variable.
            output_scale: :math:`\sigma_{out}`, shape ``(m,)``, non-zero.

        Raises:
            TypeError: If a value is not a tensor.
            ValueError: If only one of a pair is given, a shape is not
                ``(k,)``/``(m,)``, or a scale has a zero or non-finite entry.
        """
        pairs = {
            "input": (input_shift, input_scale, len(self._input_variables)),
            "output": (output_shift, output_scale, len(self._output_variables)),
        }
        checked: dict[str, Tensor] = {}
        for side, (shift, scale, width) in pairs.items():
            if shift is None and scale is None:
                continue
            if shift is None or scale is None:
                raise ValueError(
                    f"Give both {side}_shift and {side}_scale (or neither); got "
                    f"{side}_shift={shift!r} and {side}_scale={scale!r}."
                )
            for name, value in ((f"{side}_shift", shift), (f"{side}_scale", scale)):
                if not isinstance(value, Tensor):
                    raise TypeError(f"{name} must be a torch.Tensor; got {type(value).__name__}.")
                if tuple(value.shape) != (width,):
                    raise ValueError(
                        f"{name} must have shape ({width},), one value per {side} variable; "
                        f"got shape {tuple(value.shape)}."
                    )
                checked[name] = value.detach()
            if not bool(
                torch.isfinite(shift).all() & torch.isfinite(scale).all() & (scale != 0).all()
            ):
                raise ValueError(
                    f"{side}_shift must be finite and {side}_scale finite and non-zero; got "
                    f"{side}_shift={shift!r} and {side}_scale={scale!r}."
                )
        # On the module's device, in its floating dtype (buffers then follow .to()).
        reference = next(chain(self.parameters(), self.buffers()), None)
        for name, value in checked.items():
            if reference is not None:
                dtype = reference.dtype if reference.is_floating_point() else value.dtype
                value = value.to(device=reference.device, dtype=dtype)
            self.register_buffer(name, value.clone())

    def _load_from_state_dict(
        self,
        state_dict: dict[str, Any],
        prefix: str,
        local_metadata: dict[str, Any],
        strict: bool,
        missing_keys: list[str],
        unexpected_keys: list[str],
        error_msgs: list[str],
    ) -> None:
        # A state_dict saved with normalisation statistics restores them into a Network
        # built without (e.g. SolverClass.load_from_checkpoint).
        for name in _NORMALIZATION:
            key = prefix + name
            if key in state_dict and name not in self._buffers:
                self.register_buffer(name, torch.empty_like(state_dict[key]))
        super()._load_from_state_dict(
            state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs
        )

    def forward(self, x: LabelTensor) -> LabelTensor:
        """Evaluate the model at labelled points.

        Args:
            x: Points, shape ``(n, *)``, with at least the input variables
                among its labels (any order; other columns are ignored).

        Returns:
            ``LabelTensor`` of shape ``(n, m)`` labelled ``output_variables``.

        Raises:
            TypeError: If ``x`` is not a ``LabelTensor``.
            ValueError: If an input variable is missing or the model output
                width differs from the number of output variables.
        """
        if not isinstance(x, LabelTensor):
            raise TypeError(
                f"Network input must be a LabelTensor labelled with {self._input_variables!r}; "
                f"got {type(x).__name__}."
            )
        if x._labels != self._input_variables:
            x = x.extract(self._input_variables)
        return LabelTensor._from(self.forward_ordered(x), self._output_variables)

    def forward_ordered(self, x: LabelTensor) -> Tensor:
        """Evaluate the model at points whose columns are exactly the input variables.

        This is the solvers' fast path: no label lookups.

        Args:
            x: ``LabelTensor`` of shape ``(n, k)`` labelled ``input_variables``
                in that order. The model receives it (normalised, with
                :meth:`set_normalization`; with the extra features appended as
                labelled columns), so models may read columns by label;
                plain-tensor models simply use it as a tensor.

        Returns:
            Plain tensor of shape ``(n, m)`` (in the data's units: with
            :meth:`set_normalization`, the maps are applied here).
        """
        inputs: Tensor = x
        buffers = self._buffers
        input_shift, input_scale = buffers.get("input_shift"), buffers.get("input_scale")
        if input_shift is not None and input_scale is not None:
            inputs = LabelTensor._from((x.tensor - input_shift) / input_scale, x._labels)
        if len(self._extra_features) > 0:
            columns = [inputs.as_subclass(Tensor)]
            labels = list(x.labels)
            for i, feature in enumerate(self._extra_features):
                value = feature(x)
                if isinstance(value, LabelTensor):
                    labels += value.labels
                    value = value.tensor
                else:
                    labels += [f"extra_feature_{i}_{j}" for j in range(value.shape[-1])]
                columns.append(value)
            inputs = LabelTensor._from(torch.cat(columns, dim=-1), labels)
        out = self._model(inputs) if self._width_checked else self._first_call(inputs)
        if out.shape[-1] != len(self._output_variables):
            raise ValueError(
                f"The model returns {out.shape[-1]} output column(s) (shape "
                f"{tuple(out.shape)}) but the problem has output_variables="
                f"{self._output_variables!r}; make output_dimensions "
                f"{len(self._output_variables)}."
            )
        out = out.as_subclass(Tensor) if isinstance(out, LabelTensor) else out
        output_shift, output_scale = buffers.get("output_shift"), buffers.get("output_scale")
        if output_shift is not None and output_scale is not None:
            out = out * output_scale + output_shift
        return out


def _declared_input_width(model: nn.Module) -> tuple[int, str] | None:
    """The input width ``model`` applies its first layer to, when it can be read without a run.

    Known for an ``nn.Linear``, an ``nn.Sequential`` whose first module is one of
    these, and pina's ``FeedForward``/``ResidualFeedForward`` (whose ``forward``
    is not overridden); ``None`` for any other module.

    Returns:
        ``(width, description)`` or ``None``.
    """
    if isinstance(model, nn.Linear) and type(model).forward is nn.Linear.forward:
        return model.in_features, f"Linear(in_features={model.in_features})"
    if isinstance(model, nn.Sequential) and type(model).forward is nn.Sequential.forward:
        return _declared_input_width(model[0]) if len(model) > 0 else None
    for cls in (FeedForward, ResidualFeedForward):
        if isinstance(model, cls) and type(model).forward is cls.forward:
            width = model.input_dimension
            return width, f"{cls.__name__}(input_dimensions={width})"
    return None
