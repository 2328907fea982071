"""Errors that are two built-in exception types at once, for code written for PINA 0.1.

pina raises ``TypeError`` for an argument of the wrong type and ``ValueError`` for a
wrong value. PINA 0.1 sometimes raised another type for the same mistake (its
``check_consistency`` raised ``ValueError`` for a wrong type, an unknown ``fixed=`` name
raised ``TypeError``, ...), and code written for it catches that type. Each class below
is an instance of both, as numpy's ``AxisError`` is both a ``ValueError`` and an
``IndexError``: ``except TypeError`` and ``except ValueError`` both catch an
:class:`ArgumentTypeError`. The message is the one pina gives either way.

Private: users catch the built-in types, never these names.
"""

from __future__ import annotations

__all__ = [
    "ArgumentIndexError",
    "ArgumentRuntimeError",
    "ArgumentTypeError",
    "ArgumentValueError",
    "MissingCallbackError",
    "MissingMethodError",
    "UnsupportedValueError",
]


class ArgumentTypeError(TypeError, ValueError):
    """An argument of the wrong type, where PINA 0.1 raised ``ValueError``.

    0.1 checked types with ``check_consistency``, which raises ``ValueError``.
    """


class ArgumentValueError(ValueError, TypeError):
    """An argument with a wrong value, where PINA 0.1 raised ``TypeError``.

    For example an unknown name in an adaptive activation's ``fixed=``, or an unknown
    sampling ``mode`` of ``discretise_domain``.
    """


class UnsupportedValueError(ValueError, NotImplementedError):
    """A value pina does not support, where PINA 0.1 raised ``NotImplementedError``.

    For example a sampling ``mode`` a domain cannot sample, an unknown reduction, or
    geometries with different variables in a set operation.
    """


class ArgumentRuntimeError(ValueError, RuntimeError):
    """Arguments that do not fit together, where PINA 0.1 raised ``RuntimeError``.

    For example a derivative with respect to a label the input does not have.
    """


class ArgumentIndexError(ValueError, IndexError):
    """Entries of an argument with mismatched lengths, where PINA 0.1 raised ``IndexError``."""


class MissingMethodError(TypeError, SyntaxError):
    """An object without a method it must have, where PINA 0.1 raised ``SyntaxError``.

    ``str()`` gives the message alone (not ``SyntaxError``'s file and line format).
    """

    def __str__(self) -> str:
        return Exception.__str__(self)


class MissingCallbackError(ValueError, FileNotFoundError):
    """A callback the call needs is missing, where PINA 0.1 raised ``FileNotFoundError``.

    ``str()`` gives the message alone (not ``OSError``'s errno format).
    """

    def __str__(self) -> str:
        return Exception.__str__(self)
