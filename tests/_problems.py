"""Problems shared by several test modules (importable as ``_problems``: pytest puts
``tests/`` on ``sys.path`` for its conftest).

* :class:`SimpleODE`: the reference tutorial's ``u' = u`` on ``[0, 1]``, ``u(0) = 1``
  (solution ``exp(x)``), with the conditions ``x0`` and ``D``; tests that can, use it
  through the fixtures of ``tests/conftest.py``.
* :class:`Growth`: the inverse problem ``u' = k u`` on ``[0, 1]`` with the unknown
  ``k`` in ``[0, 3]`` and data ``u = exp(1.5 x)`` at the 5 points :data:`X_DATA`.
"""

from __future__ import annotations

import torch

from pina import Condition, LabelTensor
from pina.equation import Equation, FixedValue
from pina.geometry import CartesianDomain
from pina.operators import grad
from pina.problem import InverseProblem, SpatialProblem


def ode_equation(input_, output_):
    """Residual ``u' - u``."""
    u_x = grad(output_, input_, components=["u"], d=["x"])
    u = output_.extract(["u"])
    return u_x - u


class SimpleODE(SpatialProblem):
    output_variables = ["u"]
    spatial_domain = CartesianDomain({"x": [0, 1]})

    conditions = {
        "x0": Condition(location=CartesianDomain({"x": 0.0}), equation=FixedValue(1)),
        "D": Condition(location=CartesianDomain({"x": [0, 1]}), equation=Equation(ode_equation)),
    }

    def truth_solution(self, pts):
        return torch.exp(pts.extract(["x"]))


#: The true ``k`` of :class:`Growth` and its data points ``(5, 1)``.
K = 1.5
X_DATA = torch.linspace(0, 1, 5).reshape(-1, 1)


def growth_equation(input_, output_, params_):
    """Residual ``u' - k u`` with ``k`` the unknown parameter."""
    u = output_.extract(["u"])
    return grad(output_, input_, components=["u"], d=["x"]) - params_["k"] * u


class Growth(SpatialProblem, InverseProblem):
    output_variables = ["u"]
    spatial_domain = CartesianDomain({"x": [0, 1]})
    unknown_parameter_domain = CartesianDomain({"k": [0, 3]})
    conditions = {
        "D": Condition(location=CartesianDomain({"x": [0, 1]}), equation=Equation(growth_equation)),
        "data": Condition(
            input_points=LabelTensor(X_DATA, ["x"]),
            output_points=LabelTensor(torch.exp(K * X_DATA), ["u"]),
        ),
    }
