"""Linear regression f = w*x, gradient from autograd, update under no_grad.

Source: seed tutorial "Torch Tensors" (notes on Patrick Loeber's PyTorch videos,
https://www.youtube.com/playlist?list=PLqnslRFeH2UrcDBWF5mfPGpqQDSta6VK4), the cell
"Now to automate using torch, starting with the gradient calculation". The initial
weight is the tutorial's own constant 0.0; nothing is random.
"""


def run(torch):
    # Linear regression: f = w*x and ignore bias at the moment

    # Function to approximate: f = 2*x

    # Training sample
    X = torch.tensor([1, 2, 3, 4, 5], dtype=torch.float32)
    Y = torch.tensor([2, 4, 6, 8, 10], dtype=torch.float32)  # now tensors

    # Initialise weight. Start with 0.0
    w = torch.tensor(0.0, dtype=torch.float32, requires_grad=True)  # w also a tensor and we're interested
    # in the gradient of the loss wrt w we specify that requires_grad=True

    # Manual calculation
    # Model prediction
    def forward(x):
        return w * x

    # Loss
    def loss(y, y_predicted):  # y_predicted is the model output ie what is calculated in the forward pass
        return ((y_predicted - y) ** 2).mean()  # mean squared error

    print(f"Prediction before training: f(5) = {forward(5):.3f}")

    # Training
    learning_rate = 0.01
    n_iters = 100

    for epoch in range(n_iters):
        # prediction = forward pass
        y_pred = forward(X)

        # loss
        l = loss(Y, y_pred)  # noqa: E741 - the tutorial's name

        # gradients = backward pass
        l.backward()  # dl/dw calculated completely by torch now

        # update weights
        # Require this to not be included in the gradient branch diagram otherwise the back pass will
        # include this step in the calculation of gradient and mess with the network so this becomes...
        with torch.no_grad():
            w -= learning_rate * w.grad  # gradient descent algorithm

        # zero gradients. When we call l.backward() it writes gradients and puts them in w.grad() attribute
        w.grad.zero_()

        if epoch % 10 == 0:  # print every step
            print(f"epoch {epoch + 1}: w = {w:.3f}, loss = {l:.8f}")
    print(f"Prediction after training: f(5) = {forward(5):.3f}")
    return w
