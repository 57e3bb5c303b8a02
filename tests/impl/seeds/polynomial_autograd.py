"""Fit sin(x) with a cubic, gradients from autograd, updates under no_grad, grads reset to None.

Source: seed tutorial "PyTorch Learning" (a 2021 blog post following pytorch.org's
"Learning PyTorch with Examples"), section "Auto-grad". The tutorial draws a, b, c, d with
`torch.randn((), device=device, dtype=dtype, requires_grad=True)`; here their values are
passed in as `abcd` (four NumPy float32 scalars).
"""

import math


def run(torch, abcd):
    dtype = torch.float
    device = torch.device("cpu")  # device = torch.device("cuda:0")  # Uncomment this to run on GPU

    x = torch.linspace(-math.pi, math.pi, 2000, device=device, dtype=dtype)
    y = torch.sin(x)

    # seed values: torch.randn((), device=device, dtype=dtype, requires_grad=True)
    a = torch.tensor(abcd[0], device=device, dtype=dtype, requires_grad=True)
    b = torch.tensor(abcd[1], device=device, dtype=dtype, requires_grad=True)
    c = torch.tensor(abcd[2], device=device, dtype=dtype, requires_grad=True)
    d = torch.tensor(abcd[3], device=device, dtype=dtype, requires_grad=True)

    learning_rate = 1e-6
    for t in range(2000):
        # Forward pass: compute predicted y using operations on Tensors.
        y_pred = a + b * x + c * x**2 + d * x**3

        # Compute and print loss using operations on Tensors.
        # Now loss is a Tensor of shape (1,)
        # loss.item() gets the scalar value held in the loss.
        loss = (y_pred - y).pow(2).sum()
        if t % 100 == 99:
            print(t, loss.item())

        # Use autograd to compute the backward pass. This call will compute the
        # gradient of loss with respect to all Tensors with requires_grad=True.
        # After this call a.grad, b.grad. c.grad and d.grad will be Tensors holding
        # the gradient of the loss with respect to a, b, c, d respectively.
        loss.backward()

        # Manually update weights using gradient descent. Wrap in torch.no_grad()
        # because weights have requires_grad=True, but we don't need to track this
        # in autograd.
        with torch.no_grad():
            a -= learning_rate * a.grad
            b -= learning_rate * b.grad
            c -= learning_rate * c.grad
            d -= learning_rate * d.grad

            # Manually zero the gradients after updating weights
            a.grad = None
            b.grad = None
            c.grad = None
            d.grad = None

    print(f"Result: y = {a.item()} + {b.item()} x + {c.item()} x^2 + {d.item()} x^3")
    return a, b, c, d
