"""What keeping labels on elementwise torch functions would cost (issue 10, item 9).

PINA 0.1 code writes ``u = torch.pow(pts, 2); u.labels = ['u1', 'u2']``. pina's
``LabelTensor.__torch_function__`` returns plain tensors for every torch function
(``plain``). The candidate measured here (``keep``) would make ``torch.pow(t, 2)``,
``torch.sin(t)``, ``2 * t``, activations, ... return a ``LabelTensor`` with the labels of
their first ``LabelTensor`` argument of the result's shape (so ``u.labels = [...]`` can
rename them), every other function still a plain tensor. The two are swapped on the class
in one process, alternately, so drift of the machine hits both alike. The result decided
it: see ``docs/api.md`` ("Torch functions on a LabelTensor"). ::

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/label_ops.py            # ~2 min
    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/label_ops.py --repeats 5 --epochs 100

Prints one table:

* ``op``: one elementwise function on a ``(625, 1)`` LabelTensor (``torch.sin(x)``), µs;
* ``residual``: the Poisson residual of ``cases.py`` (forward, Laplacian, forcing term) at
  the 625 interior points of ``poisson_small``, µs;
* ``<case> epoch``: a full training epoch of ``cases.py``'s ``simpleode`` and
  ``poisson_small`` (lean settings, steady state), ms.

Each row gives the median of ``--repeats`` alternated measurements for both variants,
the median of the paired ratios (keep / plain) and the spread (min-max) of those ratios.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))
os.environ.setdefault("OMP_NUM_THREADS", "1")

import cases  # noqa: E402
import torch  # noqa: E402

from pina import LabelTensor  # noqa: E402
from pina.operators import laplacian  # noqa: E402


def _elementwise_functions() -> frozenset[Callable[..., Any]]:
    """The torch functions and Tensor methods that act on each entry alone.

    Their result has the columns of their argument, so the candidate keeps its
    labels. Comparisons are left out: a mask is not data.
    """
    names = (
        "abs absolute acos arccos acosh arccosh add addcdiv addcmul asin arcsin asinh arcsinh "
        "atan arctan atan2 arctan2 atanh arctanh ceil clamp clip copysign cos cosh deg2rad "
        "digamma div divide erf erfc erfinv exp exp2 expm1 fix float_power floor "
        "floor_divide fmax fmin fmod frac hypot i0 lerp lgamma log log10 log1p log2 logit "
        "maximum minimum mul multiply nan_to_num neg negative positive pow rad2deg reciprocal "
        "relu remainder round rsqrt sgn sigmoid sign sin sinc sinh sqrt square sub subtract "
        "tan tanh true_divide trunc where xlogy"
    ).split()
    dunders = (
        "__abs__ __add__ __radd__ __sub__ __rsub__ __mul__ __rmul__ __truediv__ "
        "__rtruediv__ __div__ __rdiv__ __floordiv__ __rfloordiv__ __mod__ __rmod__ "
        "__pow__ __rpow__ __neg__ __pos__"
    ).split()
    activations = (
        "celu elu gelu hardsigmoid hardswish hardtanh leaky_relu logsigmoid mish relu relu6 "
        "selu sigmoid silu softplus softsign tanh tanhshrink"
    ).split()
    found: set[Callable[..., Any]] = set()
    for owner, members in (
        (torch, names),
        (torch.Tensor, names + dunders),
        (torch.nn.functional, activations),
    ):
        for name in members:
            member = getattr(owner, name, None)
            if member is not None:
                found.add(member)
    return frozenset(found)


_ELEMENTWISE = _elementwise_functions()


def _keep(
    cls: type,
    func: Callable[..., Any],
    types: Iterable[type],
    args: Sequence[Any] = (),
    kwargs: dict[str, Any] | None = None,
) -> Any:
    """The candidate: elementwise functions keep the labels of their argument."""
    with torch._C.DisableTorchFunctionSubclass():
        out = func(*args, **(kwargs or {}))
        if func in _ELEMENTWISE and type(out) is torch.Tensor:
            # (Inside the block: ``arg.shape`` would dispatch here again.)
            shape = out.shape
            for arg in args:
                if isinstance(arg, LabelTensor) and arg.shape == shape:
                    return LabelTensor._from(out, arg._labels)
    return out


def _plain(
    cls: type,
    func: Callable[..., Any],
    types: Iterable[type],
    args: Sequence[Any] = (),
    kwargs: dict[str, Any] | None = None,
) -> Any:
    """pina's ``__torch_function__``: every torch function returns a plain tensor."""
    with torch._C.DisableTorchFunctionSubclass():
        return func(*args, **(kwargs or {}))


VARIANTS = {"plain": classmethod(_plain), "keep": classmethod(_keep)}


def _use(name: str) -> None:
    LabelTensor.__torch_function__ = VARIANTS[name]  # type: ignore[method-assign, assignment]


def _time(fn: Callable[[], Any], number: int) -> float:
    """Seconds per call of ``fn``: the best of 5 rounds of ``number`` calls."""
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, (time.perf_counter() - start) / number)
    return best


def _op_bench() -> Callable[[], float]:
    x = LabelTensor(torch.rand(625, 1), ["x"])
    return lambda: _time(lambda: torch.sin(x), 2000) * 1e6


def _residual_bench() -> Callable[[], float]:
    torch.manual_seed(0)
    problem = cases.build_problem("poisson_small")
    model = torch.nn.Sequential(
        torch.nn.Linear(2, 10), torch.nn.Tanh(), torch.nn.Linear(10, 10), torch.nn.Tanh()
    )
    head = torch.nn.Linear(10, 1)
    pts = problem.input_pts["D"].detach().requires_grad_()

    def step() -> None:
        out = LabelTensor(head(model(pts.tensor)), ["u"])
        x, y = pts.extract(["x"]), pts.extract(["y"])
        force = 2.0 * torch.pi**2 * torch.sin(torch.pi * x) * torch.sin(torch.pi * y)
        residual = laplacian(out, pts, components=["u"], d=["x", "y"]) + force
        residual.as_subclass(torch.Tensor).pow(2).mean().backward()

    return lambda: _time(step, 50) * 1e6


def _epoch_bench(case: str, epochs: int) -> Callable[[], float]:
    def run() -> float:
        result = cases.run(case, "lean", epochs, 0)
        return float(result["seconds"]) / int(result["timed_epochs"]) * 1e3

    return run


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--epochs", type=int, default=200, help="epochs per training run")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    rows = {
        "op (torch.sin, 625 x 1), us": _op_bench(),
        "residual (poisson D, 625 pts), us": _residual_bench(),
        "simpleode epoch, ms": _epoch_bench("simpleode", args.epochs),
        "poisson_small epoch, ms": _epoch_bench("poisson_small", args.epochs),
    }
    import logging

    logging.getLogger("pytorch_lightning").setLevel(logging.ERROR)
    print(f"{'measure':36s} {'plain':>9s} {'keep':>9s} {'ratio':>7s}  ratio min-max")
    for label, bench in rows.items():
        times: dict[str, list[float]] = {"plain": [], "keep": []}
        for i in range(args.repeats):
            order = ("plain", "keep") if i % 2 == 0 else ("keep", "plain")
            for name in order:
                _use(name)
                times[name].append(bench())
        _use("plain")
        ratios = [k / p for k, p in zip(times["keep"], times["plain"])]
        print(
            f"{label:36s} {statistics.median(times['plain']):9.2f} "
            f"{statistics.median(times['keep']):9.2f} {statistics.median(ratios):7.3f}  "
            f"{min(ratios):.3f}-{max(ratios):.3f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
