"""Fit sin(x) with a custom nn.Module, Polynomial3 (four nn.Parameter scalars), trained by
nn.MSELoss(reduction='sum') and optim.SGD.

Sources: the class Polynomial3 is the seed tutorial's ("PyTorch Learning", a 2021 blog post,
section "custom nn Modules"), unchanged. The seed shows only the class; the training loop that
uses it is the one of the page the seed follows, pytorch.org's "Learning PyTorch with Examples"
(polynomial_module.py: SGD, learning rate 1e-6). The tutorial draws each parameter with
`torch.randn(())`; here their values are passed in as `abcd` (four NumPy float32 scalars). The
class is defined inside `run` so that it subclasses the engine's nn.Module.
"""

import math


def run(torch, abcd):
    class Polynomial3(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.a = torch.nn.Parameter(torch.tensor(abcd[0]))  # seed value: torch.randn(())
            self.b = torch.nn.Parameter(torch.tensor(abcd[1]))  # seed value: torch.randn(())
            self.c = torch.nn.Parameter(torch.tensor(abcd[2]))  # seed value: torch.randn(())
            self.d = torch.nn.Parameter(torch.tensor(abcd[3]))  # seed value: torch.randn(())

        def forward(self, x):
            return self.a + self.b * x + self.c * x**2 + self.d * x**3

        def string(self):
            return f"y = {self.a.item()} + {self.b.item()} x + {self.c.item()} x^2 + {self.d.item()} x^3"

    # Create Tensors to hold input and outputs.
    x = torch.linspace(-math.pi, math.pi, 2000)
    y = torch.sin(x)

    # Construct our model by instantiating the class defined above
    model = Polynomial3()

    # Construct our loss function and an Optimizer. The call to model.parameters()
    # in the SGD constructor will contain the learnable parameters (defined
    # with torch.nn.Parameter) which are members of the model.
    criterion = torch.nn.MSELoss(reduction="sum")
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-6)
    for t in range(2000):
        # Forward pass: Compute predicted y by passing x to the model
        y_pred = model(x)

        # Compute and print loss
        loss = criterion(y_pred, y)
        if t % 100 == 99:
            print(t, loss.item())

        # Zero gradients, perform a backward pass, and update the weights.
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    print(f"Result: {model.string()}")
    return model.a, model.b, model.c, model.d
