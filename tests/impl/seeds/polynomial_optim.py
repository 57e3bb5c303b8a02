"""Fit sin(x) with nn.Sequential(nn.Linear(3, 1), nn.Flatten(0, 1)), nn.MSELoss(reduction='sum')
and optim.RMSprop: zero_grad(), backward(), step().

Source: seed tutorial "PyTorch Learning" (a 2021 blog post following pytorch.org's "Learning
PyTorch with Examples"), section "PyTorch : optim". Typos of the tutorial's text, fixed as a
reader would: `torch.nn.sequential`, `torch.nn.linear` and `torch.nn.flatten` are torch.nn.Sequential,
Linear and Flatten; `torch.optim.RMSProp` is torch.optim.RMSprop; `optimser.zero_grad()` is the
`optimiser` defined above; `optimiser.size()` ("updates the learnable params") is
`optimiser.step()`; the last print's misplaced quote closes the f-string at its end. The tutorial's
learning rate (1e-6) is kept. `torch.nn.Linear(3, 1)` initialises weight and bias at random; their
values are passed in as `w0`, `b0` and loaded with load_state_dict.
"""

import math


def run(torch, w0, b0):
    x = torch.linspace(-math.pi, math.pi, 2000)
    y = torch.sin(x)

    p = torch.tensor([1, 2, 3])
    xx = x.unsqueeze(-1).pow(p)

    model = torch.nn.Sequential(torch.nn.Linear(3, 1), torch.nn.Flatten(0, 1))
    model.load_state_dict({"0.weight": torch.tensor(w0), "0.bias": torch.tensor(b0)})  # seed value: init

    learning_rate = 1e-6

    loss_func = torch.nn.MSELoss(reduction="sum")

    optimiser = torch.optim.RMSprop(model.parameters(), lr=learning_rate)  # optim

    for t in range(2000):
        y_pred = model(xx)

        loss = loss_func(y_pred, y)

        if t % 100 == 99:
            print(t, loss.item())

        optimiser.zero_grad()  # This is because by default, gradients are accumulated in buffers

        loss.backward()

        optimiser.step()  # updates the learnable params

    linear_layer = model[0]

    print(f"a is : {linear_layer.bias.item()}+{linear_layer.weight[:, 0].item()}")
    return linear_layer.weight, linear_layer.bias
