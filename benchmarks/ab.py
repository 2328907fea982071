"""Before/after: the same benchmark case on two pina source trees, side by side in one run.

For changes to the training path: check out the old commit in a worktree and compare::

    git worktree add /tmp/pina-before HEAD~1
    .venv/bin/python benchmarks/ab.py --before /tmp/pina-before --cases poisson_small

Each measurement is ``cases.py`` in its own process, run by ``run.py``'s ``measure`` with
``PYTHONPATH`` set to one tree (the script checks which ``pina`` was imported); the two
trees alternate run by run, so drift of the machine hits both alike. Prints one line per
(case, settings, tree): the median speed, every run, and the last epoch's mean loss (equal
losses mean equal maths).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from pathlib import Path

from _specs import CASES
from run import Interpreter, Row, Variant, child_env, measure

HERE = Path(__file__).resolve().parent


def run_once(tree: Path, case: str, settings: str, epochs: int, seed: int) -> dict:
    """One training of ``case`` with the ``pina`` of ``tree``; its JSON result."""
    interp = Interpreter(Path(sys.executable), child_env(f"{tree}{os.pathsep}{HERE}"))
    spec = CASES[case]
    result = measure(
        interp,
        Row("pina", settings, settings),
        Variant(spec, spec.title),
        epochs,
        seed,
        timeout=3600,
    )
    if not Path(str(result["pina_file"])).resolve().is_relative_to(tree.resolve()):
        raise RuntimeError(f"imported pina from {result['pina_file']}, not from {tree}")
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, required=True, help="source tree of 'before'")
    parser.add_argument("--after", type=Path, default=HERE.parent, help="default: this repo")
    parser.add_argument("--cases", nargs="+", choices=list(CASES), default=["poisson_small"])
    parser.add_argument("--settings", nargs="+", choices=["tutorial", "lean"], default=None)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=None, help="default: the case's")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    settings = args.settings or ["tutorial", "lean"]
    trees = {"before": args.before, "after": args.after}
    for case in args.cases:
        spec = CASES[case]
        runs: dict[tuple[str, str], list[dict]] = {}
        for _ in range(args.repeats):
            for setting in settings:
                for name, tree in trees.items():
                    epochs = spec.epochs if args.epochs is None else args.epochs
                    res = run_once(tree, case, setting, epochs, args.seed)
                    runs.setdefault((setting, name), []).append(res)
        for (setting, name), results in runs.items():
            speeds = [r["timed_epochs"] / r["seconds"] for r in results]
            if spec.unit == "s/epoch":
                shown = [1.0 / s for s in speeds]
                cell = f"{statistics.median(shown):.4f} s/epoch"
                every = ", ".join(f"{s:.4f}" for s in shown)
            else:
                cell = f"{statistics.median(speeds):7.1f} epochs/s"
                every = ", ".join(f"{s:.1f}" for s in speeds)
            loss = results[-1]["mean_loss"]
            print(f"{case:14s} {setting:9s} {name:7s} {cell}  runs [{every}]  mean loss {loss:.4g}")


if __name__ == "__main__":
    main()
