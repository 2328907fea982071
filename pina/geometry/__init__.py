"""Geometries: where the equations of a problem hold and collocation points are drawn."""

from pina.geometry.cartesian import CartesianDomain
from pina.geometry.location import Location

__all__ = ["CartesianDomain", "Location"]
