# ruff: noqa: E501
"""Bad calls written as PINA 0.1 users write them raise what 0.1.1 raised, and our type.

Each row is a call that ``pina-mathlab==0.1.1`` refuses, run as 0.1 code runs it. The
error must be an instance of the type 0.1.1 raised (so 0.1 code that catches it still
works), carry our message, and be an instance of our own type (``TypeError`` for a wrong
type, ``ValueError`` for a wrong value). Where the two differ the error is both, from
:mod:`pina._errors`. The 0.1.1 column was recorded by running the same calls on
``pina-mathlab==0.1.1`` (torch 2.13) in a separate environment; ``None`` marks a call
that 0.1.1 accepted or refused with an internal error (see the comment at the end of
the row), where only our type is checked.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

import pina._errors as errors

SETUP = r"""
import torch
from torch import nn
from pina import LabelTensor, Condition, Trainer, Plotter
from pina.geometry import CartesianDomain, EllipsoidDomain, SimplexDomain, Union, Intersection, Exclusion, Difference
from pina.equation import Equation, SystemEquation, FixedValue, FixedGradient, FixedFlux, Laplace
from pina.operators import grad, div, laplacian, advection
from pina.problem import SpatialProblem, TimeDependentProblem, AbstractProblem
from pina.model import FeedForward, ResidualFeedForward, MultiFeedForward, DeepONet, MIONet, FNO, FourierIntegralKernel, KernelNeuralOperator, AveragingNeuralOperator, LowRankNeuralOperator
from pina.model.network import Network
from pina.model.layers import ContinuousConvBlock, ResidualBlock, EnhancedLinear, SpectralConvBlock1D, SpectralConvBlock2D, SpectralConvBlock3D, FourierBlock1D, FourierBlock2D, FourierBlock3D, PODBlock, PeriodicBoundaryEmbedding, AVNOBlock, LowRankBlock
from pina.solvers import PINN, GPINN, CausalPINN, CompetitivePINN, SAPINN, SupervisedSolver, ReducedOrderModelSolver, GAROM
from pina.callbacks import MetricTracker, R3Refinement, SwitchOptimizer
from pina.loss import LpLoss, PowerLoss
from pina.utils import check_consistency, merge_tensors, torch_lhs
from pina.adaptive_functions import AdaptiveTanh, AdaptiveReLU, AdaptiveSIREN, AdaptiveExp

dom = CartesianDomain({'x': [0, 1], 'y': [0, 1]})
class Poisson(SpatialProblem):
    output_variables = ['u']
    spatial_domain = CartesianDomain({'x': [0, 1], 'y': [0, 1]})
    conditions = {'D': Condition(location=CartesianDomain({'x': [0, 1], 'y': [0, 1]}), equation=FixedValue(0.0))}
class Heat(SpatialProblem, TimeDependentProblem):
    output_variables = ['u']
    spatial_domain = CartesianDomain({'x': [0, 1]})
    temporal_domain = CartesianDomain({'t': [0, 1]})
    conditions = {'D': Condition(location=CartesianDomain({'x': [0, 1], 't': [0, 1]}), equation=FixedValue(0.0))}
class Data(AbstractProblem):
    input_variables = ['x', 'y']
    output_variables = ['u']
    conditions = {'data': Condition(input_points=LabelTensor(torch.rand(8, 2), ['x', 'y']), output_points=LabelTensor(torch.rand(8, 1), ['u']))}
problem = Poisson()
heat = Heat()
data_problem = Data()
model = FeedForward(2, 1)
pts = LabelTensor(torch.rand(10, 2, requires_grad=True), ['x', 'y'])
u = LabelTensor((pts ** 2).sum(-1, keepdim=True), ['u'])
uv = LabelTensor(torch.cat([pts[:, :1] ** 2, pts[:, 1:] ** 2], -1), ['a', 'b'])
solver = PINN(problem, model)
net2 = FeedForward(2, 2)
net1 = FeedForward(1, 2)
net1b = FeedForward(1, 2)
sup_solver = SupervisedSolver(data_problem, FeedForward(2, 1))
v1 = LabelTensor(torch.tensor([[0.0, 0.0]]), ['x', 'y'])
v2 = LabelTensor(torch.tensor([[1.0, 0.0]]), ['x', 'y'])
v3 = LabelTensor(torch.tensor([[0.0, 1.0]]), ['x', 'y'])
w3 = LabelTensor(torch.tensor([[0.0, 1.0]]), ['x', 'z'])
class Enc(nn.Module):
    def __init__(self):
        super().__init__()
        self.l = nn.Linear(2, 2)
    def encode(self, x): return x
    def decode(self, x): return x
    def forward(self, x): return x
"""

#: (id, the 0.1 call, type 0.1.1 raised (None: see comment), our type, start of our message)
# fmt: off
CASES: list[tuple[str, str, type[BaseException] | None, type[BaseException], str]] = [
    ('check_consistency_instance', 'check_consistency(1, str)', ValueError, TypeError, 'expected an instance of str; got 1 of type int.'),
    ('check_consistency_list', "check_consistency([1, 'a'], str)", ValueError, TypeError, 'expected an instance of str; got 1 of type int.'),
    ('check_consistency_subclass_wrong_class', 'check_consistency(int, nn.Module, subclass=True)', ValueError, TypeError, 'expected a subclass of Module; got the class int'),
    ('check_consistency_subclass_instance', 'check_consistency(1, nn.Module, subclass=True)', TypeError, TypeError, 'expected a subclass of Module; got 1, an instanc'),
    ('torch_lhs_float_n', 'torch_lhs(2.5, 2)', TypeError, TypeError, 'n must be a positive int; got 2.5.'),
    ('torch_lhs_str_dim', "torch_lhs(3, 'a')", TypeError, TypeError, "dim must be a positive int; got 'a'."),
    ('torch_lhs_zero_dim', 'torch_lhs(3, 0)', ValueError, ValueError, 'dim must be a positive int; got dim=0.'),
    ('merge_tensors_empty', 'merge_tensors([])', ValueError, ValueError, 'tensors must hold at least one LabelTensor; got '),
    ('labeltensor_labels_length', "LabelTensor(torch.rand(3, 2), ['a'])", ValueError, ValueError, "labels=['a'] has 1 entries but the tensor has 2 "),
    ('labeltensor_labels_int', 'LabelTensor(torch.rand(3, 2), 5)', TypeError, TypeError, 'labels must be a str or a list of str; got 5.'),
    ('labeltensor_setter_length', "t = LabelTensor(torch.rand(3, 2), ['a', 'b']); t.labels = ['a']", ValueError, ValueError, "labels=['a'] has 1 entries but the tensor has 2 "),
    ('labeltensor_extract_int', "LabelTensor(torch.rand(3, 2), ['a', 'b']).extract(5)", TypeError, TypeError, 'label_to_extract must be a str or a list of str;'),
    ('labeltensor_extract_unknown', "LabelTensor(torch.rand(3, 2), ['a', 'b']).extract(['z'])", ValueError, ValueError, "label_to_extract=['z']: ['z'] not found; availab"),
    ('labeltensor_append_overlap', "t = LabelTensor(torch.rand(3, 2), ['a', 'b']); t.append(t)", RuntimeError, RuntimeError, "Cannot append: labels ['a', 'b'] appear in both "),
    ('labeltensor_append_mode', "t = LabelTensor(torch.rand(3, 2), ['a', 'b']); t.append(LabelTensor(torch.rand(3, 1), ['c']), mode='bad')", None, ValueError, "mode='bad' is not supported; choose one of ['cro"),  # 0.1.1: internal UnboundLocalError: cannot access local variable 'new_tensor' where it
    ('labeltensor_vstack_labels', "LabelTensor.vstack([LabelTensor(torch.rand(3, 2), ['a', 'b']), LabelTensor(torch.rand(3, 2), ['a', 'c'])])", RuntimeError, ValueError, "label_tensors[1] has labels ['a', 'c']; every te"),
    ('condition_positional', 'Condition(dom, FixedValue(0.0))', ValueError, ValueError, 'Condition takes keyword arguments only; got 2 po'),
    ('condition_unknown_kwarg', 'Condition(foo=1)', ValueError, ValueError, "Condition got the keywords ['foo']; use exactly "),
    ('condition_input_points_tensor', 'Condition(input_points=torch.rand(3, 2), output_points=pts)', TypeError, TypeError, 'Condition input_points must be a LabelTensor; go'),
    ('condition_output_points_int', 'Condition(input_points=pts, output_points=1)', TypeError, TypeError, 'Condition output_points must be a LabelTensor; g'),
    ('condition_location_int', 'Condition(location=1, equation=FixedValue(0.0))', TypeError, TypeError, 'Condition location must be a Location; got int.'),
    ('condition_equation_function', 'Condition(location=dom, equation=lambda i, o: o)', TypeError, TypeError, 'Condition equation must be a EquationInterface; '),
    ('equation_not_callable', 'Equation(1)', ValueError, ValueError, 'equation must be a callable f(input_, output_) o'),
    ('system_equation_not_list', 'SystemEquation(1)', ValueError, ValueError, 'list_equation must be a list of functions or Equ'),
    ('system_equation_reduction_int', 'SystemEquation([lambda i, o: o], reduction=1)', ValueError, ValueError, "reduction=1 is not implemented; choose one of ['"),
    ('system_equation_reduction_unknown', "SystemEquation([lambda i, o: o], reduction='max')", NotImplementedError, ValueError, "reduction='max' is not implemented; choose one o"),
    ('cartesian_value_str', "CartesianDomain({'x': 'a'})", TypeError, TypeError, "cartesian_dict['x'] must be a range [a, b] or a "),
    ('cartesian_range_three', "CartesianDomain({'x': [0, 1, 2]})", TypeError, ValueError, "cartesian_dict['x']=[0, 1, 2] must be a range [a"),
    ('cartesian_sample_mode', "dom.sample(10, mode='bad')", ValueError, ValueError, "mode='bad' is not supported; choose one of ['che"),
    ('cartesian_sample_n_float', 'dom.sample(2.5)', TypeError, TypeError, 'n must be a positive int; got 2.5 of type float.'),
    ('ellipsoid_value_str', "EllipsoidDomain({'x': 'a'})", TypeError, TypeError, "ellipsoid_dict['x'] must be a range [a, b] or a "),
    ('ellipsoid_sample_surface_int', "EllipsoidDomain({'x': [0, 1]}, sample_surface=1)", ValueError, TypeError, 'sample_surface must be True or False; got 1.'),
    ('ellipsoid_sample_mode', "EllipsoidDomain({'x': [0, 1], 'y': [0, 1]}).sample(10, mode='grid')", NotImplementedError, ValueError, "mode='grid' is not supported; choose one of ['ra"),
    ('ellipsoid_is_inside_tensor', "EllipsoidDomain({'x': [0, 1], 'y': [0, 1]}).is_inside(torch.rand(1, 2))", ValueError, TypeError, 'points must be a LabelTensor labelled with the d'),
    ('simplex_not_list', 'SimplexDomain(5)', ValueError, TypeError, 'simplex_matrix must be a list of LabelTensor ver'),
    ('simplex_items_not_labeltensor', 'SimplexDomain([1, 2, 3])', ValueError, TypeError, 'simplex_matrix[0] must be a LabelTensor of shape'),
    ('simplex_labels_differ', 'SimplexDomain([v1, v2, w3])', ValueError, ValueError, "simplex_matrix[2] has labels ['x', 'z'] but simp"),
    ('simplex_vertex_count', 'SimplexDomain([v1, v2])', ValueError, ValueError, 'simplex_matrix has 2 vertices; a simplex in the '),
    ('simplex_sample_surface_str', "SimplexDomain([v1, v2, v3], sample_surface='no')", ValueError, TypeError, "sample_surface must be True or False; got 'no'."),
    ('simplex_sample_mode', "SimplexDomain([v1, v2, v3]).sample(10, mode='grid')", NotImplementedError, ValueError, "mode='grid' is not supported; choose one of ['ra"),
    ('union_item_int', 'Union([dom, 1])', ValueError, TypeError, 'geometries[1] must be a Location (e.g. a Cartesi'),
    ('union_variables_differ', "Union([dom, CartesianDomain({'x': [0, 1], 'z': [0, 1]})])", NotImplementedError, ValueError, 'Union needs geometries with the same variables; '),
    ('union_sample_mode', "Union([dom, CartesianDomain({'x': [1, 2], 'y': [0, 1]})]).sample(10, mode='grid')", None, ValueError, "mode='grid' is not supported; choose one of ['ra"),  # 0.1.1: accepted
    ('intersection_sample_mode', "Intersection([dom, CartesianDomain({'x': [0.5, 2], 'y': [0, 1]})]).sample(10, mode='grid')", NotImplementedError, ValueError, "mode='grid' is not supported; choose one of ['ra"),
    ('exclusion_sample_mode', "Exclusion([dom, CartesianDomain({'x': [0.5, 2], 'y': [0, 1]})]).sample(10, mode='grid')", NotImplementedError, ValueError, "mode='grid' is not supported; choose one of ['ra"),
    ('difference_sample_mode', "Difference([dom, CartesianDomain({'x': [0.5, 2], 'y': [0, 1]})]).sample(10, mode='grid')", NotImplementedError, ValueError, "mode='grid' is not supported; choose one of ['ra"),
    ('grad_output_tensor', 'grad(torch.rand(3, 1), pts)', None, TypeError, 'output_ must be a LabelTensor; got Tensor.'),  # 0.1.1: internal AttributeError: 'Tensor' object has no attribute 'labels'
    ('grad_input_tensor', 'grad(u, torch.rand(10, 2))', TypeError, TypeError, 'input_ must be a LabelTensor; got Tensor.'),
    ('grad_d_unknown', "grad(u, pts, d=['z'])", RuntimeError, ValueError, "d=['z']: ['z'] not found; available labels are ["),
    ('grad_components_unknown', "grad(u, pts, components=['z'])", RuntimeError, ValueError, "components=['z']: ['z'] not found; available lab"),
    ('div_one_component', 'div(u, pts)', ValueError, ValueError, 'div needs as many components as variables, at le'),
    ('div_mismatch', "div(uv, pts, d=['x'])", ValueError, ValueError, 'div needs as many components as variables, at le'),
    ('div_input_tensor', 'div(uv, torch.rand(10, 2))', TypeError, TypeError, 'input_ must be a LabelTensor; got Tensor.'),
    ('laplacian_input_tensor', 'laplacian(u, torch.rand(10, 2))', None, TypeError, 'input_ must be a LabelTensor; got Tensor.'),  # 0.1.1: internal AttributeError: 'Tensor' object has no attribute 'labels'
    ('discretise_n_float', 'problem.discretise_domain(2.5)', ValueError, TypeError, 'n must be a positive int; got 2.5.'),
    ('discretise_mode_int', 'problem.discretise_domain(10, mode=1)', ValueError, ValueError, "mode=1 is not supported; choose one of ['chebysh"),
    ('discretise_mode_unknown', "problem.discretise_domain(10, mode='bad')", TypeError, ValueError, "mode='bad' is not supported; choose one of ['che"),
    ('discretise_variables_int', 'problem.discretise_domain(10, variables=1)', ValueError, TypeError, "variables must be 'all', a str or a list of str;"),
    ('discretise_locations_int', 'problem.discretise_domain(10, locations=1)', ValueError, TypeError, "locations must be 'all', a str or a list of str;"),
    ('discretise_locations_unknown', "problem.discretise_domain(10, locations=['nope'])", None, ValueError, "locations=['nope']: ['nope'] unknown; choose fro"),  # 0.1.1: internal KeyError: 'nope'
    ('discretise_variables_unknown', "problem.discretise_domain(10, variables=['z'])", ValueError, ValueError, "variables=['z']: ['z'] unknown; choose from ['x'"),
    ('feedforward_input_str', "FeedForward('a', 1)", ValueError, TypeError, "input_dimensions must be an int; got 'a' of type"),
    ('feedforward_output_float', 'FeedForward(2, 1.0)', ValueError, TypeError, 'output_dimensions must be an int; got 1.0 of typ'),
    ('feedforward_inner_size_str', "FeedForward(2, 1, inner_size='a')", TypeError, TypeError, "inner_size must be an int; got 'a' of type str."),
    ('feedforward_n_layers_float', 'FeedForward(2, 1, n_layers=2.0)', TypeError, TypeError, 'n_layers must be an int; got 2.0 of type float.'),
    ('feedforward_func_not_module', 'FeedForward(2, 1, func=int)', TypeError, TypeError, 'func must be a torch.nn.Module subclass (e.g. to'),
    ('feedforward_bias_int', 'FeedForward(2, 1, bias=1)', None, TypeError, 'bias must be True or False; got 1.'),  # 0.1.1: accepted
    ('feedforward_layers_str', "FeedForward(2, 1, layers='a')", None, TypeError, 'layers must be a list or tuple of positive ints '),  # 0.1.1: internal AttributeError: 'str' object has no attribute 'copy'
    ('feedforward_func_count', 'FeedForward(2, 1, func=[nn.Tanh] * 5)', RuntimeError, ValueError, 'func has 5 entries but the network has 2 hidden '),
    ('residualff_input_str', "ResidualFeedForward('a', 1)", ValueError, TypeError, "input_dimensions must be an int; got 'a' of type"),
    ('residualff_transformer_int', 'ResidualFeedForward(2, 1, transformer_nets=5)', TypeError, TypeError, 'transformer_nets must be None or a list/tuple of'),
    ('residualff_transformer_count', 'ResidualFeedForward(2, 1, transformer_nets=[nn.Linear(2, 20)])', ValueError, ValueError, 'transformer_nets has 1 entries; it must hold exa'),
    ('multiff_not_dict', 'MultiFeedForward(5)', TypeError, TypeError, 'ffn_dict must be a dict mapping a network name t'),
    ('network_model_int', "Network(5, ['x', 'y'], ['u'])", ValueError, TypeError, 'model must be a torch.nn.Module; got int.'),
    ('network_input_int', "Network(model, 1, ['u'])", ValueError, TypeError, 'input_variables must be a list of str; got 1.'),
    ('network_output_int', "Network(model, ['x', 'y'], 1)", ValueError, TypeError, 'output_variables must be a list of str; got 1.'),
    ('network_extra_int', "Network(model, ['x', 'y'], ['u'], extra_features=[5])", ValueError, TypeError, 'extra_features[0] must be a torch.nn.Module; got'),
    ('deeponet_branch_int', "DeepONet(branch_net=5, trunk_net=net1b, input_indeces_branch_net=['x'], input_indeces_trunk_net=['y'])", ValueError, TypeError, 'branch_net must be a torch.nn.Module; got 5.'),
    ('deeponet_indices_float', "DeepONet(branch_net=net1, trunk_net=net1b, input_indeces_branch_net=[0.5], input_indeces_trunk_net=['y'])", ValueError, TypeError, 'input_indeces_branch_net=[0.5] must be all str ('),
    ('deeponet_aggregator_unknown', "DeepONet(branch_net=net1, trunk_net=net1b, input_indeces_branch_net=['x'], input_indeces_trunk_net=['y'], aggregator='bad')", ValueError, ValueError, "aggregator='bad' is not supported; choose one of"),
    ('deeponet_reduction_unknown', "DeepONet(branch_net=net1, trunk_net=net1b, input_indeces_branch_net=['x'], input_indeces_trunk_net=['y'], reduction='bad')", ValueError, ValueError, "reduction='bad' is not supported; choose one of "),
    ('deeponet_scale_int', "DeepONet(branch_net=net1, trunk_net=net1b, input_indeces_branch_net=['x'], input_indeces_trunk_net=['y'], scale=1)", ValueError, TypeError, 'scale must be True or False; got 1.'),
    ('deeponet_translation_str', "DeepONet(branch_net=net1, trunk_net=net1b, input_indeces_branch_net=['x'], input_indeces_trunk_net=['y'], translation='no')", ValueError, TypeError, "translation must be True or False; got 'no'."),
    ('mionet_not_dict', 'MIONet(5)', ValueError, TypeError, 'networks must be a dict mapping each torch.nn.Mo'),
    ('mionet_key_int', "MIONet({5: ['x'], net2: ['y']})", ValueError, TypeError, 'networks entry 0 (int) must be a torch.nn.Module'),
    ('fno_dimensions_str', "FNO(nn.Linear(2, 20), nn.Linear(20, 1), n_modes=4, dimensions='a')", ValueError, TypeError, "dimensions must be an int; got 'a' of type str."),
    ('fno_dimensions_four', 'FNO(nn.Linear(2, 20), nn.Linear(20, 1), n_modes=4, dimensions=4)', NotImplementedError, ValueError, 'dimensions=4 is not supported; choose one of [1,'),
    ('fno_padding_str', "FNO(nn.Linear(2, 20), nn.Linear(20, 1), n_modes=4, padding='a')", ValueError, TypeError, 'padding must be an int or a list/tuple of 3 ints'),
    ('fno_padding_type_int', 'FNO(nn.Linear(2, 20), nn.Linear(20, 1), n_modes=4, padding_type=1)', ValueError, ValueError, 'padding_type=1 is not supported; choose one of ['),
    ('fno_inner_size_str', "FNO(nn.Linear(2, 20), nn.Linear(20, 1), n_modes=4, inner_size='a')", ValueError, TypeError, "inner_size must be an int; got 'a' of type str."),
    ('fno_layers_str', "FNO(nn.Linear(2, 20), nn.Linear(20, 1), n_modes=4, layers='a')", ValueError, TypeError, 'layers must be a list or tuple of positive ints '),
    ('fno_lifting_int', 'FNO(5, nn.Linear(20, 1), n_modes=4)', None, TypeError, 'lifting_net must be a torch.nn.Module; got 5.'),  # 0.1.1: internal AttributeError: 'int' object has no attribute 'parameters'
    ('kno_lifting_int', 'KernelNeuralOperator(5, nn.Linear(4, 4), nn.Linear(4, 1))', None, TypeError, 'lifting_operator must be a torch.nn.Module; got '),  # 0.1.1: accepted
    ('fik_n_modes_str', "FourierIntegralKernel(input_numb_fields=4, output_numb_fields=20, n_modes='a', dimensions=1)", ValueError, TypeError, 'n_modes must be an int or a list/tuple of 1 int('),
    ('avno_field_int', "AveragingNeuralOperator(nn.Linear(2, 4), nn.Linear(5, 1), field_indices=1, coordinates_indices=['x'])", ValueError, TypeError, 'field_indices must be a label or a list of label'),
    ('avno_n_layers_str', "AveragingNeuralOperator(nn.Linear(2, 4), nn.Linear(5, 1), field_indices=['u'], coordinates_indices=['x'], n_layers='a')", ValueError, TypeError, "n_layers must be an int; got 'a' of type str."),
    ('lno_field_int', "LowRankNeuralOperator(nn.Linear(2, 4), nn.Linear(5, 1), field_indices=1, coordinates_indices=['x'], n_kernel_layers=2, rank=2)", ValueError, TypeError, 'field_indices must be a label or a list of label'),
    ('lno_n_kernel_layers_str', "LowRankNeuralOperator(nn.Linear(2, 4), nn.Linear(5, 1), field_indices=['u'], coordinates_indices=['x'], n_kernel_layers='a', rank=2)", ValueError, TypeError, "n_kernel_layers must be an int; got 'a' of type "),
    ('residualblock_input_str', "ResidualBlock('a', 2, 2)", ValueError, TypeError, "input_dim must be an int; got 'a' of type str."),
    ('residualblock_spectral_norm_int', 'ResidualBlock(2, 2, 2, spectral_norm=1)', ValueError, TypeError, 'spectral_norm must be True or False; got 1.'),
    ('enhancedlinear_layer_int', 'EnhancedLinear(5)', ValueError, TypeError, 'layer must be a torch.nn.Module; got 5.'),
    ('enhancedlinear_activation_int', 'EnhancedLinear(nn.Linear(2, 2), activation=5)', ValueError, TypeError, 'activation must be a torch.nn.Module instance (e'),
    ('enhancedlinear_dropout_int', 'EnhancedLinear(nn.Linear(2, 2), dropout=1)', ValueError, ValueError, 'dropout=1 must be a probability in [0, 1).'),
    ('spectral1d_input_str', "SpectralConvBlock1D('a', 2, 4)", ValueError, TypeError, "input_numb_fields must be an int; got 'a' of typ"),
    ('spectral1d_n_modes_str', "SpectralConvBlock1D(2, 2, 'a')", TypeError, TypeError, 'n_modes must be an int or a list/tuple of 1 int('),
    ('spectral2d_n_modes_str', "SpectralConvBlock2D(2, 2, 'a')", ValueError, TypeError, 'n_modes must be an int or a list/tuple of 2 int('),
    ('spectral2d_n_modes_len', 'SpectralConvBlock2D(2, 2, [4])', ValueError, ValueError, 'n_modes=[4] has 1 entries but the block has 2 sp'),
    ('spectral3d_n_modes_len', 'SpectralConvBlock3D(2, 2, [4, 4])', ValueError, ValueError, 'n_modes=[4, 4] has 2 entries but the block has 3'),
    ('fourier1d_activation_not_module', 'FourierBlock1D(2, 2, 4, activation=int)', ValueError, TypeError, 'activation must be a torch.nn.Module subclass (e'),
    ('pod_rank_zero', 'PODBlock(0)', None, ValueError, 'rank=0 must be an int >= 1.'),  # 0.1.1: accepted
    ('pod_rank_str', "PODBlock('a')", None, TypeError, "rank must be an int; got 'a' of type str."),  # 0.1.1: accepted
    ('pod_scale_int', 'PODBlock(2, scale_coefficients=1)', None, TypeError, 'scale_coefficients must be True or False; got 1.'),  # 0.1.1: accepted
    ('pod_reduce_unfitted', 'PODBlock(2).reduce(torch.rand(3, 5))', RuntimeError, RuntimeError, 'PODBlock is not fitted; call fit(X) with snapsho'),
    ('periodic_input_str', "PeriodicBoundaryEmbedding('a', 1)", ValueError, TypeError, "input_dimension must be an int; got 'a' of type "),
    ('periodic_periods_str', "PeriodicBoundaryEmbedding(2, 'a')", ValueError, TypeError, 'periods must be a number (the period of every in'),
    ('periodic_output_str', "PeriodicBoundaryEmbedding(2, 1, output_dimension='a')", ValueError, TypeError, "output_dimension must be an int; got 'a' of type"),
    ('periodic_dict_value_str', "PeriodicBoundaryEmbedding(2, {'x': 'a'})", TypeError, TypeError, "periods['x'] must be a positive number (a period"),
    ('avnoblock_hidden_str', "AVNOBlock('a')", ValueError, TypeError, "hidden_size must be an int; got 'a' of type str."),
    ('lowrankblock_rank_str', "LowRankBlock(input_dimensions=2, embedding_dimenion=4, rank='a')", ValueError, TypeError, "rank must be an int; got 'a' of type str."),
    ('ccb_input_str', "ContinuousConvBlock('a', 1, [0.1, 0.1], {'domain': [1, 1], 'start': [0, 0], 'jumps': [0.1, 0.1], 'direction': [1, 1]})", ValueError, TypeError, "input_numb_field must be an int; got 'a' of type"),
    ('ccb_filter_dim_int', "ContinuousConvBlock(1, 1, 5, {'domain': [1, 1], 'start': [0, 0], 'jumps': [0.1, 0.1], 'direction': [1, 1]})", ValueError, TypeError, 'filter_dim must be a list or tuple of window siz'),
    ('ccb_stride_int', 'ContinuousConvBlock(1, 1, [0.1, 0.1], 5)', ValueError, TypeError, "stride must be a dict with keys 'domain', 'start"),
    ('ccb_optimize_int', "ContinuousConvBlock(1, 1, [0.1, 0.1], {'domain': [1, 1], 'start': [0, 0], 'jumps': [0.1, 0.1], 'direction': [1, 1]}, optimize=1)", ValueError, TypeError, 'optimize must be a bool; got 1 of type int.'),
    ('ccb_no_overlap_int', "ContinuousConvBlock(1, 1, [0.1, 0.1], {'domain': [1, 1], 'start': [0, 0], 'jumps': [0.1, 0.1], 'direction': [1, 1]}, no_overlap=1)", ValueError, TypeError, 'no_overlap must be a bool; got 1 of type int.'),
    ('ccb_stride_lengths', "ContinuousConvBlock(1, 1, [0.1, 0.1], {'domain': [1, 1, 1], 'start': [0, 0], 'jumps': [0.1, 0.1], 'direction': [1, 1]})", IndexError, ValueError, 'stride entries must all have one value per spati'),
    ('ccb_stride_direction', "ContinuousConvBlock(1, 1, [0.1, 0.1], {'domain': [1, 1], 'start': [0, 0], 'jumps': [0.1, 0.1], 'direction': [2, 1]})", ValueError, ValueError, "stride['direction']=[2.0, 1.0] must hold -1, 0 o"),
    ('ccb_stride_domain_negative', "ContinuousConvBlock(1, 1, [0.1, 0.1], {'domain': [-1, 1], 'start': [0, 0], 'jumps': [0.1, 0.1], 'direction': [1, 1]})", ValueError, ValueError, "stride['domain']=[-1.0, 1.0] must be positive on"),
    ('adaptive_alpha_str', "AdaptiveTanh(alpha='a')", ValueError, TypeError, 'alpha must be a real or complex number (or None '),
    ('adaptive_fixed_int', 'AdaptiveTanh(fixed=1)', ValueError, TypeError, 'fixed must be None, a str or a list of str among'),
    ('adaptive_fixed_unknown', "AdaptiveTanh(fixed=['delta'])", TypeError, ValueError, "fixed=['delta'] names ['delta']; the scalars tha"),
    ('adaptive_siren_fixed_unknown', "AdaptiveSIREN(fixed=['delta'])", TypeError, ValueError, "fixed=['delta'] names ['delta']; the scalars tha"),
    ('adaptive_exp_fixed_unknown', "AdaptiveExp(fixed=['delta'])", TypeError, ValueError, "fixed=['delta', 'gamma'] names ['delta']; the sc"),
    ('lploss_p_list', 'LpLoss(p=[1])', None, TypeError, 'p must be a real number; got [1] of type list.'),  # 0.1.1: accepted
    ('lploss_relative_int', 'LpLoss(relative=1)', ValueError, TypeError, 'relative must be a bool; got 1 of type int.'),
    ('powerloss_p_list', 'PowerLoss(p=[1])', None, TypeError, 'p must be a real number; got [1] of type list.'),  # 0.1.1: accepted
    ('powerloss_relative_str', "PowerLoss(relative='a')", ValueError, TypeError, "relative must be a bool; got 'a' of type str."),
    ('pinn_problem_int', 'PINN(5, model)', ValueError, TypeError, 'problem must be an AbstractProblem; got int.'),
    ('pinn_model_int', 'PINN(problem, 5)', ValueError, TypeError, 'models[0] must be a torch.nn.Module; got int.'),
    ('pinn_optimizer_not_optimizer', 'PINN(problem, model, optimizer=int)', ValueError, TypeError, 'optimizers[0] must be a torch.optim.Optimizer cl'),
    ('pinn_optimizer_instance', 'PINN(problem, model, optimizer=torch.optim.Adam(model.parameters()))', TypeError, TypeError, 'optimizers[0] must be a torch.optim.Optimizer cl'),
    ('pinn_optimizer_kwargs_int', 'PINN(problem, model, optimizer_kwargs=5)', ValueError, TypeError, 'optimizer_kwargs must be a dict; got 5.'),
    ('pinn_scheduler_not_scheduler', 'PINN(problem, model, scheduler=int)', ValueError, TypeError, 'scheduler must be a torch.optim.lr_scheduler cla'),
    ('pinn_scheduler_kwargs_int', 'PINN(problem, model, scheduler_kwargs=5)', ValueError, TypeError, 'scheduler_kwargs must be a dict; got 5.'),
    ('pinn_loss_int', 'PINN(problem, model, loss=5)', ValueError, TypeError, 'loss must be a torch loss module instance such a'),
    ('pinn_loss_class', 'PINN(problem, model, loss=torch.nn.MSELoss)', ValueError, TypeError, 'loss must be a torch loss module instance such a'),
    ('pinn_extra_features_int', 'PINN(problem, model, extra_features=[5])', ValueError, TypeError, 'extra_features[0] must be a torch.nn.Module; got'),
    ('gpinn_not_spatial', 'GPINN(data_problem, model)', ValueError, TypeError, 'GPINN differentiates the residual with respect t'),
    ('causalpinn_eps_str', "CausalPINN(heat, model, eps='a')", ValueError, TypeError, "eps must be a real number; got 'a'."),
    ('causalpinn_not_timedependent', 'CausalPINN(problem, model)', ValueError, TypeError, 'CausalPINN weighs the residual over time, so pro'),
    ('competitive_scheduler_int', 'CompetitivePINN(problem, model, scheduler_model=int)', ValueError, TypeError, 'scheduler_model must be a torch.optim.lr_schedul'),
    ('competitive_scheduler_kwargs_int', 'CompetitivePINN(problem, model, scheduler_model_kwargs=5)', ValueError, TypeError, 'scheduler_model_kwargs must be a dict; got 5.'),
    ('sapinn_weights_function_int', 'SAPINN(problem, model, weights_function=5)', ValueError, TypeError, 'weights_function must be a torch.nn.Module insta'),
    ('sapinn_weights_function_class', 'SAPINN(problem, model, weights_function=nn.Sigmoid)', ValueError, TypeError, 'weights_function must be a torch.nn.Module insta'),
    ('sapinn_scheduler_int', 'SAPINN(problem, model, scheduler_model=int)', ValueError, TypeError, 'scheduler_model must be a torch.optim.lr_schedul'),
    ('supervised_problem_int', 'SupervisedSolver(5, model)', ValueError, TypeError, 'problem must be an AbstractProblem; got int.'),
    ('supervised_loss_int', 'SupervisedSolver(data_problem, model, loss=5)', ValueError, TypeError, 'loss must be a torch loss module instance such a'),
    ('supervised_scheduler_int', 'SupervisedSolver(data_problem, model, scheduler=int)', ValueError, TypeError, 'scheduler must be a torch.optim.lr_scheduler cla'),
    ('supervised_scheduler_kwargs_int', 'SupervisedSolver(data_problem, model, scheduler_kwargs=5)', ValueError, TypeError, 'scheduler_kwargs must be a dict; got 5.'),
    ('rom_no_encode', 'ReducedOrderModelSolver(data_problem, reduction_network=nn.Linear(2, 2), interpolation_network=nn.Linear(2, 2))', SyntaxError, TypeError, 'reduction_network (Linear) must have a callable '),
    ('garom_gamma_str', "GAROM(data_problem, nn.Linear(2, 1), nn.Linear(2, 1), gamma='a')", ValueError, TypeError, "gamma must be a float; got 'a' of type str."),
    ('garom_regularizer_int', 'GAROM(data_problem, nn.Linear(2, 1), nn.Linear(2, 1), regularizer=1)', ValueError, TypeError, 'regularizer must be True or False; got 1.'),
    ('garom_loss_int', 'GAROM(data_problem, nn.Linear(2, 1), nn.Linear(2, 1), loss=5)', ValueError, TypeError, 'loss must be a torch loss module instance such a'),
    ('garom_scheduler_int', 'GAROM(data_problem, nn.Linear(2, 1), nn.Linear(2, 1), scheduler_generator=int)', ValueError, TypeError, 'scheduler_generator must be a torch.optim.lr_sch'),
    ('garom_scheduler_kwargs_int', 'GAROM(data_problem, nn.Linear(2, 1), nn.Linear(2, 1), scheduler_generator_kwargs=5)', ValueError, TypeError, 'scheduler_generator_kwargs must be a dict; got 5'),
    ('trainer_solver_int', 'Trainer(5)', ValueError, TypeError, 'solver must be a pina solver (SolverInterface), '),
    ('trainer_batch_size_str', "Trainer(sup_solver, batch_size='a')", ValueError, TypeError, "batch_size must be None or a positive int; got '"),
    ('trainer_batch_size_float', 'Trainer(sup_solver, batch_size=2.0)', ValueError, TypeError, 'batch_size must be None or a positive int; got 2'),
    ('switch_optimizer_int', 'SwitchOptimizer(5, {}, 10)', TypeError, TypeError, 'new_optimizers[0] must be a torch.optim.Optimize'),
    ('switch_optimizer_not_optimizer', 'SwitchOptimizer(int, {}, 10)', ValueError, TypeError, 'new_optimizers[0] must be a torch.optim.Optimize'),
    ('switch_kwargs_int', 'SwitchOptimizer(torch.optim.LBFGS, 5, 10)', ValueError, TypeError, 'new_optimizers_kwargs[0] must be a dict; got 5.'),
    ('switch_epoch_str', "SwitchOptimizer(torch.optim.LBFGS, {}, 'a')", ValueError, TypeError, "epoch_switch must be an int >= 1; got 'a'."),
    ('switch_epoch_zero', 'SwitchOptimizer(torch.optim.LBFGS, {}, 0)', ValueError, ValueError, 'epoch_switch must be >= 1 (the epoch at whose st'),
    ('switch_lengths', 'SwitchOptimizer([torch.optim.Adam, torch.optim.LBFGS], [{}], 10)', ValueError, ValueError, 'Give one new_optimizers_kwargs dict per optimize'),
    ('r3_sample_every_str', "R3Refinement('a')", ValueError, TypeError, "sample_every must be a positive int; got 'a'."),
    ('r3_sample_every_float', 'R3Refinement(2.0)', ValueError, TypeError, 'sample_every must be a positive int; got 2.0.'),
    ('plot_loss_no_tracker', 'tr = Trainer(sup_solver, max_epochs=1, enable_progress_bar=False, enable_model_summary=False, logger=False, enable_checkpointing=False); tr.train(); Plotter().plot_loss(tr)', FileNotFoundError, ValueError, 'plot_loss reads the metrics of a MetricTracker, '),
]
# fmt: on


@pytest.fixture(scope="module")
def namespace() -> dict[str, Any]:
    """Objects the calls use: domains, problems, models, a solver (built once)."""
    import matplotlib

    matplotlib.use("Agg")
    ns: dict[str, Any] = {}
    exec(SETUP, ns)
    return ns


@pytest.mark.parametrize(
    ("code", "type_01", "our_type", "message"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
def test_bad_call_raises_01_type_and_ours(
    namespace: dict[str, Any],
    code: str,
    type_01: type[BaseException] | None,
    our_type: type[BaseException],
    message: str,
) -> None:
    with pytest.raises(type_01 or our_type, match=re.escape(message)) as info:
        exec(code, dict(namespace))
    assert isinstance(info.value, our_type)


@pytest.mark.parametrize(
    ("cls", "bases"),
    [
        (errors.ArgumentTypeError, (TypeError, ValueError)),
        (errors.ArgumentValueError, (ValueError, TypeError)),
        (errors.UnsupportedValueError, (ValueError, NotImplementedError)),
        (errors.ArgumentRuntimeError, (ValueError, RuntimeError)),
        (errors.ArgumentIndexError, (ValueError, IndexError)),
        (errors.MissingMethodError, (TypeError, SyntaxError)),
        (errors.MissingCallbackError, (ValueError, FileNotFoundError)),
    ],
)
def test_dual_errors_are_both_types_and_keep_the_message(
    cls: type[Exception], bases: tuple[type[Exception], ...]
) -> None:
    err = cls("x=1 is wrong; choose one of [2, 3].")
    assert all(isinstance(err, base) for base in bases)
    assert str(err) == "x=1 is wrong; choose one of [2, 3]."
    for base in bases:
        with pytest.raises(base, match=r"x=1 is wrong"):
            raise cls("x=1 is wrong; choose one of [2, 3].")
