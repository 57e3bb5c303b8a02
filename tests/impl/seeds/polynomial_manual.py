"""Fit sin(x) with a cubic on tensors, gradients written by hand (no autograd).

Source: seed tutorial "PyTorch Learning" (a 2021 blog post following pytorch.org's
"Learning PyTorch with Examples"), the block "Now, we try to implement this using tensors".
The tutorial draws a, b, c, d with `torch.randn((), device=device, dtype=dtype)`; here they
are passed in as `abcd` (four NumPy float32 scalars).
"""

import math


def run(torch, abcd):
    dtype = torch.float
    device = torch.device("cpu")  # device = torch.device("cuda:0") # Uncomment this to run on GPU

    x = torch.linspace(-math.pi, math.pi, 2000, device=device, dtype=dtype)
    y = torch.sin(x)

    # seed values: torch.randn((), device=device, dtype=dtype)
    a = torch.tensor(abcd[0], device=device, dtype=dtype)
    b = torch.tensor(abcd[1], device=device, dtype=dtype)
    c = torch.tensor(abcd[2], device=device, dtype=dtype)
    d = torch.tensor(abcd[3], device=device, dtype=dtype)

    learning_rate = 1e-6
    for t in range(2000):
        # Forward pass: compute predicted y
        y_pred = a + b * x + c * x**2 + d * x**3

        # Compute and print loss
        loss = (y_pred - y).pow(2).sum().item()
        if t % 100 == 99:
            print(t, loss)

        # Backprop to compute gradients of a, b, c, d with respect to loss
        grad_y_pred = 2.0 * (y_pred - y)
        grad_a = grad_y_pred.sum()
        grad_b = (grad_y_pred * x).sum()
        grad_c = (grad_y_pred * x**2).sum()
        grad_d = (grad_y_pred * x**3).sum()

        # Update weights using gradient descent
        a -= learning_rate * grad_a
        b -= learning_rate * grad_b
        c -= learning_rate * grad_c
        d -= learning_rate * grad_d

    print(f"Result: y = {a.item()} + {b.item()} x + {c.item()} x^2 + {d.item()} x^3")
    return a, b, c, d
