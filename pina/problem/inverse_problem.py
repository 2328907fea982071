r"""Problems with unknown parameters, learned from data together with the solution."""

from __future__ import annotations

import torch
from torch import nn

from ..geometry import CartesianDomain
from .abstract_problem import AbstractProblem

__all__ = ["InverseProblem"]

# Names that a ``torch.nn.ParameterDict`` (where the solvers register the unknown
# parameters) cannot hold: its own attributes and methods.
_RESERVED_NAMES = frozenset(dir(nn.ParameterDict()))


class InverseProblem(AbstractProblem):
    r"""A problem whose equations contain unknown scalar parameters.

    Subclasses set ``unknown_parameter_domain``, a
    :class:`~pina.geometry.CartesianDomain` giving each unknown parameter
    :math:`\mu_j` a search range :math:`[a_j, b_j]` (ranges only: a fixed value
    is not unknown). Each instance draws its own starting values uniformly,

    .. math::
        \mu_j^{(0)} = a_j + (b_j - a_j)\, U_j, \qquad U_j \sim \mathcal{U}[0, 1),

    with the global torch random generator (so ``seed_everything`` reproduces
    them). Equations written with three arguments, ``f(input_, output_,
    params_)``, receive ``params_`` = :attr:`unknown_parameters`; a solver
    trains these parameters with the model, on the problem's data
    conditions and equations, and clamps them back into :math:`[a_j, b_j]`
    after every optimizer step.

    Raises:
        TypeError: At instantiation (a class may leave the domain to its
            subclasses), if ``unknown_parameter_domain`` is missing or not a
            ``CartesianDomain``.
        ValueError: At instantiation, if the domain has no variables, fixes a variable instead of
            giving it a range, or names a parameter that cannot be a torch
            parameter name.

    Example:
        >>> class Growth(SpatialProblem, InverseProblem):
        ...     output_variables = ['u']
        ...     spatial_domain = CartesianDomain({'x': [0, 1]})
        ...     unknown_parameter_domain = CartesianDomain({'k': [0, 3]})
        ...
        ...     def growth(input_, output_, params_):
        ...         u = output_.extract(['u'])
        ...         return grad(output_, input_, d=['x']) - params_['k'] * u
        ...
        ...     conditions = {
        ...         'D': Condition(location=spatial_domain, equation=Equation(growth)),
        ...         'data': Condition(input_points=x_data, output_points=u_data),
        ...     }
        >>> Growth().unknown_parameters
        {'k': Parameter containing: tensor([1.4887], requires_grad=True)}
    """

    unknown_parameter_domain: CartesianDomain

    def __init__(self) -> None:
        super().__init__()
        domain = _check_unknown_domain(
            type(self).__name__, getattr(self, "unknown_parameter_domain", None)
        )
        self._unknown_parameters: dict[str, nn.Parameter] = {}
        for name, (low, high) in domain.range_.items():
            value = low + (high - low) * torch.rand(1)
            # Rounding to the default dtype could land a hair outside [low, high].
            self._unknown_parameters[name] = nn.Parameter(value.clamp_(low, high))

    @property
    def unknown_variables(self) -> list[str]:
        """The names of the unknown parameters (the variables of ``unknown_parameter_domain``)."""
        return list(self.unknown_parameter_domain.variables)

    @property
    def unknown_parameters(self) -> dict[str, nn.Parameter]:
        """This instance's unknown parameters: name -> ``torch.nn.Parameter`` of shape ``(1,)``.

        A solver trains these very objects (it registers them, it does not copy
        them), so after training they hold the learned values. To start from a
        value of your own, set it in place before building the solver, e.g.
        ``problem.unknown_parameters['k'].data.fill_(1.0)``; the solver checks
        that it lies inside its range.
        """
        return self._unknown_parameters

    def _check_unknown_parameters(self) -> dict[str, nn.Parameter]:
        """Check :attr:`unknown_parameters` against the domain, before a solver trains them.

        Returns:
            The parameters, in the order of :attr:`unknown_variables`.

        Raises:
            ValueError: If a parameter is missing or extra, not of shape
                ``(1,)``, not finite or outside its range.
            TypeError: If a parameter is not a floating ``torch.nn.Parameter``.
        """
        cls = type(self).__name__
        ranges = self.unknown_parameter_domain.range_
        given = self._unknown_parameters
        if set(given) != set(ranges):
            raise ValueError(
                f"{cls}.unknown_parameters has the names {sorted(given)}, but "
                f"unknown_parameter_domain has {sorted(ranges)}; keep one parameter per variable."
            )
        checked: dict[str, nn.Parameter] = {}
        for name, (low, high) in ranges.items():
            param = given[name]
            if not isinstance(param, nn.Parameter) or not param.is_floating_point():
                raise TypeError(
                    f"{cls}.unknown_parameters[{name!r}] must be a floating torch.nn.Parameter "
                    f"of shape (1,); got {param!r}. Change its value in place instead, e.g. "
                    f"problem.unknown_parameters[{name!r}].data.fill_(value)."
                )
            if tuple(param.shape) != (1,):
                raise ValueError(
                    f"{cls}.unknown_parameters[{name!r}] must have shape (1,); "
                    f"got {tuple(param.shape)}."
                )
            inside = bool(((param >= low) & (param <= high)).all())
            if not inside:
                raise ValueError(
                    f"{cls}.unknown_parameters[{name!r}]={param.item()!r} is outside its range "
                    f"[{low!r}, {high!r}] given by unknown_parameter_domain; set a value inside "
                    "the range, or widen the range."
                )
            checked[name] = param
        return checked


def _check_unknown_domain(owner: str, domain: object) -> CartesianDomain:
    """Check an ``unknown_parameter_domain``: a ``CartesianDomain`` of ranges only."""
    if not isinstance(domain, CartesianDomain):
        found = "None" if domain is None else f"{domain!r} of type {type(domain).__name__}"
        raise TypeError(
            f"{owner}.unknown_parameter_domain must be a CartesianDomain of ranges, e.g. "
            f"CartesianDomain({{'mu': [0, 1]}}); got {found}."
        )
    if not domain.variables:
        raise ValueError(
            f"{owner}.unknown_parameter_domain has no variables; give each unknown parameter "
            "a range, e.g. CartesianDomain({'mu': [0, 1]})."
        )
    fixed = domain.fixed_
    if fixed:
        name, value = next(iter(fixed.items()))
        raise ValueError(
            f"{owner}.unknown_parameter_domain fixes {name!r} to {value!r}, but an unknown "
            f"parameter needs a range to be searched in, e.g. {{{name!r}: [a, b]}} "
            f"(fixed: {fixed!r})."
        )
    bad = [name for name in domain.variables if not name or "." in name or name in _RESERVED_NAMES]
    if bad:
        raise ValueError(
            f"{owner}.unknown_parameter_domain has the variable name(s) {bad!r}, which cannot "
            "name a torch parameter (empty, containing '.', or an attribute of "
            "torch.nn.ParameterDict); rename them."
        )
    return domain
