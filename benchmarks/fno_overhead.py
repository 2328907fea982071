"""pina's ``FNO`` against the same 2-D FNO written in plain PyTorch: time and peak memory.

Both models are the FNO-2D of Li et al. with the same sizes: a linear lifting from
3 input channels to ``width``, ``layers`` Fourier blocks (spectral convolution keeping
``modes`` x ``modes`` modes in each of the two corners, plus a 1x1 convolution, tanh
after every block but the last, as pina and PINA 0.1 do), zero padding of 8 points at the
end of each spatial dimension, and a linear projection to 1 channel. The input is a batch
of ``batch`` functions on a ``grid`` x ``grid`` grid, channels last. Before timing, the
plain model is given pina's weights and the two outputs are checked to agree.

One iteration is a forward, the mean squared output as loss, and a backward (gradients
reset to ``None`` before each). After ``--warmup`` untimed iterations, ``--iters``
iterations are timed one by one (``torch.cuda.synchronize`` around each on CUDA) and the
median and the interquartile range are reported.

Peak memory:

- CUDA: ``torch.cuda.max_memory_allocated()`` during the iterations, minus the memory
  allocated before the first one (parameters and input), i.e. the peak of activations,
  gradients and workspace held by PyTorch's allocator.
- CPU: ``tracemalloc`` does not see PyTorch's C++ allocations, so the script reports the
  growth of the peak resident set size (RSS) of the process over the iterations, each model
  in its own freshly spawned process. On Linux the peak is first reset to the current RSS
  (writing ``5`` to ``/proc/self/clear_refs``), and the growth is ``VmHWM`` after the
  iterations minus ``VmRSS`` before them (``/proc/self/status``). ``resource.getrusage``'s
  ``ru_maxrss`` is not used there: in a spawned child it starts at the parent's peak
  (Linux carries the high-water mark of the image replaced by ``exec`` into it), which
  hid the plain model's growth entirely in a first version of this script. Elsewhere the
  growth of ``ru_maxrss`` is reported, a lower bound. RSS also counts allocator caching and
  page granularity: compare the rows with each other rather than reading the numbers as
  exact tensor sizes.

Each repeat (3 by default) runs both models, interleaved, and the table gives the median over
repeats: on a shared machine the load drifts between processes, so look at the IQR too.

**Second table: supervised training, pina's whole path against a plain PyTorch loop.** A
data set of ``--samples`` (320) input/output pairs on the same grid (random inputs with 3
channels, random targets with 1, fixed seed) is trained with Adam (lr 1e-3) on the mean
squared error, ``batch`` samples per step, by three rows:

- ``plain PyTorch loop, plain FNO``: the plain model above, the data cut once into batches
  of ``batch`` consecutive samples (pre-built, on the device), and the loop
  ``zero_grad(set_to_none=True)``, forward, ``MSELoss``, backward, ``step`` over them;
- ``plain PyTorch loop, pina FNO``: the same loop around pina's ``FNO`` (the model's own
  cost, as in the first table, now with the optimizer step);
- ``pina SupervisedSolver + Trainer``: pina's ``FNO`` in a ``SupervisedSolver`` (default
  Adam, lr 1e-3, ``MSELoss``) on an ``AbstractProblem`` with one data condition, trained
  by ``Trainer(solver, batch_size=batch, enable_progress_bar=False, logger=False,
  enable_checkpointing=False, enable_model_summary=False)``, i.e. Lightning's loop and
  pina's loader (shuffled batches taken from the labelled tensors every epoch, labels
  checked, epoch losses accumulated and logged).

A step is timed from the end of the previous step to its own end (a Lightning callback's
``on_train_batch_end`` in the pina row, the end of the loop body in the plain rows, with
``torch.cuda.synchronize`` on CUDA), so the pina row pays for everything between two
optimizer steps: fetching the batch, Lightning's hooks, epoch boundaries (every
``samples / batch`` steps: reshuffling, logging). After ``--warmup`` untimed steps,
``--iters`` steps are timed; the table gives the median (and the mean, which includes the
epoch boundaries) and the peak memory (as above, measured from the start of training: the
model, the data and the optimizer already exist, and in the pina row Lightning has already
moved them to the device). The overhead of pina's solver and loader is the pina row over
the plain loop with the same pina FNO.

Run with the repo's venv (pina importable), ideally on an otherwise idle machine::

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/fno_overhead.py
    .venv/bin/python benchmarks/fno_overhead.py --device cuda --repeats 5
    .venv/bin/python benchmarks/fno_overhead.py --tables training --iters 10 --repeats 2
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import statistics
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from typing import Any

import torch
from torch import Tensor, nn
from torch.nn import functional as F

IN_CHANNELS, OUT_CHANNELS, PADDING = 3, 1, 8


@dataclass(frozen=True)
class Config:
    batch: int
    grid: int
    width: int
    modes: int
    layers: int
    warmup: int
    iters: int
    device: str
    threads: int
    samples: int = 320


# --------------------------------------------------------------------------- plain PyTorch FNO
class PlainSpectralConv2d(nn.Module):
    """Spectral convolution as in the FNO paper's reference code (complex parameters)."""

    def __init__(self, c_in: int, c_out: int, modes: int) -> None:
        super().__init__()
        self.c_out, self.modes = c_out, modes
        scale = 1.0 / (c_in * c_out)
        shape = (c_in, c_out, modes, modes)
        self.w1 = nn.Parameter(scale * torch.rand(shape, dtype=torch.cfloat))
        self.w2 = nn.Parameter(scale * torch.rand(shape, dtype=torch.cfloat))

    def forward(self, x: Tensor) -> Tensor:
        m = self.modes
        x_ft = torch.fft.rfft2(x)
        out_ft = torch.zeros(
            x.shape[0],
            self.c_out,
            x.shape[-2],
            x.shape[-1] // 2 + 1,
            dtype=x_ft.dtype,
            device=x.device,
        )
        out_ft[:, :, :m, :m] = torch.einsum("bixy,ioxy->boxy", x_ft[:, :, :m, :m], self.w1)
        out_ft[:, :, -m:, :m] = torch.einsum("bixy,ioxy->boxy", x_ft[:, :, -m:, :m], self.w2)
        return torch.fft.irfft2(out_ft, s=x.shape[-2:])


class PlainFNO2d(nn.Module):
    """Lift, pad, Fourier blocks, crop, project; input and output channels last."""

    def __init__(self, width: int, modes: int, layers: int) -> None:
        super().__init__()
        self.lift = nn.Linear(IN_CHANNELS, width)
        self.spectral = nn.ModuleList(
            PlainSpectralConv2d(width, width, modes) for _ in range(layers)
        )
        self.skip = nn.ModuleList(nn.Conv2d(width, width, 1) for _ in range(layers))
        self.project = nn.Linear(width, OUT_CHANNELS)

    def forward(self, x: Tensor) -> Tensor:
        nx, ny = x.shape[1], x.shape[2]
        h = F.pad(self.lift(x).permute(0, 3, 1, 2), [0, PADDING, 0, PADDING])
        for i, (spectral, skip) in enumerate(zip(self.spectral, self.skip)):
            h = spectral(h) + skip(h)
            if i < len(self.spectral) - 1:
                h = torch.tanh(h)
        return self.project(h[:, :, :nx, :ny].permute(0, 2, 3, 1))


# --------------------------------------------------------------------------- models
def pina_fno(config: Config) -> nn.Module:
    from pina.model.fno import FNO

    return FNO(
        nn.Linear(IN_CHANNELS, config.width),
        nn.Linear(config.width, OUT_CHANNELS),
        n_modes=config.modes,
        dimensions=2,
        padding=PADDING,
        inner_size=config.width,
        n_layers=config.layers,
        func=nn.Tanh,
    )


def plain_from(pina_model: nn.Module, config: Config) -> PlainFNO2d:
    """The plain model with the weights of ``pina_model``."""
    plain = PlainFNO2d(config.width, config.modes, config.layers)
    with torch.no_grad():
        plain.lift.load_state_dict(pina_model.lifting_operator.state_dict())
        plain.project.load_state_dict(pina_model.projection_operator.state_dict())
        for i, block in enumerate(pina_model.integral_kernels._layers):
            w1, w2 = block._spectral_conv.weights
            plain.spectral[i].w1.copy_(w1)
            plain.spectral[i].w2.copy_(w2)
            plain.skip[i].load_state_dict(block._linear.state_dict())
    return plain


BUILDERS: dict[str, Callable[[Config], nn.Module]] = {
    "pina FNO": pina_fno,
    "plain PyTorch": lambda config: PlainFNO2d(config.width, config.modes, config.layers),
}


def check_same_model(config: Config) -> float:
    """Largest difference between the outputs of pina's FNO and the plain one (same weights)."""
    torch.manual_seed(0)
    model = pina_fno(config)
    plain = plain_from(model, config)
    x = torch.randn(2, config.grid, config.grid, IN_CHANNELS)
    with torch.no_grad():
        return float((model(x) - plain(x)).abs().max())


# --------------------------------------------------------------------------- measurement
def _proc_status_mib(field: str) -> float:
    """``VmRSS`` or ``VmHWM`` of this process from ``/proc/self/status``, in MiB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024  # the value is in kB
    raise RuntimeError(f"no {field} in /proc/self/status")


def _reset_peak_rss() -> bool:
    """Reset the peak RSS of this process to its current RSS (Linux >= 4.0); False if not."""
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
    except OSError:
        return False
    return True


def _ru_maxrss_mib() -> float:
    # ru_maxrss is in KiB on Linux, bytes on macOS.
    scale = 1024 if sys.platform == "darwin" else 1
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / scale / 1024


class PeakMemory:
    """Peak memory growth from :meth:`start` to :meth:`stop` (see the module doc)."""

    def __init__(self, device: torch.device) -> None:
        self.device = device
        self.cuda = device.type == "cuda"
        self.proc = False
        self.base = 0.0

    def start(self) -> None:
        if self.cuda:
            torch.cuda.synchronize(self.device)
            torch.cuda.reset_peak_memory_stats(self.device)
            self.base = torch.cuda.memory_allocated(self.device) / 2**20
        elif _reset_peak_rss():
            self.proc = True
            self.base = _proc_status_mib("VmRSS")
        else:
            self.base = _ru_maxrss_mib()

    def stop(self) -> dict[str, float]:
        """``peak_mib`` and ``source`` (0: CUDA allocator, 1: VmHWM, 2: ru_maxrss)."""
        if self.cuda:
            peak = torch.cuda.max_memory_allocated(self.device) / 2**20
        else:
            peak = _proc_status_mib("VmHWM") if self.proc else _ru_maxrss_mib()
        return {
            "peak_mib": peak - self.base,
            "source": 0.0 if self.cuda else 1.0 if self.proc else 2.0,
        }


def _summary(times: list[float]) -> dict[str, float]:
    q1, median, q3 = statistics.quantiles(times, n=4)
    return {
        "median_ms": 1e3 * median,
        "iqr_ms": 1e3 * (q3 - q1),
        "mean_ms": 1e3 * statistics.fmean(times),
        "steps": float(len(times)),
    }


def measure(name: str, config_dict: dict[str, object]) -> dict[str, float]:
    """Time ``iters`` forward+backward passes of one model, in the calling (fresh) process."""
    config = Config(**config_dict)  # type: ignore[arg-type]
    torch.set_num_threads(config.threads)
    torch.manual_seed(0)
    device = torch.device(config.device)
    cuda = device.type == "cuda"
    model = BUILDERS[name](config).to(device)
    x = torch.randn(config.batch, config.grid, config.grid, IN_CHANNELS, device=device)

    def step() -> None:
        model.zero_grad(set_to_none=True)
        model(x).square().mean().backward()

    memory = PeakMemory(device)
    memory.start()
    for _ in range(config.warmup):
        step()
    times = []
    for _ in range(config.iters):
        if cuda:
            torch.cuda.synchronize(device)
        start = time.perf_counter()
        step()
        if cuda:
            torch.cuda.synchronize(device)
        times.append(time.perf_counter() - start)
    return {**_summary(times), **memory.stop()}


# --------------------------------------------------------------------------- training steps
def training_data(config: Config) -> tuple[Tensor, Tensor]:
    """``samples`` random input/output pairs, channels last (the same in every row)."""
    generator = torch.Generator().manual_seed(1)
    shape = (config.samples, config.grid, config.grid)
    x = torch.randn(*shape, IN_CHANNELS, generator=generator)
    y = torch.randn(*shape, OUT_CHANNELS, generator=generator)
    return x, y


def _stamp() -> tuple[float, float]:
    """Wall-clock and CPU time of this process now."""
    return time.perf_counter(), time.process_time()


def _step_summary(stamps: list[tuple[float, float]], warmup: int) -> dict[str, float]:
    """Wall and CPU durations of the steps after ``warmup``, from the end of each step to
    the end of the next one."""
    pairs = list(zip(stamps[warmup - 1 : -1], stamps[warmup:]))
    cpu = [b[1] - a[1] for a, b in pairs]
    return {
        **_summary([b[0] - a[0] for a, b in pairs]),
        "cpu_median_ms": 1e3 * statistics.median(cpu),
    }


def train_plain_loop(model: nn.Module, config: Config) -> dict[str, float]:
    """Adam + MSE over pre-built batches; one timestamp at the end of every step."""
    device = torch.device(config.device)
    cuda = device.type == "cuda"
    model = model.to(device)
    x, y = (t.to(device) for t in training_data(config))
    batches = [
        (x[i : i + config.batch], y[i : i + config.batch])
        for i in range(0, config.samples, config.batch)
    ]
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.MSELoss()
    memory = PeakMemory(device)
    memory.start()
    stamps = []
    for step in range(config.warmup + config.iters):
        inputs, targets = batches[step % len(batches)]
        optimizer.zero_grad(set_to_none=True)
        loss_fn(model(inputs), targets).backward()
        optimizer.step()
        if cuda:
            torch.cuda.synchronize(device)
        stamps.append(_stamp())
    return {**_step_summary(stamps, config.warmup), **memory.stop()}


def train_pina(config: Config) -> dict[str, float]:
    """pina's FNO in a SupervisedSolver, trained by pina's Trainer (lean settings)."""
    import tempfile

    from pytorch_lightning.callbacks import Callback

    from pina import Condition, LabelTensor, Trainer
    from pina.problem import AbstractProblem
    from pina.solvers import SupervisedSolver

    device = torch.device(config.device)
    cuda = device.type == "cuda"
    x, y = training_data(config)

    class FieldToField(AbstractProblem):
        input_variables = ["a", "x", "y"]
        output_variables = ["u"]
        conditions = {
            "data": Condition(
                input_points=LabelTensor(x, input_variables),
                output_points=LabelTensor(y, output_variables),
            )
        }

    class StepClock(Callback):
        """Peak memory from the start of training; a timestamp at the end of every step."""

        def __init__(self) -> None:
            self.memory = PeakMemory(device)
            self.stamps: list[tuple[float, float]] = []
            self.result: dict[str, float] = {}

        def on_train_start(self, trainer: Any, pl_module: Any) -> None:
            self.memory.start()

        def on_train_batch_end(self, *args: Any) -> None:
            if cuda:
                torch.cuda.synchronize(device)
            self.stamps.append(_stamp())

        def on_train_end(self, trainer: Any, pl_module: Any) -> None:
            self.result = self.memory.stop()

    solver = SupervisedSolver(FieldToField(), pina_fno(config))  # Adam, lr 1e-3, MSELoss
    clock = StepClock()
    with tempfile.TemporaryDirectory(prefix="fno-overhead-") as root:
        trainer = Trainer(
            solver,
            batch_size=config.batch,
            max_steps=config.warmup + config.iters,
            accelerator="gpu" if cuda else "cpu",
            devices=1,
            callbacks=[clock],
            enable_progress_bar=False,
            logger=False,
            enable_checkpointing=False,
            enable_model_summary=False,
            default_root_dir=root,
        )
        trainer.train()
    if len(clock.stamps) != config.warmup + config.iters:
        raise RuntimeError(
            f"pina ran {len(clock.stamps)} steps, expected {config.warmup + config.iters}"
        )
    return {**_step_summary(clock.stamps, config.warmup), **clock.result}


TRAINING_ROWS: dict[str, Callable[[Config], dict[str, float]]] = {
    "plain PyTorch loop, plain FNO": lambda config: train_plain_loop(
        PlainFNO2d(config.width, config.modes, config.layers), config
    ),
    "plain PyTorch loop, pina FNO": lambda config: train_plain_loop(pina_fno(config), config),
    "pina SupervisedSolver + Trainer": train_pina,
}
PLAIN_ROW, PINA_MODEL_ROW, PINA_ROW = TRAINING_ROWS


def measure_training(name: str, config_dict: dict[str, object]) -> dict[str, float]:
    """Run one training row in the calling (fresh) process."""
    config = Config(**config_dict)  # type: ignore[arg-type]
    torch.set_num_threads(config.threads)
    torch.manual_seed(0)
    return TRAINING_ROWS[name](config)


def in_fresh_process(
    function: Callable[[str, dict[str, object]], dict[str, float]], name: str, config: Config
) -> dict[str, float]:
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        return pool.submit(function, name, asdict(config)).result()


# --------------------------------------------------------------------------- tables
MEMORY_HEADERS = ["peak CUDA alloc MiB", "peak RSS growth MiB", "ru_maxrss growth MiB"]


def run_repeats(
    function: Callable[[str, dict[str, object]], dict[str, float]],
    names: list[str],
    config: Config,
    repeats: int,
) -> dict[str, list[dict[str, float]]]:
    """Every row once per repeat, interleaved, each in a fresh process."""
    results: dict[str, list[dict[str, float]]] = {name: [] for name in names}
    for repeat in range(repeats):
        for name in names:
            results[name].append(in_fresh_process(function, name, config))
            print(f"repeat {repeat + 1}/{repeats} {name}: {results[name][-1]}", file=sys.stderr)
    return results


def _median(results: dict[str, list[dict[str, float]]], name: str, key: str) -> float:
    return statistics.median(run[key] for run in results[name])


def model_table(config: Config, repeats: int) -> str:
    """pina's FNO against the plain FNO: forward + backward of one batch."""
    difference = check_same_model(config)
    if difference > 1e-4:
        raise SystemExit(f"pina's FNO and the plain model disagree: max |difference| {difference}")
    results = run_repeats(measure, list(BUILDERS), config, repeats)

    def med(name: str, key: str) -> float:
        return _median(results, name, key)

    memory = MEMORY_HEADERS[int(results["pina FNO"][0]["source"])]
    lines = [
        f"FNO-2D, batch {config.batch} on {config.grid}x{config.grid}, width {config.width}, "
        f"modes {config.modes}, {config.layers} blocks, padding {PADDING}; device "
        f"{config.device}, {config.threads} thread(s); forward+backward, median of "
        f"{config.iters} iterations after {config.warmup} warm-up, median over "
        f"{repeats} repeat(s); outputs agree to {difference:.1e}",
        f"| model | ms/batch | IQR ms | {memory} | time ratio | memory ratio |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    plain_ms, plain_mib = med("plain PyTorch", "median_ms"), med("plain PyTorch", "peak_mib")
    for name in BUILDERS:
        ms, mib = med(name, "median_ms"), med(name, "peak_mib")
        memory_ratio = f"{mib / plain_mib:.2f}" if plain_mib > 0 else "n/a"
        lines.append(
            f"| {name} | {ms:.1f} | {med(name, 'iqr_ms'):.1f} | {mib:.0f} | "
            f"{ms / plain_ms:.2f} | {memory_ratio} |"
        )
    return "\n".join(lines)


def training_table(config: Config, repeats: int) -> str:
    """pina's SupervisedSolver + Trainer against plain training loops: time per step."""
    results = run_repeats(measure_training, list(TRAINING_ROWS), config, repeats)
    cpu = torch.device(config.device).type == "cpu"

    def med(name: str, key: str) -> float:
        return _median(results, name, key)

    memory = MEMORY_HEADERS[int(results[PINA_ROW][0]["source"])]
    cpu_header, cpu_align = (" CPU ms/step |", " ---: |") if cpu else ("", "")
    lines = [
        f"Supervised training of the FNO-2D (width {config.width}, modes {config.modes}, "
        f"{config.layers} blocks, padding {PADDING}): {config.samples} samples of "
        f"{config.grid}x{config.grid}, batch {config.batch} ({config.samples // config.batch} "
        f"steps per epoch), Adam + MSE; device {config.device}, {config.threads} thread(s); "
        f"time per optimizer step (wall clock; CPU: this process's CPU time), median and mean "
        f"of {config.iters} steps after {config.warmup} warm-up, median over {repeats} "
        "repeat(s); ratios of the median wall times",
        f"| path | ms/step | IQR ms | mean ms/step |{cpu_header} {memory} | vs plain FNO loop "
        "| vs pina FNO loop |",
        f"| --- | ---: | ---: | ---: |{cpu_align} ---: | ---: | ---: |",
    ]
    plain_ms, model_ms = med(PLAIN_ROW, "median_ms"), med(PINA_MODEL_ROW, "median_ms")
    for name in TRAINING_ROWS:
        ms = med(name, "median_ms")
        cpu_cell = f" {med(name, 'cpu_median_ms'):.1f} |" if cpu else ""
        lines.append(
            f"| {name} | {ms:.1f} | {med(name, 'iqr_ms'):.1f} | {med(name, 'mean_ms'):.1f} |"
            f"{cpu_cell} {med(name, 'peak_mib'):.0f} | {ms / plain_ms:.3f} | "
            f"{ms / model_ms:.3f} |"
        )
    overheads = {
        "median": med(PINA_ROW, "median_ms") / model_ms - 1,
        "mean": med(PINA_ROW, "mean_ms") / med(PINA_MODEL_ROW, "mean_ms") - 1,
    }
    if cpu:
        overheads["CPU time"] = (
            med(PINA_ROW, "cpu_median_ms") / med(PINA_MODEL_ROW, "cpu_median_ms") - 1
        )
    listed = ", ".join(f"{100 * value:+.1f}% ({key})" for key, value in overheads.items())
    verdict = "met" if max(overheads.values()) < 0.10 else "NOT met"
    lines.append(
        "overhead of pina's solver, Trainer and loader on top of the same pina FNO in a plain "
        f"loop, per step: {listed}; target < 10%: {verdict}"
    )
    return "\n".join(lines)


# --------------------------------------------------------------------------- main
TABLES = ("model", "training")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--grid", type=int, default=64)
    parser.add_argument("--width", type=int, default=32)
    parser.add_argument("--modes", type=int, default=12)
    parser.add_argument("--layers", type=int, default=4)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--iters", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--samples", type=int, default=320, help="training table: data set size")
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument(
        "--tables", nargs="+", choices=TABLES, default=list(TABLES), help="tables to print"
    )
    args = parser.parse_args(argv)
    if args.warmup < 1 or args.iters < 2 or args.repeats < 1:
        parser.error("--warmup must be >= 1, --iters >= 2 and --repeats >= 1")
    if args.samples < args.batch:
        parser.error(f"--samples={args.samples} must be at least --batch={args.batch}")
    config = Config(
        args.batch,
        args.grid,
        args.width,
        args.modes,
        args.layers,
        args.warmup,
        args.iters,
        args.device,
        args.threads,
        args.samples,
    )
    tables = []
    if "model" in args.tables:
        tables.append(model_table(config, args.repeats))
    if "training" in args.tables:
        tables.append(training_table(config, args.repeats))
    print("\n\n".join(tables))


if __name__ == "__main__":
    main()
