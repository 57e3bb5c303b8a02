"""Linear regression for crop yields with torch's built-ins: TensorDataset, DataLoader(shuffle=True),
nn.Linear, F.mse_loss and optim.SGD in a `fit` loop over mini-batches.

Source: seed tutorial "PyTorch Basics: Tensors & Gradients" (Jovian's "Deep Learning with PyTorch:
Zero to GANs", lesson 1), section "Linear regression using PyTorch built-ins", cells In[67]-In[81],
run in order. The seed's text stops after `import torch.nn.functional as F`; the cells that follow
(loss_fn, opt, fit, the prediction for a new region) are the lesson's own, sections 2.4.4-2.4.6 of
the same notebook. Jupyter shows a cell's last expression; here it is printed.
The tutorial's random draws: `nn.Linear(3, 2)` initialises weight and bias at random, so their
values are passed in as `w0`, `b0` and loaded with load_state_dict; the DataLoader's shuffle order is
drawn by torch and replayed on impl by the test (tests/impl/test_seeds.py).
"""

import numpy as np


def run(torch, w0, b0):
    nn = torch.nn  # seed import: import torch.nn as nn

    # Input (temp, rainfall, humidity)
    inputs = np.array(
        [
            [73, 67, 43],
            [91, 88, 64],
            [87, 134, 58],
            [102, 43, 37],
            [69, 96, 70],
            [74, 66, 43],
            [91, 87, 65],
            [88, 134, 59],
            [101, 44, 37],
            [68, 96, 71],
            [73, 66, 44],
            [92, 87, 64],
            [87, 135, 57],
            [103, 43, 36],
            [68, 97, 70],
        ],
        dtype="float32",
    )

    # Targets (apples, oranges)
    targets = np.array(
        [
            [56, 70],
            [81, 101],
            [119, 133],
            [22, 37],
            [103, 119],
            [57, 69],
            [80, 102],
            [118, 132],
            [21, 38],
            [104, 118],
            [57, 69],
            [82, 100],
            [118, 134],
            [20, 38],
            [102, 120],
        ],
        dtype="float32",
    )

    inputs = torch.from_numpy(inputs)
    targets = torch.from_numpy(targets)

    TensorDataset = torch.utils.data.TensorDataset  # seed import: from torch.utils.data import TensorDataset

    # Define dataset
    train_ds = TensorDataset(inputs, targets)
    print(train_ds[0:3])

    DataLoader = torch.utils.data.DataLoader  # seed import: from torch.utils.data import DataLoader

    # Define data loader
    batch_size = 5
    train_dl = DataLoader(train_ds, batch_size, shuffle=True)

    for xb, yb in train_dl:
        print(xb)
        print(yb)
        break

    # Define model
    model = nn.Linear(3, 2)
    model.load_state_dict({"weight": torch.tensor(w0), "bias": torch.tensor(b0)})  # seed value: its init
    print(model.weight)
    print(model.bias)

    # Parameters
    print(list(model.parameters()))

    # Generate predictions
    preds = model(inputs)
    print(preds)

    # Import nn.functional
    F = torch.nn.functional  # seed import: import torch.nn.functional as F

    # Define loss function
    loss_fn = F.mse_loss

    loss = loss_fn(model(inputs), targets)
    print(loss)

    # Define optimizer
    opt = torch.optim.SGD(model.parameters(), lr=1e-5)

    # Utility function to train the model
    def fit(num_epochs, model, loss_fn, opt, train_dl):
        # Repeat for given number of epochs
        for epoch in range(num_epochs):
            # Train with batches of data
            for xb, yb in train_dl:
                # 1. Generate predictions
                pred = model(xb)

                # 2. Calculate loss
                loss = loss_fn(pred, yb)

                # 3. Compute gradients
                loss.backward()

                # 4. Update parameters using gradients
                opt.step()

                # 5. Reset the gradients to zero
                opt.zero_grad()

            # Print the progress
            if (epoch + 1) % 10 == 0:
                print("Epoch [{}/{}], Loss: {:.4f}".format(epoch + 1, num_epochs, loss.item()))  # noqa: UP032

    fit(100, model, loss_fn, opt, train_dl)

    print(model(torch.tensor([[75, 63, 44.0]])))
    return model.weight, model.bias
