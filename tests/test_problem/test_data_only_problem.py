"""Data-only problems (0.1's GAROM/ROM style): no domain, no input_variables, the input
variables are the labels of the conditions' input_points."""

from __future__ import annotations

import pytest
import torch
from torch import Tensor, nn

from pina import Condition, LabelTensor, Trainer
from pina.callbacks import MetricTracker
from pina.equation import FixedValue
from pina.geometry import CartesianDomain
from pina.problem import AbstractProblem, SpatialProblem
from pina.solvers import SupervisedSolver

TRAINER_KWARGS = dict(
    max_epochs=2,
    accelerator="cpu",
    logger=False,
    enable_checkpointing=False,
    enable_progress_bar=False,
)


def _points(n: int, labels: list[str], seed: int) -> LabelTensor:
    generator = torch.Generator().manual_seed(seed)
    return LabelTensor(torch.rand(n, len(labels), generator=generator), labels)


X1 = _points(6, ["a", "b"], 0)
X2 = _points(4, ["b", "a"], 1)  # the same variables, columns swapped
U1 = LabelTensor(2 * X1.extract(["a"]).tensor - X1.extract(["b"]).tensor, ["u"])
U2 = LabelTensor(2 * X2.extract(["a"]).tensor - X2.extract(["b"]).tensor, ["u"])


class Snapshots(AbstractProblem):
    """As 0.1 users write it: output_variables and data conditions only."""

    output_variables = ["u"]
    conditions = {
        "d1": Condition(input_points=X1, output_points=U1),
        "d2": Condition(input_points=X2, output_points=U2),
    }


class Recording(nn.Linear):
    """A linear model that keeps every input it is given."""

    def __init__(self) -> None:
        super().__init__(2, 1)
        self.seen: list[Tensor] = []

    def forward(self, x: Tensor) -> Tensor:
        self.seen.append(x.detach().as_subclass(Tensor).clone())
        return super().forward(x)


def test_input_variables_are_the_first_conditions_labels() -> None:
    problem = Snapshots()
    assert problem.input_variables == ["a", "b"]
    assert problem.have_sampled_points
    assert problem.input_pts["d2"] is X2


def test_a_single_condition_gives_its_label_order() -> None:
    class One(AbstractProblem):
        output_variables = ["u"]
        conditions = {"data": Condition(input_points=X2, output_points=U2)}

    assert One().input_variables == ["b", "a"]


def test_points_with_an_equation_count_too() -> None:
    class WithPhysics(AbstractProblem):
        output_variables = ["u"]
        conditions = {
            "data": Condition(input_points=X1, output_points=U1),
            "zero": Condition(input_points=X2, equation=FixedValue(0.0)),
        }

    assert WithPhysics().input_variables == ["a", "b"]


def test_conflicting_labels_fail_at_instantiation() -> None:
    class Conflict(AbstractProblem):
        output_variables = ["u"]
        conditions = {
            "d1": Condition(input_points=X1, output_points=U1),
            "d2": Condition(input_points=_points(4, ["a", "c"], 2), output_points=U2),
        }

    with pytest.raises(
        ValueError,
        match=r"^Conflict has no domain and no input_variables, so its input variables are the "
        r"labels of its conditions' input_points; but condition 'd1' has \['a', 'b'\] and "
        r"condition 'd2' has \['a', 'c'\]\. Give every condition's input_points the same labels "
        r"\(in any order\), or set input_variables = \[\.\.\.\] in Conflict\.$",
    ):
        Conflict()


def test_domains_and_class_attributes_take_precedence() -> None:
    class OnDomain(SpatialProblem):
        output_variables = ["u"]
        spatial_domain = CartesianDomain({"b": [0, 1], "a": [0, 1]})
        conditions = {"data": Condition(input_points=X1, output_points=U1)}

    class Declared(AbstractProblem):
        output_variables = ["u"]
        input_variables = ["b", "a"]
        conditions = {"data": Condition(input_points=X1, output_points=U1)}

    assert OnDomain().input_variables == ["b", "a"]
    assert Declared().input_variables == ["b", "a"]


def test_a_location_condition_gives_no_label_variables() -> None:
    class Located(AbstractProblem):
        output_variables = ["u"]
        conditions = {
            "data": Condition(input_points=X1, output_points=U1),
            "D": Condition(location=CartesianDomain({"a": [0, 1]}), equation=FixedValue(0.0)),
        }

    assert Located().input_variables == []


def test_supervised_solver_trains_on_the_labels_in_one_column_order() -> None:
    torch.manual_seed(0)
    problem = Snapshots()
    model = Recording()
    solver = SupervisedSolver(problem, model)
    tracker = MetricTracker()
    trainer = Trainer(solver, callbacks=[tracker], **TRAINER_KWARGS)
    trainer.train()

    assert trainer.current_epoch == 2
    assert tracker.metrics["d1_loss"].shape == (2,)
    assert tracker.metrics["d2_loss"].shape == (2,)
    # Every row the model was trained on has the columns (a, b), whatever the condition's order.
    seen = torch.cat(model.seen)
    expected = torch.cat([X1.tensor, X2.extract(["a", "b"]).tensor])
    for row in expected:
        assert torch.isclose(seen, row).all(dim=1).any(), row
    for row in seen:
        assert torch.isclose(expected, row).all(dim=1).any(), row
    # Called on points in the other column order, the solver gives the model (a, b) too.
    with torch.no_grad():
        out = solver(X2)
        assert out.labels == ["u"]
        by_hand = model(X2.extract(["a", "b"]).tensor)
    torch.testing.assert_close(out.tensor, by_hand)
