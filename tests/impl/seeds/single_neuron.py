"""Forward pass of a one-neuron and a two-layer network with a hand-written sigmoid.

Source: seed tutorial "Tensors" (Udacity's "Intro to Deep Learning with PyTorch", part 1),
cells run in order. The tutorial draws its tensors with `torch.manual_seed(7)` and
`torch.randn`; impl's generator is not torch's, so the drawn values are passed in as
`values` (a dict of NumPy float32 arrays by the tutorial's names).
"""


def run(torch, values):
    def activation(x):
        """Sigmoid activation function

        Arguments
        ---------
        x: torch.Tensor
        """
        return 1 / (1 + torch.exp(-x))

    features = torch.tensor(values["features"])  # seed value: torch.randn((1, 5))
    weights = torch.tensor(values["weights"])  # seed value: torch.randn_like(features)
    bias = torch.tensor(values["bias"])  # seed value: torch.randn((1, 1))
    print_dict = [("features", features), ("weights", weights), ("bias", bias)]
    [print(name + ":\n\t" + str(tensor.shape) + "\n\t" + str(tensor)) for name, tensor in print_dict]

    output_layer_input = (features * weights).sum() + bias
    output = activation(output_layer_input)
    print_dict = [("output_layer_input", output_layer_input), ("output", output)]
    [print(name + ":\n\t" + str(tensor.shape) + "\n\t" + str(tensor)) for name, tensor in print_dict]

    try:
        torch.mm(features, weights)
    except RuntimeError as e:
        print(type(e).__name__)

    output_layer_input = torch.mm(features, weights.view(5, 1)).sum() + bias
    output = activation(output_layer_input)
    print_dict = [("output", output)]
    [print(name + ":\n\t" + str(tensor.shape) + "\n\t" + str(tensor)) for name, tensor in print_dict]
    first_output = output

    features = torch.tensor(values["features3"])  # seed value: torch.randn((1, 3))
    n_input = features.shape[1]  # Number of input units, matches number of input features
    n_hidden = 2  # Number of hidden units
    n_output = 1  # Number of output units

    W1 = torch.tensor(values["W1"])  # seed value: torch.randn(n_input, n_hidden)
    W2 = torch.tensor(values["W2"])  # seed value: torch.randn(n_hidden, n_output)

    B1 = torch.tensor(values["B1"])  # seed value: torch.randn((1, n_hidden))
    B2 = torch.tensor(values["B2"])  # seed value: torch.randn((1, n_output))
    assert (n_input, n_hidden, n_output) == (3, 2, 1)
    print_dict = [("features", features), ("W1", W1), ("W2", W2), ("B1", B1), ("B1", B2)]
    [print(name + ":\n\t" + str(tensor.shape) + "\n\t" + str(tensor)) for name, tensor in print_dict]

    hidden = activation(torch.mm(features, W1) + B1)
    output = activation(torch.mm(hidden, W2) + B2)
    print_dict = [("hidden", hidden), ("output", output)]
    [print(name + ":\n\t" + str(tensor.shape) + "\n\t" + str(tensor)) for name, tensor in print_dict]
    return first_output, hidden, output
