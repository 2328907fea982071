"""FourierFeatureEmbedding: the closed form, the distribution of B, gradients, state, errors."""

from __future__ import annotations

import pytest
import torch

from pina.label_tensor import LabelTensor
from pina.model.layers import FourierFeatureEmbedding
from pina.operators import grad, laplacian


@pytest.fixture(autouse=True)
def _seed() -> None:
    torch.manual_seed(0)


def test_equals_cos_and_sin_of_x_times_b() -> None:
    embedding = FourierFeatureEmbedding(input_dimension=3, output_dimension=8, sigma=1.5)
    b = embedding.matrix
    assert b.shape == (3, 4)
    x = torch.randn(7, 3)
    expected = torch.cat([torch.cos(x @ b), torch.sin(x @ b)], dim=1)
    torch.testing.assert_close(embedding(x), expected)
    # one entry by hand
    manual = torch.cos(sum(x[2, i] * b[i, 1] for i in range(3)))
    torch.testing.assert_close(embedding(x)[2, 1], manual)


def test_labeltensor_input_gives_a_plain_tensor() -> None:
    embedding = FourierFeatureEmbedding(2, 6, sigma=1.0)
    x = torch.rand(5, 2)
    out = embedding(LabelTensor(x, ["x", "y"]))
    assert type(out) is torch.Tensor
    torch.testing.assert_close(out, embedding(x))


def test_b_is_drawn_from_the_global_generator_with_std_sigma() -> None:
    sigma = 3.0
    embedding = FourierFeatureEmbedding(4, 20000, sigma=sigma)
    b = embedding.matrix
    assert abs(b.mean().item()) < 0.05 * sigma
    assert b.std().item() == pytest.approx(sigma, rel=0.02)
    torch.manual_seed(1)
    first = FourierFeatureEmbedding(2, 4, sigma=1.0).matrix
    torch.manual_seed(1)
    torch.testing.assert_close(FourierFeatureEmbedding(2, 4, sigma=1.0).matrix, first)


def test_b_is_a_fixed_buffer_kept_in_the_state_dict() -> None:
    embedding = FourierFeatureEmbedding(2, 6, sigma=2.0)
    assert list(embedding.parameters()) == []
    assert list(embedding.state_dict()) == ["_matrix"]
    other = FourierFeatureEmbedding(2, 6, sigma=2.0)
    assert not torch.equal(other.matrix, embedding.matrix)
    other.load_state_dict(embedding.state_dict())
    torch.testing.assert_close(other.matrix, embedding.matrix, rtol=0, atol=0)
    x = torch.rand(4, 2)
    torch.testing.assert_close(other(x), embedding(x), rtol=0, atol=0)


def test_gradcheck_float64() -> None:
    embedding = FourierFeatureEmbedding(2, 6, sigma=1.0).double()
    x = torch.rand(4, 2, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(embedding, (x,))


def test_derivatives_through_pina_operators_match_closed_form() -> None:
    embedding = FourierFeatureEmbedding(1, 2, sigma=1.0).double()
    b = embedding.matrix[0, 0]
    x = LabelTensor(torch.rand(6, 1, dtype=torch.float64), ["x"]).requires_grad_(True)
    out = LabelTensor(embedding(x), ["c", "s"])
    torch.testing.assert_close(grad(out, x, components=["s"], d=["x"]), b * torch.cos(b * x))
    torch.testing.assert_close(
        laplacian(out, x, components=["c"], d=["x"]), -(b**2) * torch.cos(b * x)
    )


def test_float64_input_with_float32_buffer() -> None:
    embedding = FourierFeatureEmbedding(2, 4, sigma=1.0)
    out = embedding(torch.rand(3, 2, dtype=torch.float64))
    assert out.dtype == torch.float64


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"output_dimension": 7}, ValueError, r"output_dimension=7 must be even"),
        ({"output_dimension": 0}, ValueError, r"output_dimension=0 must be an int >= 1"),
        ({"input_dimension": 2.0}, TypeError, r"input_dimension must be an int; got 2.0"),
        ({"sigma": "1"}, TypeError, r"sigma must be a positive number; got '1'"),
        ({"sigma": True}, TypeError, r"sigma must be a positive number; got True"),
        ({"sigma": 0.0}, ValueError, r"sigma=0.0 must be a finite number > 0"),
        ({"sigma": float("nan")}, ValueError, r"sigma=nan must be a finite number > 0"),
    ],
)
def test_argument_errors(kwargs: dict, error: type[Exception], match: str) -> None:
    arguments = {"input_dimension": 2, "output_dimension": 4, "sigma": 1.0, **kwargs}
    with pytest.raises(error, match=match):
        FourierFeatureEmbedding(**arguments)


def test_wrong_input_width_is_a_clear_error() -> None:
    embedding = FourierFeatureEmbedding(2, 4, sigma=1.0)
    with pytest.raises(ValueError, match=r"shape \(\*, 2\); got shape \(5, 3\)"):
        embedding(torch.rand(5, 3))
