"""The wrapper every solver puts around a user model."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

from ..label_tensor import LabelTensor

__all__ = ["Network"]


class Network(nn.Module):
    """Select the input variables, append extra features, run the model, label the output.

    Args:
        model: Any module mapping ``(n, k + f)`` to ``(n, m)`` where ``k`` is
            the number of input variables, ``f`` the total width of the extra
            features and ``m`` the number of output variables.
        input_variables: Labels of the model inputs, in the model's column order.
        output_variables: Labels of the model outputs.
        extra_features: Modules ``g(x) -> (n, j)`` computed from the labelled
            input ``x`` and appended to it as extra columns (they may have
            trainable parameters, which train with the model).

    Raises:
        TypeError: For a model or feature that is not an ``nn.Module``, or
            variables that are not lists of str.
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
            raise TypeError(f"model must be a torch.nn.Module; got {type(model).__name__}.")
        for name, value in (
            ("input_variables", input_variables),
            ("output_variables", output_variables),
        ):
            if isinstance(value, str) or not all(isinstance(v, str) for v in value):
                raise TypeError(f"{name} must be a list of str; got {value!r}.")
        features = list(extra_features or [])
        for i, feature in enumerate(features):
            if not isinstance(feature, nn.Module):
                raise TypeError(
                    f"extra_features[{i}] must be a torch.nn.Module; got {type(feature).__name__}."
                )
        self._model = model
        self._input_variables = list(input_variables)
        self._output_variables = list(output_variables)
        self._extra_features = nn.ModuleList(features)

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
                in that order. The model receives it (with the extra features
                appended as labelled columns), so models may read columns by
                label; plain-tensor models simply use it as a tensor.

        Returns:
            Plain tensor of shape ``(n, m)``.
        """
        inputs: Tensor = x
        if len(self._extra_features) > 0:
            columns = [x.tensor]
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
        out = self._model(inputs)
        if out.shape[-1] != len(self._output_variables):
            raise ValueError(
                f"The model returns {out.shape[-1]} output column(s) (shape "
                f"{tuple(out.shape)}) but the problem has output_variables="
                f"{self._output_variables!r}; make output_dimensions "
                f"{len(self._output_variables)}."
            )
        return out.as_subclass(Tensor) if isinstance(out, LabelTensor) else out
