"""The reference Trainer tutorial, run end to end (``make demo``).

This script runs, in order and unchanged, the code cells of the PINA 0.1
tutorial "PINA and PyTorch Lightning, training tips and visualizations"
(``shared/reference/trainer_tutorial.rst``), except its Google Colab install
cell, with the tutorial's epoch budgets: three TensorBoard-logged runs of 1000
epochs, a run with a user callback, an ``EarlyStopping`` run, and three runs of
2000 epochs (plain, with ``StochasticWeightAveraging``, and with gradient
clipping).

Afterwards it saves ``demo_output/solution.png`` (the last solution against
the exact ``exp(x)``) and ``demo_output/loss_history.png`` (the losses of the
last run, read back from its TensorBoard event files), and prints where the
TensorBoard logs and the plots are.

Run it with ``make demo`` or ``python examples/trainer_tutorial.py``. On one
CPU thread the whole script takes about a minute.
"""

# ----------------------------------------------------------------------------
# Tutorial cell 1 (without the Colab install lines)
# ----------------------------------------------------------------------------
import torch

from pina import Condition, Trainer
from pina.solvers import PINN
from pina.model import FeedForward
from pina.problem import SpatialProblem
from pina.operators import grad
from pina.geometry import CartesianDomain
from pina.equation import Equation, FixedValue

class SimpleODE(SpatialProblem):

    output_variables = ['u']
    spatial_domain = CartesianDomain({'x': [0, 1]})

    # defining the ode equation
    def ode_equation(input_, output_):
        u_x = grad(output_, input_, components=['u'], d=['x'])
        u = output_.extract(['u'])
        return u_x - u

    # conditions to hold
    conditions = {
        'x0': Condition(location=CartesianDomain({'x': 0.}), equation=FixedValue(1)),             # We fix initial condition to value 1
        'D': Condition(location=CartesianDomain({'x': [0, 1]}), equation=Equation(ode_equation)), # We wrap the python equation using Equation
    }

    # defining the true solution
    def truth_solution(self, pts):
        return torch.exp(pts.extract(['x']))
    

# sampling for training
problem = SimpleODE()
problem.discretise_domain(1, 'random', locations=['x0'])
problem.discretise_domain(20, 'lh', locations=['D'])

# build the model
model = FeedForward(
    layers=[10, 10],
    func=torch.nn.Tanh,
    output_dimensions=len(problem.output_variables),
    input_dimensions=len(problem.input_variables)
)

# create the PINN object
pinn = PINN(problem, model)

# ----------------------------------------------------------------------------
# Tutorial cell 2
# ----------------------------------------------------------------------------
trainer = Trainer(solver=pinn)

# ----------------------------------------------------------------------------
# Tutorial cell 3
# ----------------------------------------------------------------------------
trainer = Trainer(solver=pinn,
                  accelerator='cpu')

# ----------------------------------------------------------------------------
# Tutorial cell 4
# ----------------------------------------------------------------------------
from pytorch_lightning.loggers import TensorBoardLogger

# three run of training, by default it trains for 1000 epochs
# we reinitialize the model each time otherwise the same parameters will be optimized
for _ in range(3):
    model = FeedForward(
        layers=[10, 10],
        func=torch.nn.Tanh,
        output_dimensions=len(problem.output_variables),
        input_dimensions=len(problem.input_variables)
    )
    pinn = PINN(problem, model)
    trainer = Trainer(solver=pinn,
                      accelerator='cpu',
                      logger=TensorBoardLogger(save_dir='simpleode'),
                      enable_model_summary=False)
    trainer.train()

# ----------------------------------------------------------------------------
# Tutorial cell 5
# ----------------------------------------------------------------------------
from pytorch_lightning.callbacks import Callback
import torch

# define a simple callback
class NaiveMetricTracker(Callback):
    def __init__(self):
        self.saved_metrics = []

    def on_train_epoch_end(self, trainer, __): # function called at the end of each epoch
        self.saved_metrics.append(
            {key: value for key, value in trainer.logged_metrics.items()}
        )

# ----------------------------------------------------------------------------
# Tutorial cell 6
# ----------------------------------------------------------------------------
model = FeedForward(
        layers=[10, 10],
        func=torch.nn.Tanh,
        output_dimensions=len(problem.output_variables),
        input_dimensions=len(problem.input_variables)
    )
pinn = PINN(problem, model)
trainer = Trainer(solver=pinn,
                  accelerator='cpu',
                  enable_model_summary=False,
                  callbacks=[NaiveMetricTracker()])  # adding a callbacks
trainer.train()

# ----------------------------------------------------------------------------
# Tutorial cell 7 (an expression in the notebook; printed here)
# ----------------------------------------------------------------------------
print(trainer.callbacks[0].saved_metrics[:3]) # only the first three epochs

# ----------------------------------------------------------------------------
# Tutorial cell 8
# ----------------------------------------------------------------------------
# ~2 mins
from pytorch_lightning.callbacks import EarlyStopping

model = FeedForward(
        layers=[10, 10],
        func=torch.nn.Tanh,
        output_dimensions=len(problem.output_variables),
        input_dimensions=len(problem.input_variables)
    )
pinn = PINN(problem, model)
trainer = Trainer(solver=pinn,
                  accelerator='cpu',
                  max_epochs = -1,
                  enable_model_summary=False,
                  callbacks=[EarlyStopping('mean_loss')])  # adding a callbacks
trainer.train()

# ----------------------------------------------------------------------------
# Tutorial cell 9
# ----------------------------------------------------------------------------
from pytorch_lightning.callbacks import Timer
from pytorch_lightning import seed_everything

# setting the seed for reproducibility
seed_everything(42, workers=True)

model = FeedForward(
        layers=[10, 10],
        func=torch.nn.Tanh,
        output_dimensions=len(problem.output_variables),
        input_dimensions=len(problem.input_variables)
    )

pinn = PINN(problem, model)
trainer = Trainer(solver=pinn,
                  accelerator='cpu',
                  deterministic=True,  # setting deterministic=True ensure reproducibility when a seed is imposed
                  max_epochs = 2000,
                  enable_model_summary=False,
                  callbacks=[Timer()])  # adding a callbacks
trainer.train()
print(f'Total training time {trainer.callbacks[0].time_elapsed("train"):.5f} s')

# ----------------------------------------------------------------------------
# Tutorial cell 10
# ----------------------------------------------------------------------------
from pytorch_lightning.callbacks import StochasticWeightAveraging

# setting the seed for reproducibility
seed_everything(42, workers=True)

model = FeedForward(
        layers=[10, 10],
        func=torch.nn.Tanh,
        output_dimensions=len(problem.output_variables),
        input_dimensions=len(problem.input_variables)
    )
pinn = PINN(problem, model)
trainer = Trainer(solver=pinn,
                  accelerator='cpu',
                  deterministic=True,
                  max_epochs = 2000,
                  enable_model_summary=False,
                  callbacks=[Timer(),
                             StochasticWeightAveraging(swa_lrs=0.005)])  # adding StochasticWeightAveraging callbacks
trainer.train()
print(f'Total training time {trainer.callbacks[0].time_elapsed("train"):.5f} s')

# ----------------------------------------------------------------------------
# Tutorial cell 11
# ----------------------------------------------------------------------------
# setting the seed for reproducibility
seed_everything(42, workers=True)

model = FeedForward(
        layers=[10, 10],
        func=torch.nn.Tanh,
        output_dimensions=len(problem.output_variables),
        input_dimensions=len(problem.input_variables)
    )
pinn = PINN(problem, model)
trainer = Trainer(solver=pinn,
                  accelerator='cpu',
                  max_epochs = 2000,
                  enable_model_summary=False,
                  gradient_clip_val=0.1,          # clipping the gradient
                  callbacks=[Timer(),
                             StochasticWeightAveraging(swa_lrs=0.005)])
trainer.train()
print(f'Total training time {trainer.callbacks[0].time_elapsed("train"):.5f} s')

# ----------------------------------------------------------------------------
# After the tutorial: plots of the last run
# ----------------------------------------------------------------------------
from _demo_plots import save_demo_plots  # a helper module beside this script

save_demo_plots(pinn, problem, trainer, output_dir='demo_output', tensorboard_dir='simpleode')
