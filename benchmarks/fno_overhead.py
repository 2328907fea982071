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
Run with the repo's venv (pina importable), ideally on an otherwise idle machine::

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/fno_overhead.py
    .venv/bin/python benchmarks/fno_overhead.py --device cuda --repeats 5
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


def measure(name: str, config_dict: dict[str, object]) -> dict[str, float]:
    """Time ``iters`` forward+backward passes of one model, in the calling (fresh) process."""
    config = Config(**config_dict)
    torch.set_num_threads(config.threads)
    torch.manual_seed(0)
    device = torch.device(config.device)
    cuda = device.type == "cuda"
    model = BUILDERS[name](config).to(device)
    x = torch.randn(config.batch, config.grid, config.grid, IN_CHANNELS, device=device)

    def step() -> None:
        model.zero_grad(set_to_none=True)
        model(x).square().mean().backward()

    proc = False
    if cuda:
        torch.cuda.synchronize(device)
        torch.cuda.reset_peak_memory_stats(device)
        base = torch.cuda.memory_allocated(device) / 2**20
    elif _reset_peak_rss():
        proc = True
        base = _proc_status_mib("VmRSS")
    else:
        base = _ru_maxrss_mib()
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
    if cuda:
        peak = torch.cuda.max_memory_allocated(device) / 2**20
    else:
        peak = _proc_status_mib("VmHWM") if proc else _ru_maxrss_mib()
    q1, median, q3 = statistics.quantiles(times, n=4)
    return {
        "median_ms": 1e3 * median,
        "iqr_ms": 1e3 * (q3 - q1),
        "peak_mib": peak - base,
        "source": 0.0 if cuda else 1.0 if proc else 2.0,
    }


def in_fresh_process(name: str, config: Config) -> dict[str, float]:
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        return pool.submit(measure, name, asdict(config)).result()


# --------------------------------------------------------------------------- main
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--grid", type=int, default=64)
    parser.add_argument("--width", type=int, default=32)
    parser.add_argument("--modes", type=int, default=12)
    parser.add_argument("--layers", type=int, default=4)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--iters", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    args = parser.parse_args()
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
    )

    difference = check_same_model(config)
    if difference > 1e-4:
        raise SystemExit(f"pina's FNO and the plain model disagree: max |difference| {difference}")

    results: dict[str, list[dict[str, float]]] = {name: [] for name in BUILDERS}
    for repeat in range(args.repeats):
        for name in BUILDERS:
            results[name].append(in_fresh_process(name, config))
            print(
                f"repeat {repeat + 1}/{args.repeats} {name}: {results[name][-1]}", file=sys.stderr
            )

    def med(name: str, key: str) -> float:
        return statistics.median(run[key] for run in results[name])

    source = results["pina FNO"][0]["source"]
    memory = ["peak CUDA alloc MiB", "peak RSS growth MiB", "ru_maxrss growth MiB"][int(source)]
    print(
        f"FNO-2D, batch {config.batch} on {config.grid}x{config.grid}, width {config.width}, "
        f"modes {config.modes}, {config.layers} blocks, padding {PADDING}; device "
        f"{config.device}, {config.threads} thread(s); forward+backward, median of "
        f"{config.iters} iterations after {config.warmup} warm-up, median over "
        f"{args.repeats} repeat(s); outputs agree to {difference:.1e}"
    )
    print(f"| model | ms/batch | IQR ms | {memory} | time ratio | memory ratio |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    plain_ms, plain_mib = med("plain PyTorch", "median_ms"), med("plain PyTorch", "peak_mib")
    for name in BUILDERS:
        ms, mib = med(name, "median_ms"), med(name, "peak_mib")
        memory_ratio = f"{mib / plain_mib:.2f}" if plain_mib > 0 else "n/a"
        print(
            f"| {name} | {ms:.1f} | {med(name, 'iqr_ms'):.1f} | {mib:.0f} | "
            f"{ms / plain_ms:.2f} | {memory_ratio} |"
        )


if __name__ == "__main__":
    main()
