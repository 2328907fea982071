"""SupervisedProblem: labels and their defaults, argument errors, per-instance conditions, and
a fit of a linear map by SupervisedSolver to its closed form."""

from __future__ import annotations

import pytest
import torch

from pina import Condition, LabelTensor, Trainer
from pina.problem import AbstractProblem
from pina.problem import SupervisedProblem as SupervisedProblemFromProblem
from pina.problem.zoo import SupervisedProblem
from pina.solvers import SupervisedSolver


def _data(problem: SupervisedProblem) -> Condition:
    return problem.conditions["data"]


# --------------------------------------------------------------------------- labels
def test_is_exported_from_pina_problem_and_is_a_problem() -> None:
    assert SupervisedProblemFromProblem is SupervisedProblem
    assert isinstance(SupervisedProblem(torch.rand(3, 1), torch.rand(3, 1)), AbstractProblem)


def test_plain_tensors_get_default_labels_and_one_data_condition() -> None:
    x, y = torch.rand(5, 3), torch.rand(5, 2)
    problem = SupervisedProblem(x, y)
    assert problem.input_variables == ["x0", "x1", "x2"]
    assert problem.output_variables == ["y0", "y1"]
    assert list(problem.conditions) == ["data"]
    data = _data(problem)
    assert isinstance(data.input_points, LabelTensor)
    assert isinstance(data.output_points, LabelTensor)
    assert data.input_points.labels == ["x0", "x1", "x2"]
    assert data.output_points.labels == ["y0", "y1"]
    torch.testing.assert_close(data.input_points.tensor, x, rtol=0, atol=0)
    torch.testing.assert_close(data.output_points.tensor, y, rtol=0, atol=0)
    assert data.equation is None and data.location is None
    assert problem.input_pts["data"] is data.input_points
    assert problem.have_sampled_points
    assert repr(problem) == (
        "SupervisedProblem(n=5, input_variables=['x0', 'x1', 'x2'], output_variables=['y0', 'y1'])"
    )


def test_plain_tensors_get_the_given_variables() -> None:
    problem = SupervisedProblem(
        torch.rand(4, 2), torch.rand(4, 1), input_variables=["x", "t"], output_variables=("u",)
    )
    assert problem.input_variables == ["x", "t"]
    assert problem.output_variables == ["u"]
    assert _data(problem).input_points.labels == ["x", "t"]
    assert _data(problem).output_points.labels == ["u"]


def test_a_one_dimensional_tensor_is_one_column() -> None:
    problem = SupervisedProblem(torch.arange(4.0), torch.arange(4.0) * 2)
    assert _data(problem).input_points.shape == (4, 1)
    assert _data(problem).output_points.shape == (4, 1)
    assert problem.input_variables == ["x0"]
    assert problem.output_variables == ["y0"]


def test_fields_are_labelled_along_the_last_dimension() -> None:
    # neural-operator data: n samples of a field on a 8-point grid
    x, y = torch.rand(6, 8, 2), torch.rand(6, 8, 3)
    problem = SupervisedProblem(x, y, output_variables=["u", "v", "p"])
    assert problem.input_variables == ["x0", "x1"]
    assert problem.output_variables == ["u", "v", "p"]
    assert _data(problem).input_points.shape == (6, 8, 2)
    assert _data(problem).output_points.shape == (6, 8, 3)


def test_label_tensors_keep_their_labels() -> None:
    x = LabelTensor(torch.rand(3, 2), ["a", "b"])
    y = LabelTensor(torch.rand(3, 1), ["u"])
    problem = SupervisedProblem(x, y)
    assert problem.input_variables == ["a", "b"]
    assert problem.output_variables == ["u"]
    assert _data(problem).input_points is x
    assert _data(problem).output_points is y


def test_variables_select_and_order_the_columns_of_a_label_tensor() -> None:
    x = LabelTensor(torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]), ["a", "b", "c"])
    y = LabelTensor(torch.tensor([[7.0, 8.0], [9.0, 10.0]]), ["u", "v"])
    problem = SupervisedProblem(x, y, input_variables=["c", "a"], output_variables=["v"])
    assert problem.input_variables == ["c", "a"]
    assert problem.output_variables == ["v"]
    torch.testing.assert_close(
        _data(problem).input_points.tensor, torch.tensor([[3.0, 1.0], [6.0, 4.0]])
    )
    torch.testing.assert_close(_data(problem).output_points.tensor, torch.tensor([[8.0], [10.0]]))
    assert _data(problem).input_points.labels == ["c", "a"]


def test_input_variables_is_a_copy() -> None:
    problem = SupervisedProblem(torch.rand(2, 1), torch.rand(2, 1), input_variables=["x"])
    problem.input_variables.append("oops")
    assert problem.input_variables == ["x"]


# --------------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    ("inputs", "outputs", "match"),
    [
        ([[1.0], [2.0]], torch.rand(2, 1), r"input_ must be a torch.Tensor .*; got list"),
        (torch.rand(2, 1), (1.0, 2.0), r"output_ must be a torch.Tensor .*; got tuple"),
    ],
)
def test_refuses_non_tensors(inputs, outputs, match) -> None:
    with pytest.raises(TypeError, match=match):
        SupervisedProblem(inputs, outputs)


@pytest.mark.parametrize(
    ("inputs", "outputs", "match"),
    [
        (torch.tensor(1.0), torch.rand(1, 1), r"input_ must have shape .*got shape \(\)"),
        (torch.rand(0, 2), torch.rand(0, 1), r"input_ must have shape .*got shape \(0, 2\)"),
        (torch.rand(3, 1), torch.rand(3, 0), r"output_ must have shape .*got shape \(3, 0\)"),
    ],
)
def test_refuses_empty_tensors(inputs, outputs, match) -> None:
    with pytest.raises(ValueError, match=match):
        SupervisedProblem(inputs, outputs)


def test_refuses_different_row_counts() -> None:
    with pytest.raises(ValueError, match=r"input_ has 4 rows \(shape \(4, 1\)\) but output_ has 3"):
        SupervisedProblem(torch.rand(4, 1), torch.rand(3, 1))


def test_refuses_variables_that_do_not_match_the_last_dimension() -> None:
    with pytest.raises(
        ValueError, match=r"input_variables=\['x'\] has 1 names but input_ has 2 columns"
    ):
        SupervisedProblem(torch.rand(3, 2), torch.rand(3, 1), input_variables=["x"])
    with pytest.raises(
        ValueError, match=r"output_variables=\['u', 'v'\] has 2 names but output_ has 3 columns"
    ):
        SupervisedProblem(torch.rand(3, 5, 2), torch.rand(3, 5, 3), output_variables=["u", "v"])


@pytest.mark.parametrize("variables", ["x", ["x", 1], {"x": 0}])
def test_refuses_variables_that_are_not_lists_of_str(variables) -> None:
    with pytest.raises(TypeError, match=r"input_variables must be a list of str.*got"):
        SupervisedProblem(torch.rand(3, 1), torch.rand(3, 1), input_variables=variables)


def test_refuses_repeated_variables() -> None:
    with pytest.raises(ValueError, match=r"output_variables=\['u', 'u'\] must be unique"):
        SupervisedProblem(torch.rand(3, 1), torch.rand(3, 2), output_variables=["u", "u"])


def test_refuses_variables_that_are_not_labels_of_a_label_tensor() -> None:
    x = LabelTensor(torch.rand(3, 2), ["a", "b"])
    with pytest.raises(
        ValueError, match=r"input_variables=\['a', 'z'\]: \['z'\] are not labels of input_"
    ):
        SupervisedProblem(x, torch.rand(3, 1), input_variables=["a", "z"])


# --------------------------------------------------------------------------- instances
def test_two_instances_do_not_share_conditions_or_variables() -> None:
    first = SupervisedProblem(torch.zeros(3, 1), torch.zeros(3, 1), output_variables=["u"])
    second = SupervisedProblem(torch.ones(5, 2), torch.ones(5, 1), input_variables=["a", "b"])
    assert first.conditions is not second.conditions
    assert _data(first).input_points.shape == (3, 1)
    assert _data(second).input_points.shape == (5, 2)
    assert first.input_variables == ["x0"] and second.input_variables == ["a", "b"]
    assert first.output_variables == ["u"] and second.output_variables == ["y0"]
    # nothing was written on the class
    assert "conditions" not in vars(SupervisedProblem)
    assert "output_variables" not in vars(SupervisedProblem)


# --------------------------------------------------------------------------- training
def test_supervised_solver_learns_a_linear_map(tmp_path) -> None:
    # exact data y = 2x + 1: the minimiser of the MSE is weight 2, bias 1; 300 Adam steps
    # reach it to < 1e-6 (seeds 0-7), the tolerance keeps a wide margin
    torch.manual_seed(0)
    x = torch.linspace(-1, 1, 32).reshape(-1, 1)
    model = torch.nn.Linear(1, 1)
    solver = SupervisedSolver(SupervisedProblem(x, 2 * x + 1), model, optimizer_kwargs={"lr": 0.05})
    Trainer(
        solver,
        max_epochs=300,
        accelerator="cpu",
        enable_progress_bar=False,
        enable_model_summary=False,
        logger=False,
        enable_checkpointing=False,
        default_root_dir=str(tmp_path),
    ).train()
    torch.testing.assert_close(model.weight.detach(), torch.tensor([[2.0]]), rtol=0, atol=1e-4)
    torch.testing.assert_close(model.bias.detach(), torch.tensor([1.0]), rtol=0, atol=1e-4)
