"""Shared by the scripts the multi-process tests run in their own processes.

A standalone script cannot import the test suite's helpers, so the tutorial's problem of
``tests/_problems.py`` is repeated here once for all of them. The scripts import this
module as ``_common`` (Python puts a script's own folder on ``sys.path``, and passes it
on to the processes ``ddp_spawn`` starts).
"""

from __future__ import annotations

import os
import sys

import torch.distributed

from pina import Condition
from pina.equation import Equation, FixedValue
from pina.geometry import CartesianDomain
from pina.operators import grad
from pina.problem import SpatialProblem


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
