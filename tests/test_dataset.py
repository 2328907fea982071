"""The loader: batches of every condition, each point once per epoch, shards that add up."""

from __future__ import annotations

import math
import pickle

import pytest
import torch

from pina import LabelTensor, Trainer
from pina.callbacks import MetricTracker
from pina.data import PinaDataModule
from pina.dataset import DataPointDataset, SamplePointDataset, SamplePointLoader
from pina.solvers import PINN


class RecordingPINN(PINN):
    """A PINN keeping the input points of every batch, grouped by epoch."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.seen: list[list[dict[str, torch.Tensor]]] = []

    def training_step(self, batch, batch_idx):
        if batch_idx == 0:
            self.seen.append([])
        self.seen[-1].append({n: inp.tensor.detach().clone() for n, (inp, *_) in batch.items()})
        return super().training_step(batch, batch_idx)


def _loader(problem, batch_size=None, shuffle=True) -> SamplePointLoader:
    return SamplePointLoader(
        SamplePointDataset(problem),
        DataPointDataset(problem),
        batch_size=batch_size,
        shuffle=shuffle,
    )


def _sorted_rows(t: torch.Tensor) -> torch.Tensor:
    return t.flatten().sort().values


# ---------------------------------------------------------------------------- datasets
def test_datasets_split_physics_and_data(simple_ode_class, make_problem):
    problem = make_problem()
    physics, data = SamplePointDataset(problem), DataPointDataset(problem)
    assert physics.condition_names == ["x0", "D"]
    assert len(physics) == 21
    assert data.condition_names == [] and len(data) == 0
    assert physics.input_pts["x0"].labels == ["x"]
    assert torch.equal(physics.input_pts["x0"].tensor, torch.zeros(1, 1))
    assert torch.equal(physics.input_pts["D"].tensor, problem.input_pts["D"].tensor)


def test_full_batch_holds_every_point_once(make_problem):
    problem = make_problem()
    loader = _loader(problem)
    assert len(loader) == 1
    (batch,) = list(loader)
    assert list(batch.keys()) == ["x0", "D"]
    for name in ("x0", "D"):
        inputs, outputs, _, scale = batch[name]
        assert isinstance(inputs, LabelTensor) and inputs.labels == ["x"]
        assert torch.equal(inputs.tensor, problem.input_pts[name].tensor)
        assert outputs is None
        assert scale == 1.0


def test_data_condition_batches_carry_outputs(make_problem_with_data):
    problem, x = make_problem_with_data()
    loader = _loader(problem, batch_size=8)
    assert len(loader) == math.ceil(24 / 8)
    inputs, outputs = [], []
    for batch in loader:
        assert set(batch.keys()) == {"x0", "D", "data"} or set(batch.keys()) == {"D", "data"}
        xin, out, _, scale = batch["data"]
        assert out.labels == ["u"] and scale == 1.0
        torch.testing.assert_close(out.tensor, torch.exp(xin.tensor))  # pairs stay together
        inputs.append(xin.tensor)
        outputs.append(out.tensor)
    assert torch.equal(_sorted_rows(torch.cat(inputs)), x.flatten())


# ---------------------------------------------------------------------------- batch_size
def test_batch_size_5_uses_every_point_once_per_epoch(make_problem, make_model, trainer_kwargs):
    problem = make_problem()
    pinn = RecordingPINN(problem, make_model())
    trainer = Trainer(pinn, batch_size=5, max_epochs=3, **trainer_kwargs)
    trainer.train()

    assert trainer.num_training_batches == math.ceil(21 / 5) == 5
    assert trainer.global_step == 3 * 5
    assert len(pinn.seen) == 3
    orders = []
    for epoch in pinn.seen:
        assert len(epoch) == 5
        assert [sum(t.shape[0] for t in b.values()) for b in epoch] == [5, 4, 4, 4, 4]
        assert all("D" in b for b in epoch)  # D is spread over every step
        assert sum("x0" in b for b in epoch) == 1
        names = set().union(*epoch)
        assert names == {"x0", "D"}
        for name in names:
            points = torch.cat([b[name] for b in epoch if name in b])
            assert points.shape == problem.input_pts[name].shape
            expected = _sorted_rows(problem.input_pts[name].tensor)
            assert torch.equal(_sorted_rows(points), expected)
        orders.append(torch.cat([b["D"] for b in epoch]).flatten())
    assert not torch.equal(orders[0], orders[1])  # reshuffled each epoch


def test_batched_losses_are_the_full_losses_when_weights_are_fixed(
    make_pinn, trainer_kwargs, ode_losses
):
    # D's 20 points split 4/4/4/4/4: the mean of the batch MSEs is the MSE over all points
    pinn = make_pinn(optimizer_kwargs={"lr": 0.0})
    expected = {
        k: v.detach() for k, v in ode_losses(pinn.neural_net.torchmodel, pinn.problem).items()
    }
    tracker = MetricTracker()
    Trainer(pinn, batch_size=5, max_epochs=2, callbacks=[tracker], **trainer_kwargs).train()
    metrics = tracker.metrics
    assert metrics["D_loss"].shape == (2,)
    for value in metrics["D_loss"]:
        assert float(value) == pytest.approx(float(expected["D"]), rel=1e-5)
    for value in metrics["x0_loss"]:
        assert float(value) == pytest.approx(float(expected["x0"]), rel=1e-6)


@pytest.mark.parametrize(("batch_size", "n_batches"), [(1, 21), (7, 3), (20, 2), (21, 1), (100, 1)])
def test_number_of_batches(make_problem, batch_size, n_batches):
    loader = _loader(make_problem(), batch_size=batch_size)
    assert len(loader) == n_batches == math.ceil(21 / batch_size)
    batches = list(loader)
    assert len(batches) == n_batches
    assert sum(t.shape[0] for b in batches for (t, *_) in b.values()) == 21
    sizes = [sum(t.shape[0] for (t, *_) in b.values()) for b in batches]
    assert max(sizes) <= batch_size  # leftover points do not pile up in the first step
    assert max(sizes) - min(sizes) <= 1


@pytest.mark.parametrize(
    ("batch_size", "error"),
    [(0, ValueError), (-1, ValueError), (2.5, TypeError), (True, TypeError), ("5", TypeError)],
)
def test_bad_batch_size(make_pinn, batch_size, error):
    with pytest.raises(
        error, match=rf"batch_size must be None or a positive int; got {batch_size!r}"
    ):
        Trainer(make_pinn(), batch_size=batch_size, accelerator="cpu")


# ---------------------------------------------------------------------------- device / dtype
def test_setup_moves_and_casts_once(make_problem):
    problem = make_problem()
    loader = _loader(problem, batch_size=7)
    loader.setup("cpu", torch.float64)
    for batch in loader:
        for inputs, *_ in batch.values():
            assert inputs.dtype == torch.float64 and inputs.labels == ["x"]
    assert problem.input_pts["D"].dtype == torch.float32  # the problem keeps its points


# ---------------------------------------------------------------------------- sharding
@pytest.mark.parametrize("world_size", [2, 3])
@pytest.mark.parametrize("batch_size", [None, 3])
def test_shards_cover_every_point_once_and_scales_give_the_global_mean(
    make_problem, world_size, batch_size
):
    # What DDP does with the batches: every rank takes the mean of f over its points times
    # `scale`; averaging those over the ranks must give the mean of f over all the points of
    # the step, so averaged gradients and logged losses are the global ones.
    problem = make_problem()
    loaders = []
    for rank in range(world_size):
        loader = _loader(problem, batch_size=batch_size, shuffle=False)
        loader.setup("cpu", None, rank, world_size)
        loaders.append(loader)
    n_steps = {len(loader) for loader in loaders}
    assert len(n_steps) == 1  # every rank makes the same number of steps

    def f(x):
        return torch.cos(3 * x) + x**2

    steps = list(zip(*(list(loader) for loader in loaders)))
    for name in ("x0", "D"):
        seen = []
        for step in steps:
            present = [name in batch for batch in step]
            assert len(set(present)) == 1  # a condition is in a step on all ranks or on none
            if not present[0]:
                continue
            parts = [batch[name] for batch in step]
            points = torch.cat([p[0].tensor for p in parts])
            seen.append(points)
            averaged = (
                sum(
                    scale * f(inp.tensor).mean() if inp.shape[0] else torch.tensor(0.0)
                    for inp, _, _, scale in parts
                )
                / world_size
            )
            assert float(averaged) == pytest.approx(float(f(points).mean()), rel=1e-6)
            for inp, _, _, scale in parts:
                assert (scale == 0.0) == (inp.shape[0] == 0)
    for step in steps:
        for batch in step:
            rows = sum(inp.shape[0] for inp, *_ in batch.values())
            assert batch_size is None or rows <= batch_size
        every = torch.cat(seen)
        assert torch.equal(_sorted_rows(every), _sorted_rows(problem.input_pts[name].tensor))


# ---------------------------------------------------------------------------- shuffling
def test_shuffling_uses_the_loaders_own_generator(make_problem):
    problem = make_problem()
    a = _loader(problem, batch_size=5)
    b = SamplePointLoader(
        SamplePointDataset(problem),
        DataPointDataset(problem),
        batch_size=5,
        generator=torch.Generator().manual_seed(0),
    )
    b.generator.set_state(a.generator.get_state())

    def epoch(loader):
        return torch.cat([batch["D"][0].tensor for batch in loader]).flatten()

    torch.manual_seed(123)
    first = epoch(a)
    torch.manual_seed(456)  # the global generator plays no part
    assert torch.equal(epoch(b), first)
    assert not torch.equal(epoch(a), first)  # the next epoch is another order
    with pytest.raises(TypeError, match="generator must be a CPU torch.Generator or None"):
        SamplePointLoader(SamplePointDataset(problem), DataPointDataset(problem), generator=0)


# ---------------------------------------------------------------------------- replacing points
@pytest.mark.parametrize("world_size", [1, 2, 3])
def test_replaced_points_are_sharded_moved_and_used_next_epoch(make_problem, world_size):
    problem = make_problem()
    new = LabelTensor(torch.linspace(0, 1, 13).reshape(-1, 1), ["x"])
    loaders = []
    for rank in range(world_size):
        module = PinaDataModule(problem, batch_size=4)
        module.loader("train").setup("cpu", torch.float64, rank, world_size)
        loaders.append(module)
    running = [iter(module.loader("train")) for module in loaders]
    started = [next(it) for it in running]  # an epoch is running
    for loader in loaders:
        loader.replace_points({"D": new})
        assert loader.replaced == ["D"]
        assert loader.points("D") is not new and torch.equal(loader.points("D").tensor, new)
    # the running epoch finishes on the old points
    old = [started[r]["D"][0].tensor for r in range(world_size)]
    old += [b["D"][0].tensor for it in running for b in it if "D" in b]
    assert torch.equal(_sorted_rows(torch.cat(old)), _sorted_rows(problem.input_pts["D"].tensor))
    # the next one: every new point once over the ranks, in float64
    n_steps = {len(module.loader("train")) for module in loaders}
    assert len(n_steps) == 1
    seen = []
    for module in loaders:
        for batch in module.loader("train"):
            assert batch["D"][0].dtype == torch.float64 and batch["D"][0].labels == ["x"]
            seen.append(batch["D"][0].tensor)
    assert torch.equal(_sorted_rows(torch.cat(seen)), _sorted_rows(new.tensor).double())
    assert torch.equal(problem.input_pts["D"].tensor, make_problem().input_pts["D"].tensor)


def test_replace_points_checks_its_input(make_problem):
    loader = PinaDataModule(make_problem(), batch_size=7)  # 3 steps
    before = loader.points("D")
    with pytest.raises(ValueError, match=r"physics conditions.*got 'E', choose from \['x0', 'D'\]"):
        loader.replace_points({"E": before})
    with pytest.raises(TypeError, match=r"points\['D'\] must be a LabelTensor; got Tensor"):
        loader.replace_points({"D": before.tensor})
    with pytest.raises(ValueError, match=r"labels \['x'\]; got shape \(3, 1\) and labels \['y'\]"):
        loader.replace_points({"D": LabelTensor(torch.rand(3, 1), ["y"])})
    with pytest.raises(ValueError, match=r"would make 4 steps per epoch instead of 3"):
        loader.replace_points({"D": LabelTensor(torch.rand(25, 1), ["x"])}, fixed_steps=True)
    assert loader.points("D") is before and loader.replaced == []
    assert len(loader.loader("train")) == 3
    # extra columns are dropped; without fixed_steps the number of steps follows
    loader.replace_points({"D": LabelTensor(torch.rand(25, 2), ["y", "x"])})
    assert loader.points("D").labels == ["x"] and len(loader.loader("train")) == 4


def test_state_round_trip(make_problem):
    problem = make_problem()
    a = PinaDataModule(problem, batch_size=5)
    a.replace_points({"D": LabelTensor(torch.rand(20, 1), ["x"])})
    list(a.loader("train"))  # an epoch moves the generator
    state = a.state_dict()
    assert set(state) == {"generator", "splits", "points"} and list(state["points"]) == ["D"]
    b = PinaDataModule(make_problem(), batch_size=5)
    b.load_state_dict(state)
    assert b.replaced == ["D"] and torch.equal(b.points("D").tensor, a.points("D").tensor)
    # pickled (as strategy='ddp_spawn' does) with its generator's state
    c = pickle.loads(pickle.dumps(a))
    batches = zip(a.loader("train"), b.loader("train"), c.loader("train"))
    for batch_a, batch_b, batch_c in batches:
        for name in batch_a.keys():
            assert torch.equal(batch_a[name][0].tensor, batch_b[name][0].tensor)
            assert torch.equal(batch_a[name][0].tensor, batch_c[name][0].tensor)
