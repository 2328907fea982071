"""Geometries: where the equations of a problem hold and collocation points are drawn."""

from pina.geometry.cartesian import CartesianDomain
from pina.geometry.difference_domain import Difference
from pina.geometry.ellipsoid import EllipsoidDomain
from pina.geometry.exclusion_domain import Exclusion
from pina.geometry.intersection_domain import Intersection
from pina.geometry.location import Location
from pina.geometry.operation_interface import OperationInterface
from pina.geometry.simplex import SimplexDomain
from pina.geometry.union_domain import Union

__all__ = [
    "CartesianDomain",
    "Difference",
    "EllipsoidDomain",
    "Exclusion",
    "Intersection",
    "Location",
    "OperationInterface",
    "SimplexDomain",
    "Union",
]
