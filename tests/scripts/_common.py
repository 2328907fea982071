"""Shared by the scripts the multi-process tests run in their own processes.

A standalone script cannot import the test suite's helpers, so the problems of
``tests/_problems.py`` (the tutorial's ``SimpleODE``, the inverse problem ``Growth``) are
repeated here once for all of them. The scripts import this
module as ``_common`` (Python puts a script's own folder on ``sys.path``, and passes it
on to the processes ``ddp_spawn`` starts).
"""

from __future__ import annotations

import os
import sys

import torch
import torch.distributed

from pina import Condition, LabelTensor
from pina.equation import Equation, FixedValue
from pina.geometry import CartesianDomain
from pina.operators import grad
from pina.problem import InverseProblem, SpatialProblem


def ode_equation(input_, output_):
    u_x = grad(output_, input_, components=["u"], d=["x"])
    return u_x - output_.extract(["u"])


class SimpleODE(SpatialProblem):
    output_variables = ["u"]
    spatial_domain = CartesianDomain({"x": [0, 1]})
    conditions = {
        "x0": Condition(location=CartesianDomain({"x": 0.0}), equation=FixedValue(1)),
        "D": Condition(location=CartesianDomain({"x": [0, 1]}), equation=Equation(ode_equation)),
    }


def growth_equation(input_, output_, params_):
    u = output_.extract(["u"])
    return grad(output_, input_, components=["u"], d=["x"]) - params_["k"] * u


#: The data of :class:`Growth`: ``u = exp(1.5 x)`` at 5 points.
X_DATA = torch.linspace(0, 1, 5).reshape(-1, 1)


class Growth(SpatialProblem, InverseProblem):
    output_variables = ["u"]
    spatial_domain = CartesianDomain({"x": [0, 1]})
    unknown_parameter_domain = CartesianDomain({"k": [0, 3]})
    conditions = {
        "D": Condition(location=CartesianDomain({"x": [0, 1]}), equation=Equation(growth_equation)),
        "data": Condition(
            input_points=LabelTensor(X_DATA, ["x"]),
            output_points=LabelTensor(torch.exp(1.5 * X_DATA), ["u"]),
        ),
    }


def end_process() -> None:
    """End the process cleanly once the results are written.

    After several Trainers in one process, gloo's threads can abort the interpreter's
    shutdown ("terminate called without an active exception"); leave the process group
    and exit without running the interpreter's teardown.
    """
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        torch.distributed.destroy_process_group()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
