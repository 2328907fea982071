"""Measure pina against PINA 0.1.1 and bare PyTorch loops; print one table of medians.

Every measurement is one training run in its own subprocess (``cases.py`` for the two
PINA-API implementations, ``bare.py`` for the floor), run from a temporary directory
outside the repository. Rows of a case are interleaved (row 1, row 2, ..., then the next
repeat) so that drift of the machine hits every row alike. See ``benchmarks/README.md``.

After it, the supervised case: ``fno_overhead.py --tables training`` (FNO-2D, batch 32 on
64x64: pina's SupervisedSolver + Trainer against plain PyTorch training loops), also in
its own subprocess; ``--skip-supervised`` leaves it out.

    make bench                                   # full run, 3 repeats
    .venv/bin/python benchmarks/run.py --quick   # smoke run: few epochs, 1 repeat
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from _specs import CASES, RESULT_KEY, CaseSpec

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
REF_VERSION = "0.1.1"
REF_REQUIREMENTS = ["torch==2.13.0", f"pina-mathlab=={REF_VERSION}", "tensorboard"]
DEFAULT_REF_VENV = Path.home() / ".cache" / "pina-bench" / "ref-venv"
# Exactly the public names cases.py imports: a failure here means "not implemented yet".
IMPORT_PROBE = (
    "import pina, tensorboard\n"
    "from pina import Condition, LabelTensor, Trainer\n"
    "from pina.solvers import PINN\n"
    "from pina.model import FeedForward\n"
    "from pina.problem import SpatialProblem\n"
    "from pina.operators import grad, laplacian\n"
    "from pina.geometry import CartesianDomain\n"
    "from pina.equation import Equation, FixedValue\n"
    "print(pina.__version__)\n"
)


@dataclass(frozen=True)
class Row:
    """One row of a case: which implementation, with which Trainer settings."""

    impl: str  # "pina", "bare" or "reference"
    settings: str  # "tutorial", "lean" or "bare"
    label: str


ROWS = (
    Row("pina", "tutorial", "pina, tutorial settings"),
    Row("pina", "lean", "pina, lean"),
    Row("bare", "bare", "bare PyTorch loop"),
    Row("reference", "tutorial", "PINA 0.1.1, tutorial settings"),
    Row("reference", "lean", "PINA 0.1.1, lean"),
)
BASELINE = ROWS[3]  # PINA 0.1.1 with the tutorial's settings
FLOOR = ROWS[2]  # bare loop

#: glibc malloc settings that keep freed memory in the process instead of returning it to
#: the kernel after every step (default: trimmed above 2x the dynamic mmap threshold). A step
#: of the large case allocates ~100 MB of autograd buffers; with the defaults every row pays
#: page faults for part of it again each step, how much depending on where the last live
#: allocation sits in the heap, which differs between programs that do the same maths.
KEPT_HEAP_ENV = {"MALLOC_MMAP_THRESHOLD_": "33554432", "MALLOC_TRIM_THRESHOLD_": "1073741824"}


@dataclass(frozen=True)
class Variant:
    """A case as measured: its spec, a title for the table and extra environment."""

    spec: CaseSpec
    title: str
    env: tuple[tuple[str, str], ...] = ()


def variants(cases: Sequence[CaseSpec], heap: str) -> list[Variant]:
    """The measured variants: every case, and the large case again with the heap kept."""
    out: list[Variant] = []
    for spec in cases:
        if spec.name != "poisson_large" or heap in ("glibc", "both"):
            out.append(Variant(spec, spec.title))
        if spec.name == "poisson_large" and heap in ("kept", "both"):
            out.append(Variant(spec, f"{spec.title}, heap kept", tuple(KEPT_HEAP_ENV.items())))
    return out


@dataclass
class Measurements:
    """The repeats of one (case, row) pair."""

    speeds: list[float] = field(default_factory=list)  # epochs per second
    losses: list[float] = field(default_factory=list)
    errors: list[float] = field(default_factory=list)
    failure: str | None = None
    n_points: dict[str, int] | None = None


@dataclass
class Interpreter:
    """A Python that runs one implementation, or the reason it cannot."""

    python: Path | None
    env: dict[str, str]
    note: str = ""


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- environments


def child_env(pythonpath: str | None) -> dict[str, str]:
    """The environment of a measurement: one torch thread unless set, no user site."""
    env = dict(os.environ)
    for key in ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "VIRTUAL_ENV"):
        env.pop(key, None)
    env.setdefault("OMP_NUM_THREADS", "1")
    env.setdefault("MKL_NUM_THREADS", env["OMP_NUM_THREADS"])
    env["PYTHONNOUSERSITE"] = "1"
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    return env


def probe(python: Path, env: dict[str, str]) -> tuple[str | None, str]:
    """Import the shared public API with ``python``; return (pina version or None, stderr)."""
    with tempfile.TemporaryDirectory(prefix="pina-bench-probe-") as cwd:
        try:
            proc = subprocess.run(
                [str(python), "-c", IMPORT_PROBE],
                cwd=cwd,
                env=env,
                capture_output=True,
                text=True,
                timeout=300,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            return None, str(exc)
    if proc.returncode != 0:
        return None, proc.stderr
    return proc.stdout.strip().splitlines()[-1], ""


def last_line(text: str) -> str:
    lines = [ln for ln in text.strip().splitlines() if ln.strip()]
    return lines[-1] if lines else "(no output)"


def ensure_reference(venv: Path) -> Interpreter:
    """Reuse the reference venv if it imports PINA 0.1.1, else (re)create it with pip."""
    env = child_env(None)
    python = venv / "bin" / "python"
    if python.exists() and probe(python, env)[0] == REF_VERSION:
        return Interpreter(python, env)

    log(f"creating the reference venv at {venv} (pina-mathlab=={REF_VERSION}, CPU torch) ...")
    base = shutil.which("python3") or sys.executable
    constraints = [f"-c{REPO / 'constraints.txt'}"] if (REPO / "constraints.txt").exists() else []
    steps = [
        [base, "-m", "venv", str(venv)],
        # torch pinned in the same call (and by our constraints) so pip never
        # resolves a CUDA build; the rest pinned like our own venv for a fair match.
        [str(python), "-m", "pip", "install", "-q", "--retries", "2", "--timeout", "60"]
        + constraints
        + REF_REQUIREMENTS,
    ]
    for cmd in steps:
        try:
            proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=1800)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return Interpreter(None, env, f"could not create the reference venv: {exc}")
        if proc.returncode != 0:
            text = proc.stderr or proc.stdout
            errors = [ln for ln in text.splitlines() if ln.startswith("ERROR:")]
            why = errors[0] if errors else last_line(text)
            return Interpreter(
                None,
                env,
                f"could not create the reference venv at {venv} ({' '.join(cmd[1:4])} ...: {why}); "
                "it needs PyPI once, or PINA_BENCH_REF_VENV naming a venv with "
                f"pina-mathlab=={REF_VERSION} and tensorboard",
            )
    version, err = probe(python, env)
    if version != REF_VERSION:
        return Interpreter(
            None, env, f"reference venv {venv} does not import pina {REF_VERSION}: {last_line(err)}"
        )
    return Interpreter(python, env)


def ours(python: Path, pythonpath: str | None) -> Interpreter:
    """Our pina: by default the repo's venv with the repo root on ``PYTHONPATH``."""
    env = child_env(pythonpath)
    version, err = probe(python, env)
    if version is None:
        return Interpreter(None, env, f"pina not importable yet: {last_line(err)}")
    return Interpreter(python, env)


# --------------------------------------------------------------------------- measuring


def measure(
    interp: Interpreter, row: Row, var: Variant, epochs: int, seed: int, timeout: float
) -> dict[str, object]:
    """Run one training in a subprocess (cwd: a fresh temp dir) and return its JSON result."""
    assert interp.python is not None
    spec = var.spec
    if row.impl == "bare":
        cmd = [str(interp.python), str(HERE / "bare.py"), "--case", spec.name]
    else:
        cmd = [str(interp.python), str(HERE / "cases.py"), "--case", spec.name]
        cmd += ["--settings", row.settings, "--impl", row.impl]
    cmd += ["--epochs", str(epochs), "--seed", str(seed)]
    with tempfile.TemporaryDirectory(prefix="pina-bench-run-") as cwd:
        if Path(cwd).resolve().is_relative_to(REPO):
            raise RuntimeError(f"temporary directory {cwd} is inside the repository {REPO}")
        proc = subprocess.run(
            cmd,
            cwd=cwd,
            env={**interp.env, **dict(var.env)},
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith("{") and RESULT_KEY in line:
            result: dict[str, object] = json.loads(line)
            return result
    raise RuntimeError(f"exit code {proc.returncode}: {last_line(proc.stderr or proc.stdout)}")


def check(result: dict[str, object], row: Row, epochs: int, ref_venv: Path | None) -> None:
    """Refuse results that did not measure what the row claims."""
    if result["timed_epochs"] != epochs - 1:
        raise RuntimeError(f"timed {result['timed_epochs']} epochs, expected {epochs - 1}")
    if row.impl == "reference":
        where = Path(str(result["pina_file"])).resolve()
        if result["pina_version"] != REF_VERSION or (
            ref_venv is not None and not where.is_relative_to(ref_venv.resolve())
        ):
            raise RuntimeError(f"reference row imported pina {result['pina_version']} from {where}")


# --------------------------------------------------------------------------- supervised case

# fno_overhead.py's training table: timed steps per row and repeats (quick: smoke run).
SUPERVISED_ITERS, SUPERVISED_REPEATS = 10, 2
SUPERVISED_QUICK_ITERS = 3


def supervised_table(interp: Interpreter, quick: bool, timeout: float) -> tuple[str, str]:
    """Run ``fno_overhead.py --tables training``; return (its table, a note or '')."""
    if interp.python is None:
        return "", f"supervised case not run: {interp.note}"
    iters = SUPERVISED_QUICK_ITERS if quick else SUPERVISED_ITERS
    repeats = 1 if quick else SUPERVISED_REPEATS
    cmd = [str(interp.python), str(HERE / "fno_overhead.py"), "--tables", "training"]
    cmd += ["--iters", str(iters), "--repeats", str(repeats)]
    if quick:
        cmd += ["--warmup", "1"]
    log(f"supervised case: {' '.join(cmd[1:])}")
    with tempfile.TemporaryDirectory(prefix="pina-bench-fno-") as cwd:
        try:
            proc = subprocess.run(
                cmd, cwd=cwd, env=interp.env, capture_output=True, text=True, timeout=timeout
            )
        except subprocess.TimeoutExpired:
            return "", f"supervised case: timed out after {timeout:.0f} s"
    for line in proc.stderr.splitlines():
        if line.startswith("repeat "):
            log(f"  {line}")
    if proc.returncode != 0:
        return "", f"supervised case failed: {last_line(proc.stderr or proc.stdout)}"
    return proc.stdout.strip(), ""


# --------------------------------------------------------------------------- table


def fmt_speed(spec: CaseSpec, eps: float) -> str:
    if spec.unit == "s/epoch":
        return f"{1.0 / eps:.4f} s/epoch"
    return f"{eps:.1f} epochs/s"


def fmt_sci(values: list[float]) -> str:
    vals = [v for v in values if v is not None]
    return f"{statistics.median(vals):.2e}" if vals else "-"


def table(results: dict[tuple[str, Row], Measurements], cases: Sequence[Variant]) -> str:
    """Render the one table: medians, spread, ratios, and the accuracy sanity columns."""
    head = (
        "case",
        "row",
        "median",
        "spread",
        "vs 0.1.1 tut.",
        "vs bare",
        "mean loss",
        "rel. L2 err",
    )
    lines: list[tuple[str, ...]] = [head]
    for var in cases:
        spec = var.spec
        base = results.get((var.title, BASELINE))
        floor = results.get((var.title, FLOOR))
        base_eps = statistics.median(base.speeds) if base and base.speeds else None
        floor_eps = statistics.median(floor.speeds) if floor and floor.speeds else None
        for i, row in enumerate(ROWS):
            m = results.get((var.title, row))
            case_cell = var.title if i == 0 else ""
            if m is None or not m.speeds:
                why = "n/a" if m is None or m.failure is None else "error"
                lines.append((case_cell, row.label, why, "", "", "", "", ""))
                continue
            eps = statistics.median(m.speeds)
            spread = (max(m.speeds) - min(m.speeds)) / 2.0 / eps
            lines.append(
                (
                    case_cell,
                    row.label,
                    fmt_speed(spec, eps),
                    f"±{100 * spread:.0f}%" if len(m.speeds) > 1 else "",
                    f"{eps / base_eps:.2f}x" if base_eps else "n/a",
                    f"{eps / floor_eps:.2f}x" if floor_eps else "n/a",
                    fmt_sci(m.losses),
                    fmt_sci(m.errors),
                )
            )
    widths = [max(len(r[c]) for r in lines) for c in range(len(head))]
    right = {2, 3, 4, 5, 6, 7}
    out = []
    for n, r in enumerate(lines):
        cells = [
            r[c].rjust(widths[c]) if c in right else r[c].ljust(widths[c]) for c in range(len(r))
        ]
        out.append("  ".join(cells).rstrip())
        if n == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="runs per row; the median is shown")
    parser.add_argument("--quick", action="store_true", help="smoke run: few epochs, 1 repeat")
    parser.add_argument("--skip-reference", action="store_true", help="no PINA 0.1.1 rows")
    parser.add_argument("--cases", nargs="+", choices=list(CASES), default=list(CASES))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--skip-supervised",
        action="store_true",
        help="no supervised (FNO, SupervisedSolver vs plain PyTorch) table",
    )
    parser.add_argument(
        "--heap",
        choices=("glibc", "kept", "both"),
        default="both",
        help="large case with glibc's default malloc settings, with the heap kept "
        "(KEPT_HEAP_ENV, every row alike), or both",
    )
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds per run")
    parser.add_argument(
        "--ref-venv",
        type=Path,
        default=Path(os.environ.get("PINA_BENCH_REF_VENV", DEFAULT_REF_VENV)),
        help="reference venv, created on demand (env PINA_BENCH_REF_VENV)",
    )
    parser.add_argument(
        "--pina-python",
        type=Path,
        default=REPO / ".venv" / "bin" / "python",
        help="interpreter for the pina and bare rows (default: the repo's .venv)",
    )
    parser.add_argument(
        "--pina-pythonpath",
        default=str(REPO),
        help="PYTHONPATH of the pina rows (default: the repo root; '' for none)",
    )
    args = parser.parse_args(argv)
    repeats = 1 if args.quick else args.repeats
    if repeats < 1:
        parser.error(f"--repeats={args.repeats!r} must be at least 1")
    pina_python = args.pina_python if args.pina_python.exists() else Path(sys.executable)
    cases = variants([CASES[name] for name in args.cases], args.heap)
    started = time.perf_counter()

    notes: list[str] = []
    interps: dict[str, Interpreter] = {
        "pina": ours(pina_python, args.pina_pythonpath or None),
        "bare": Interpreter(pina_python, child_env(None)),
    }
    if args.skip_reference:
        interps["reference"] = Interpreter(None, {}, "reference rows skipped (--skip-reference)")
    else:
        interps["reference"] = ensure_reference(args.ref_venv.expanduser().absolute())
    notes += [i.note for i in interps.values() if i.note]
    for note in notes:
        log(f"note: {note}")

    results: dict[tuple[str, Row], Measurements] = {}
    seen: dict[str, str] = {}
    plan = [(v, r) for v in cases for _ in range(repeats) for r in ROWS]
    runnable = [(s, r) for s, r in plan if interps[r.impl].python is not None]
    for n, (var, row) in enumerate(runnable, 1):
        spec = var.spec
        epochs = spec.quick_epochs if args.quick else spec.epochs
        m = results.setdefault((var.title, row), Measurements())
        if m.failure is not None:
            continue
        try:
            res = measure(interps[row.impl], row, var, epochs, args.seed, args.timeout)
            check(res, row, epochs, args.ref_venv.expanduser().absolute())
        except (RuntimeError, subprocess.TimeoutExpired, json.JSONDecodeError) as exc:
            m.failure = str(exc)
            notes.append(f"{var.title} / {row.label}: failed: {exc}")
            log(f"[{n}/{len(runnable)}] {var.title:13s} {row.label:30s} FAILED: {exc}")
            continue
        eps = float(res["timed_epochs"]) / float(res["seconds"])  # type: ignore[arg-type]
        m.speeds.append(eps)
        m.losses.append(res["mean_loss"])  # type: ignore[arg-type]
        m.errors.append(res["rel_l2"])  # type: ignore[arg-type]
        m.n_points = res.get("n_points")  # type: ignore[assignment]
        if row.impl != "bare":
            seen[row.impl] = f"pina {res['pina_version']} from {res['pina_file']}"
        log(f"[{n}/{len(runnable)}] {var.title:13s} {row.label:30s} {fmt_speed(spec, eps)}")

    for var in cases:  # every row must have trained on as many points
        counts = {
            row.label: results[(var.title, row)].n_points
            for row in ROWS
            if (var.title, row) in results and results[(var.title, row)].n_points
        }
        if len({json.dumps(c, sort_keys=True) for c in counts.values()}) > 1:
            notes.append(f"{var.title}: rows trained on different numbers of points: {counts}")

    epochs_note = ", ".join(
        f"{v.spec.title} {v.spec.quick_epochs if args.quick else v.spec.epochs}"
        for v in cases
        if not v.env
    )
    print(
        f"pina benchmark: median of {repeats} run(s) per row, each in its own process; "
        f"OMP_NUM_THREADS={interps['bare'].env.get('OMP_NUM_THREADS')}; epochs: {epochs_note} "
        "(epoch 0 not timed)"
    )
    print("ratios: speed of the row / speed of PINA 0.1.1 with tutorial settings (or of the bare")
    print("loop); > 1 means faster. mean loss: mean condition loss of the last epoch.")
    if any(v.env for v in cases):
        kept = " ".join(f"{k}={v}" for k, v in KEPT_HEAP_ENV.items())
        print(f"'heap kept': every row of that case ran with {kept} (see README).")
    print()
    print(table(results, cases))
    print()
    for impl, where in sorted(seen.items()):
        print(f"{impl} rows ran {where}")
    for note in notes:
        print(f"note: {note}")
    if not args.skip_supervised:
        supervised, note = supervised_table(interps["pina"], args.quick, args.timeout)
        print()
        print("Supervised case (benchmarks/fno_overhead.py, see benchmarks/README.md):")
        print(supervised or "n/a")
        if note:
            print(f"note: {note}")
    print(f"total wall time {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
