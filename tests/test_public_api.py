"""The public import paths of PINA 0.1 that pina provides, and exact ``__all__`` lists."""

from __future__ import annotations

import importlib

import pytest

PUBLIC_PACKAGES = [
    "pina",
    "pina.label_tensor",
    "pina.condition",
    "pina.trainer",
    "pina.operators",
    "pina.problem",
    "pina.problem.zoo",
    "pina.geometry",
    "pina.equation",
    "pina.equation.equation",
    "pina.equation.equation_factory",
    "pina.model",
    "pina.model.network",
    "pina.model.layers",
    "pina.plotter",
    "pina.loss",
    "pina.adaptive_functions",
    "pina.solvers",
    "pina.callbacks",
    "pina.dataset",
    "pina.utils",
]


@pytest.mark.parametrize("name", PUBLIC_PACKAGES)
def test_all_lists_exactly_existing_names(name: str) -> None:
    module = importlib.import_module(name)
    exported = module.__all__
    assert len(exported) == len(set(exported)), f"{name}.__all__ has duplicates"
    for attribute in exported:
        assert hasattr(module, attribute), f"{name}.__all__ lists {attribute!r}, which is missing"


def test_star_import_gives_the_top_level_names() -> None:
    namespace: dict[str, object] = {}
    exec("from pina import *", namespace)
    for name in ["LabelTensor", "Condition", "Trainer", "Location", "PINN", "Plotter"]:
        assert name in namespace
    assert isinstance(namespace["__version__"], str)


def test_import_paths_of_the_reference_tutorial_and_spec() -> None:
    from pina import PINN, Condition, LabelTensor, Location, Plotter, Trainer  # noqa: F401
    from pina.adaptive_functions import (  # noqa: F401
        AdaptiveCELU,
        AdaptiveELU,
        AdaptiveExp,
        AdaptiveGELU,
        AdaptiveMish,
        AdaptiveReLU,
        AdaptiveSigmoid,
        AdaptiveSiLU,
        AdaptiveSIREN,
        AdaptiveSoftmax,
        AdaptiveSoftmin,
        AdaptiveTanh,
    )
    from pina.callbacks import MetricTracker  # noqa: F401
    from pina.condition import Condition as Condition2
    from pina.dataset import DataPointDataset, SamplePointDataset, SamplePointLoader  # noqa: F401
    from pina.equation import (  # noqa: F401
        Equation,
        FixedFlux,
        FixedGradient,
        FixedValue,
        Laplace,
        SystemEquation,
    )
    from pina.equation.equation import Equation as Equation2
    from pina.equation.equation_factory import FixedValue as FixedValue2
    from pina.geometry import CartesianDomain  # noqa: F401
    from pina.geometry import Location as Location2
    from pina.label_tensor import LabelTensor as LabelTensor2
    from pina.loss import LossInterface, LpLoss, PowerLoss  # noqa: F401
    from pina.model import (  # noqa: F401
        FNO,
        AveragingNeuralOperator,
        DeepONet,
        FeedForward,
        FourierIntegralKernel,
        KernelNeuralOperator,
        LowRankNeuralOperator,
        MIONet,
        MultiFeedForward,
        ResidualFeedForward,
    )
    from pina.model.layers import (  # noqa: F401
        AVNOBlock,
        ContinuousConvBlock,
        EnhancedLinear,
        FourierBlock1D,
        FourierBlock2D,
        FourierBlock3D,
        LowRankBlock,
        PeriodicBoundaryEmbedding,
        PODBlock,
        ResidualBlock,
        SpectralConvBlock1D,
        SpectralConvBlock2D,
        SpectralConvBlock3D,
    )
    from pina.model.network import Network  # noqa: F401
    from pina.operators import advection, div, grad, laplacian  # noqa: F401
    from pina.plotter import Plotter as Plotter2
    from pina.problem import (  # noqa: F401
        AbstractProblem,
        InverseProblem,
        ParametricProblem,
        SpatialProblem,
        TimeDependentProblem,
    )
    from pina.solvers import PINN as PINN2  # noqa: F401
    from pina.trainer import Trainer as Trainer2
    from pina.utils import (  # noqa: F401
        chebyshev_roots,
        check_consistency,
        merge_tensors,
        number_parameters,
        torch_lhs,
    )

    assert Condition2 is Condition
    assert Equation2 is Equation
    assert FixedValue2 is FixedValue
    assert Location2 is Location
    assert LabelTensor2 is LabelTensor
    assert PINN2 is PINN
    assert Trainer2 is Trainer
    assert Plotter2 is Plotter
