"""Linear regression for crop yields: x @ w.t() + b, MSE loss, manual gradient descent.

Source: seed tutorial "PyTorch Basics: Tensors & Gradients" (Jovian's "Deep Learning with
PyTorch: Zero to GANs", lesson 1), cells In[34]-In[62], run in order. The tutorial draws
`w = torch.randn(2, 3, requires_grad=True)` and `b = torch.randn(2, requires_grad=True)`;
here those values are passed in as `w0`, `b0`.
"""

import numpy as np


def run(torch, w0, b0):
    # Input (temp, rainfall, humidity)
    inputs = np.array(
        [[73, 67, 43], [91, 88, 64], [87, 134, 58], [102, 43, 37], [69, 96, 70]], dtype="float32"
    )
    # Targets (apples, oranges)
    targets = np.array([[56, 70], [81, 101], [119, 133], [22, 37], [103, 119]], dtype="float32")
    inputs = torch.from_numpy(inputs)
    targets = torch.from_numpy(targets)
    print(inputs)
    print(targets)

    # Weights and biases
    w = torch.tensor(w0, requires_grad=True)  # seed value: torch.randn(2, 3, requires_grad=True)
    b = torch.tensor(b0, requires_grad=True)  # seed value: torch.randn(2, requires_grad=True)
    print(w)
    print(b)

    def model(x):
        return x @ w.t() + b

    # Generate predictions
    preds = model(inputs)
    print(preds)
    print(targets)

    # MSE loss
    def mse(t1, t2):
        diff = t1 - t2
        return torch.sum(diff * diff) / diff.numel()

    # Compute loss
    loss = mse(preds, targets)
    print(loss)
    # Compute gradients
    loss.backward()
    print(w.grad)
    print(w)
    with torch.no_grad():
        w -= w.grad * 1e-5
        b -= b.grad * 1e-5
    # Let's verify that the loss is actually lower
    loss = mse(preds, targets)
    print(loss)
    w.grad.zero_()
    b.grad.zero_()
    print(w.grad)
    print(b.grad)

    # 1. Generate predictions
    preds = model(inputs)
    print(preds)
    # 2. Calculate the loss
    loss = mse(preds, targets)
    print(loss)
    # 3. Compute gradients
    loss.backward()
    print(w.grad)
    print(b.grad)
    # 4. Adjust weights & reset gradients
    with torch.no_grad():
        w -= w.grad * 1e-5
        b -= b.grad * 1e-5
        w.grad.zero_()
        b.grad.zero_()
    print(w)
    print(b)
    # Calculate loss
    preds = model(inputs)
    loss = mse(preds, targets)
    print(loss)

    for i in range(100):  # noqa: B007 - the tutorial's loop
        preds = model(inputs)
        loss = mse(preds, targets)
        loss.backward()
        with torch.no_grad():
            w -= w.grad * 1e-5
            b -= b.grad * 1e-5
            w.grad.zero_()
            b.grad.zero_()

    # Calculate loss
    preds = model(inputs)
    loss = mse(preds, targets)
    print(loss)
    # Predictions
    print(preds)
    return w, b, loss
