"""Gradients of l = sum((exp(w x + b) - y*)^2): requires_grad_ on an int tensor, accumulation,
backward twice without and with retain_graph.

Source: seed tutorial "Module 2: PyTorch tensors and automatic differentiation" (Marc Lelarge's
dataflowr course, module 2), section "Autograd: automatic differentiation", cells run in order.
The tutorial draws `ystar_t = torch.randn_like(xx_t)`; here that value is passed in as `ystar`.
The two cells the tutorial shows failing (requires_grad_ on an int64 tensor, the second backward)
are wrapped in try/except that prints the error, so that the program runs on.
"""

import numpy as np


def run(torch, ystar):
    w = np.array([0.5])
    b = np.array([2])
    xx = np.array([0.5])  # np.arange(0,1.5,.5)
    xx_t = torch.from_numpy(xx)
    w_t = torch.from_numpy(w)
    b_t = torch.from_numpy(b)
    print(w_t.requires_grad)
    w_t.requires_grad_(True)
    # We want to do the same thing for $b$ but the following line will produce an error!
    try:
        b_t.requires_grad_(True)
    except RuntimeError as e:
        print(type(e).__name__, e)
    dtype = torch.float64
    b_t = b_t.type(dtype)
    b_t.requires_grad_(True)

    def fun(x, ystar):
        y = torch.exp(w_t * x + b_t)
        print(y)
        return torch.sum((y - ystar) ** 2)

    ystar_t = torch.tensor(ystar)  # seed value: torch.randn_like(xx_t)
    l_t = fun(xx_t, ystar_t)
    print(l_t)
    print(l_t.requires_grad)
    print(w_t.grad)
    l_t.backward()
    print(w_t.grad)
    print(b_t.grad)
    # Let's try to understand these numbers...
    yy_t = torch.exp(w_t * xx_t + b_t)
    print(torch.sum(2 * (yy_t - ystar_t) * yy_t * xx_t))
    print(torch.sum(2 * (yy_t - ystar_t) * yy_t))
    # tensor.backward() accumulates the gradients in the grad fields of tensors.
    l_t = fun(xx_t, ystar_t)
    l_t.backward()
    print(w_t.grad)
    print(b_t.grad)
    # By default, backward deletes the computational graph when it is used so that you will get
    # an error below:
    try:
        l_t.backward()
    except RuntimeError as e:
        print(type(e).__name__, e)
    # Manually zero the gradients
    w_t.grad.data.zero_()
    b_t.grad.data.zero_()
    l_t = fun(xx_t, ystar_t)
    l_t.backward(retain_graph=True)
    l_t.backward()
    print(w_t.grad)
    print(b_t.grad)
    return w_t.grad, b_t.grad
