r"""Reduced order modelling: a reduction network and an interpolation network trained together."""

from __future__ import annotations

from typing import Any, cast

import torch
from torch import Tensor, nn
from torch.optim.lr_scheduler import ConstantLR, LRScheduler

from .._errors import MissingMethodError
from ..label_tensor import LabelTensor
from ..problem import AbstractProblem
from .supervised import SupervisedSolver

__all__ = ["ReducedOrderModelSolver"]

_METHODS = {
    "encode": "a lower-dimensional representation (latent coefficients) of the snapshots",
    "decode": "the snapshots (full fields) reconstructed from such a representation",
}


class ReducedOrderModelSolver(SupervisedSolver):
    r"""Non-intrusive reduced order model: reduce the snapshots, interpolate the reduction.

    The data are snapshots :math:`\mathbf{u}(\mu_i)` (the ``output_points``
    of the data conditions, e.g. fields ``(n, d)``) at parameters
    :math:`\mu_i` (their ``input_points``). The ``reduction_network`` holds
    an encoder :math:`\mathcal{E}` (its method ``encode``, fields to latent
    coefficients) and a decoder :math:`\mathcal{D}` (``decode``, back to
    fields), and the ``interpolation_network`` :math:`\mathcal{I}` maps
    parameters to latent coefficients. Both are trained together (end to end;
    Pichi, Moya and Hesthaven, J. Comput. Phys. 501, 2024) by minimising, for
    each condition :math:`c` of the batch,

    .. math::
        \mathcal{L}_c = \ell\big(\mathcal{I}(\mu),\, \mathcal{E}(\mathbf{u}(\mu))\big)
            + \ell\big(\mathcal{D}(\mathcal{E}(\mathbf{u}(\mu))),\, \mathbf{u}(\mu)\big),

    the interpolation error in the latent space plus the reconstruction error
    (:math:`\ell` is the loss, mean squared error by default, averaged over
    the condition's pairs in the batch), and the step minimises
    :math:`\sum_c w_c \mathcal{L}_c` with :math:`w_c` the conditions'
    ``data_weight``. The solution at new parameters (:meth:`forward`) is

    .. math::
        \hat{\mathbf{u}}(\mu) = \mathcal{D}(\mathcal{I}(\mu))

    (Hesthaven and Ubbiali, J. Comput. Phys. 363, 2018).

    The reduction may have no trainable parameters: e.g. a fitted
    :class:`~pina.model.layers.PODBlock` (``encode = reduce``,
    ``decode = expand``), for which the reconstruction term is the constant
    projection error and only the interpolation network trains. Its buffers
    (the POD basis) are saved in checkpoints and restored by
    ``load_from_checkpoint`` into an unfitted ``PODBlock``.

    Everything else is :class:`SupervisedSolver`'s: data conditions only,
    batching and sharding on the first dimension, and the logged metrics
    ``<condition>_loss`` (:math:`\mathcal{L}_c` above, unweighted) and
    ``mean_loss``. Extra features are not supported (as in PINA 0.1).

    Args:
        problem: A problem with data conditions only: parameters as
            ``input_points``, snapshots as ``output_points``.
        reduction_network: A ``torch.nn.Module`` with callable ``encode``
            (snapshots ``(n, ..., m)``, a ``LabelTensor`` labelled like the
            data, to latent coefficients ``(n, ..., r)``) and ``decode``
            (latent coefficients back to snapshots).
        interpolation_network: A ``torch.nn.Module`` mapping the parameters
            ``(n, ..., k)`` (a ``LabelTensor`` labelled with the problem's input
            variables) to the latent coefficients ``(n, ..., r)``.
        loss: The loss :math:`\ell` (default ``torch.nn.MSELoss()``).
        optimizer: Optimizer class of both networks (default ``torch.optim.Adam``).
        optimizer_kwargs: Its keyword arguments (default ``{'lr': 0.001}``).
        scheduler: Learning-rate scheduler class (default ``ConstantLR``).
        scheduler_kwargs: Its keyword arguments (default ``{'factor': 1, 'total_iters': 0}``).

    Raises:
        TypeError: If a network is not a ``torch.nn.Module``, or the
            reduction network lacks a callable ``encode`` or ``decode``
            (PINA 0.1 raised ``SyntaxError``); for other arguments of the wrong
            type (see :class:`SupervisedSolver`).
        ValueError: If neither network has trainable parameters, or a
            condition is not a data condition.

    Example:
        A POD-NN (Hesthaven and Ubbiali): a POD fitted to the training
        snapshots ``u`` (``(n, d)``) as reduction, a feed-forward network
        interpolating its ``r`` coefficients::

            class PODReduction(torch.nn.Module):
                def __init__(self, rank):
                    super().__init__()
                    self.pod = PODBlock(rank)

                def encode(self, u):
                    return self.pod.reduce(u)

                def decode(self, c):
                    return self.pod.expand(c)

            reduction = PODReduction(8)
            reduction.pod.fit(u)
            rom = ReducedOrderModelSolver(problem, reduction, FeedForward(1, 8))
            Trainer(rom, max_epochs=500).train()
            fields = rom(LabelTensor(new_mu, ["mu"]))  # (m, d)
    """

    def __init__(
        self,
        problem: AbstractProblem,
        reduction_network: nn.Module,
        interpolation_network: nn.Module,
        loss: nn.Module | None = None,
        optimizer: type[torch.optim.Optimizer] = torch.optim.Adam,
        optimizer_kwargs: dict[str, Any] | None = None,
        scheduler: type[LRScheduler] = ConstantLR,
        scheduler_kwargs: dict[str, Any] | None = None,
    ) -> None:
        for name, network in (
            ("reduction_network", reduction_network),
            ("interpolation_network", interpolation_network),
        ):
            if not isinstance(network, nn.Module):
                raise TypeError(f"{name} must be a torch.nn.Module; got {type(network).__name__}.")
        for method, returns in _METHODS.items():
            if not callable(getattr(reduction_network, method, None)):
                raise MissingMethodError(
                    f"reduction_network ({type(reduction_network).__name__}) must have a callable "
                    f"{method!r} method returning {returns}; it has none. For a POD, wrap a "
                    "PODBlock in a module whose encode calls pod.reduce and decode pod.expand."
                )
        if not any(p.requires_grad for p in reduction_network.parameters()) and not any(
            p.requires_grad for p in interpolation_network.parameters()
        ):
            raise ValueError(
                "Neither reduction_network nor interpolation_network has trainable parameters; "
                "there is nothing to train (the interpolation network is usually a FeedForward)."
            )
        super().__init__(
            problem=problem,
            model=nn.ModuleDict(
                {
                    "reduction_network": reduction_network,
                    "interpolation_network": interpolation_network,
                }
            ),
            loss=loss,
            optimizer=optimizer,
            optimizer_kwargs=optimizer_kwargs,
            scheduler=scheduler,
            scheduler_kwargs=scheduler_kwargs,
        )

    @property
    def neural_net(self) -> nn.ModuleDict:
        """The ``torch.nn.ModuleDict`` of the two networks (keys as the arguments' names)."""
        return cast(nn.ModuleDict, self.models[0].torchmodel)

    @property
    def reduction_network(self) -> nn.Module:
        """The reduction network (``encode``/``decode``)."""
        return self.neural_net["reduction_network"]

    @property
    def interpolation_network(self) -> nn.Module:
        """The interpolation network (parameters to latent coefficients)."""
        return self.neural_net["interpolation_network"]

    def _parameters_of(self, x: LabelTensor) -> LabelTensor:
        """``x`` with exactly the problem's input variables as columns, in order."""
        if not isinstance(x, LabelTensor):
            raise TypeError(
                f"The input must be a LabelTensor labelled with "
                f"{self.problem.input_variables!r}; got {type(x).__name__}."
            )
        variables = self.problem.input_variables
        return x if x.labels == variables else x.extract(variables)

    def forward(self, x: LabelTensor) -> LabelTensor:
        r"""The reduced order solution :math:`\mathcal{D}(\mathcal{I}(\mu))` at parameters ``x``.

        Args:
            x: Parameters ``(n, ..., k)``, labelled with (at least) the
                problem's input variables.

        Returns:
            The fields ``(n, ..., m)`` labelled with the problem's output variables.

        Raises:
            TypeError: If ``x`` is not a ``LabelTensor``.
            ValueError: If the decoded fields' last dimension is not the
                number of output variables.
        """
        reduction: Any = self.reduction_network
        coefficients = self.interpolation_network(self._parameters_of(x))
        fields = _plain(reduction.decode(coefficients))
        variables = self.problem.output_variables
        if fields.shape[-1] != len(variables):
            raise ValueError(
                f"reduction_network.decode returns fields of shape {tuple(fields.shape)}, whose "
                f"last dimension should be the {len(variables)} output variables of the problem."
            )
        return LabelTensor._from(fields, list(variables))

    def loss_data(self, input_pts: LabelTensor, output_pts: LabelTensor) -> Tensor:
        r"""Latent interpolation loss plus reconstruction loss of one condition's batch.

        .. math::
            \ell\big(\mathcal{I}(\mu), \mathcal{E}(\mathbf{u})\big)
            + \ell\big(\mathcal{D}(\mathcal{E}(\mathbf{u})), \mathbf{u}\big)

        Args:
            input_pts: Parameters :math:`\mu`, ``(n, ..., k)``.
            output_pts: Snapshots :math:`\mathbf{u}`, ``(n, ..., m)``.

        Returns:
            A scalar tensor.

        Raises:
            ValueError: If the interpolated and encoded coefficients, or the
                reconstructed and given snapshots, differ in shape (a loss would
                otherwise broadcast them silently).
        """
        reduction: Any = self.reduction_network
        interpolated = _plain(self.interpolation_network(self._parameters_of(input_pts)))
        encoded = _plain(reduction.encode(output_pts))
        if interpolated.shape != encoded.shape:
            raise ValueError(
                f"interpolation_network returns shape {tuple(interpolated.shape)} but "
                f"reduction_network.encode returns {tuple(encoded.shape)}; they must match "
                "(the interpolation predicts the encoded coefficients)."
            )
        reconstructed = _plain(reduction.decode(encoded))
        snapshots = output_pts.tensor
        if reconstructed.shape != snapshots.shape:
            raise ValueError(
                f"reduction_network.decode(encode(snapshots)) has shape "
                f"{tuple(reconstructed.shape)} but the snapshots have {tuple(snapshots.shape)}; "
                "decode must map the coefficients back to the snapshots' shape."
            )
        return self.loss(interpolated, encoded) + self.loss(reconstructed, snapshots)


def _plain(value: Tensor) -> Tensor:
    """``value`` as a plain tensor (a view on the same graph when it is a ``LabelTensor``)."""
    return value.tensor if isinstance(value, LabelTensor) else value
