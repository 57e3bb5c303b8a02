"""Fit sin(x) with nn.Sequential(nn.Linear(3, 1), nn.Flatten(0, 1)) on (x, x^2, x^3), loss
nn.MSELoss(reduction='sum'), updates under no_grad over model.parameters(), model.zero_grad().

Source: seed tutorial "PyTorch Learning" (a 2021 blog post following pytorch.org's "Learning
PyTorch with Examples"), section "nn Module". Typos of the tutorial's text, fixed as a reader
would: `torch.nn.sequential`, `torch.nn.linear` and `torch.nn.flatten` are torch.nn.Sequential,
Linear and Flatten, and the last print's misplaced quote (`f'a is : '{...}+{...})`, a syntax
error) closes the f-string at its end. `torch.nn.Linear(3, 1)` initialises weight and bias at
random; their values are passed in as `w0`, `b0` and loaded with load_state_dict.
"""

import math


def run(torch, w0, b0):
    x = torch.linspace(-math.pi, math.pi, 2000)
    y = torch.sin(x)

    p = torch.tensor([1, 2, 3])
    xx = x.unsqueeze(-1).pow(p)

    model = torch.nn.Sequential(torch.nn.Linear(3, 1), torch.nn.Flatten(0, 1))
    model.load_state_dict({"0.weight": torch.tensor(w0), "0.bias": torch.tensor(b0)})  # seed value: init

    loss_func = torch.nn.MSELoss(reduction="sum")

    learning_rate = 1e-6

    for t in range(2000):
        y_pred = model(xx)
        loss = loss_func(y_pred, y)
        if t % 100 == 99:
            print(t, loss.item())

        model.zero_grad()

        loss.backward()

        with torch.no_grad():
            for param in model.parameters():
                param -= learning_rate * param.grad

    linear_layer = model[0]

    print(f"a is : {linear_layer.bias.item()}+{linear_layer.weight[:, 0].item()}")
    return linear_layer.weight, linear_layer.bias
