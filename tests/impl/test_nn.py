"""impl.nn against live torch: each program runs with `torch` and with `impl` from the same initial
values (loaded with load_state_dict) and must give the same outputs, gradients, state_dict keys and
shapes, reprs, warnings, and the same exception type and message on bad input.

Random initialisation cannot match torch's values (impl's generator is not torch's): it is checked
by its distribution, on both engines.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch

import impl
from tests.impl.conftest import assert_same, both

RNG = np.random.default_rng(14)
W = RNG.standard_normal((2, 3)).astype(np.float32)
B = RNG.standard_normal(2).astype(np.float32)
X = RNG.standard_normal((4, 3)).astype(np.float32)


def linear(T: Any, bias: bool = True) -> Any:
    """nn.Linear(3, 2) with the fixed initial values W, B."""
    layer = T.nn.Linear(3, 2, bias=bias)
    layer.load_state_dict({"weight": T.tensor(W), **({"bias": T.tensor(B)} if bias else {})})
    return layer


def grads(module: Any) -> list[Any]:
    return [p.grad for p in module.parameters()]


def warned(program: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """The program's result, followed by the (category, message) of every warning it raised."""

    def run(T: Any) -> Any:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = program(T)
        return [result, [f"{w.category.__name__}: {w.message}" for w in caught]]

    return run


# --- Parameter ---------------------------------------------------------------------------------


def test_parameter_is_a_leaf_that_requires_grad_and_prints_as_torch() -> None:
    def program(T: Any) -> Any:
        p = T.nn.Parameter(T.tensor([[1.0, -2.0]]))
        frozen = T.nn.Parameter(T.tensor([1, 2]), requires_grad=False)
        return [
            repr(p),
            str(p),
            p.is_leaf,
            p.requires_grad,
            p.grad_fn is None,
            repr(frozen),
            repr(T.nn.Parameter()),
        ]

    both(program)


def test_parameter_shares_storage_and_version_with_its_data_and_ops_give_tensors() -> None:
    def program(T: Any) -> Any:
        data = T.tensor([1.0, 2.0])
        p = T.nn.Parameter(data)
        data.add_(1)
        results = [p * 2, p.detach(), p[0]]
        return [p.detach(), p._version == data._version, *[type(r).__name__ for r in results]]

    both(program)


def test_parameter_grad_is_a_plain_tensor() -> None:
    def program(T: Any) -> Any:
        p = T.nn.Parameter(T.tensor([1.0, 2.0]))
        (p * p).sum().backward()
        (grad,) = T.autograd.grad((p * 3).sum(), p)
        q = T.nn.Parameter(T.ones(2))
        (q * p).sum().backward()
        return [p.grad, type(p.grad).__name__, type(grad).__name__, type(q.grad).__name__, q.grad]

    both(program)


@pytest.mark.parametrize(
    "data",
    [lambda T: [1.0], lambda T: 1.0, lambda T: T.tensor([1, 2])],
    ids=["list", "float", "int64-tensor"],
)
def test_parameter_of_bad_data_raises_as_torch(data: Callable[[Any], Any]) -> None:
    error = both(lambda T: T.nn.Parameter(data(T)))
    assert isinstance(error, AttributeError | RuntimeError)


# --- Module: registration, traversal, state_dict, repr -----------------------------------------


def net(T: Any) -> Any:
    """A module with a direct Parameter, a Sequential, a Linear registered twice and a plain attribute."""

    class Net(T.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.scale = T.nn.Parameter(T.tensor(2.0))
            self.body = T.nn.Sequential(T.nn.Linear(3, 4), T.nn.ReLU(), T.nn.Linear(4, 2, bias=False))
            self.head = T.nn.Linear(2, 1)
            self.shared = self.head
            self.note = "a plain attribute"

        def forward(self, x: Any) -> Any:
            return self.shared(self.body(x)) * self.scale

    return Net()


def copied_net(T: Any) -> Any:
    """net() with torch's initial values (torch seeded), loaded into either engine."""
    torch.manual_seed(0)
    values = {k: v.numpy() for k, v in net(torch).state_dict().items()}
    module = net(T)
    module.load_state_dict({k: T.tensor(v) for k, v in values.items()})
    return module


def test_module_registers_parameters_and_children_in_assignment_order() -> None:
    def program(T: Any) -> Any:
        m = net(T)
        return [
            [name for name, _ in m.named_parameters()],
            [list(p.shape) for p in m.parameters()],
            [name for name, _ in m.named_children()],
            [type(c).__name__ for c in m.children()],
            [name for name, _ in m.named_modules()],
            len(list(m.modules())),
            [name for name, _ in m.named_parameters(recurse=False)],
            [name for name, _ in m.body.named_parameters(prefix="body")],
            [(k, list(v.shape), v.requires_grad) for k, v in m.state_dict().items()],
            [k for k, v in m.state_dict(keep_vars=True).items() if v.requires_grad],
            m.note,
        ]

    both(program)


def test_module_repr_is_torchs() -> None:
    def program(T: Any) -> Any:
        layers = [T.nn.Flatten(0, 1), T.nn.ReLU(inplace=True), T.nn.Sigmoid(), T.nn.Tanh(), T.nn.MSELoss()]
        return [repr(net(T)), *map(repr, layers), repr(T.nn.L1Loss(reduction="sum")), repr(T.nn.Module())]

    both(program)


def test_module_forward_and_backward_match_from_the_same_initial_values() -> None:
    def program(T: Any) -> Any:
        m = copied_net(T)
        out = m(T.tensor(X))
        out.sum().backward()
        return [out, *grads(m)]

    both(program)


@pytest.mark.parametrize("set_to_none", [True, False])
def test_module_zero_grad(set_to_none: bool) -> None:
    def program(T: Any) -> Any:
        m = copied_net(T)
        m(T.tensor(X)).sum().backward()
        m.zero_grad(set_to_none=set_to_none)
        return [g if g is None else [g, g.requires_grad] for g in grads(m)]

    result = both(program)
    assert (result[0] is None) == set_to_none


def test_module_train_eval_and_requires_grad_reach_every_descendant() -> None:
    def program(T: Any) -> Any:
        m = net(T)
        flags = [[mod.training for mod in m.modules()]]
        flags.append([mod.training for mod in m.eval().modules()])
        flags.append([mod.training for mod in m.train().modules()])
        m.body.requires_grad_(False)
        return [*flags, [p.requires_grad for p in m.parameters()]]

    both(program)


def _assign_before_init(T: Any) -> Any:
    class Early(T.nn.Module):
        def __init__(self) -> None:
            self.w = T.nn.Parameter(T.ones(1))

    return Early()


def _assign_module_before_init(T: Any) -> Any:
    class Early(T.nn.Module):
        def __init__(self) -> None:
            self.layer = T.nn.Linear(1, 1)

    return Early()


def _setattr(target: str, value: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def program(T: Any) -> Any:
        m = net(T)
        setattr(m, target, value(T))
        return [name for name, _ in m.named_parameters()] + [name for name, _ in m.named_children()]

    return program


BAD_MODULE_USES = {
    "tensor-as-parameter": _setattr("scale", lambda T: T.ones(1)),
    "int-as-child-module": _setattr("body", lambda T: 3),
    "register-tensor": lambda T: net(T).register_parameter("x", T.ones(1)),
    "register-dotted-name": lambda T: net(T).register_parameter("a.b", None),
    "register-empty-name": lambda T: net(T).register_parameter("", None),
    "register-existing-attribute": lambda T: net(T).register_parameter("note", None),
    "register-non-str-name": lambda T: net(T).register_parameter(1, None),
    "add-non-module": lambda T: net(T).add_module("x", 1),
    "add-dotted-module": lambda T: net(T).add_module("a.b", T.nn.ReLU()),
    "parameter-before-init": _assign_before_init,
    "module-before-init": _assign_module_before_init,
    "missing-attribute": lambda T: net(T).nothing,
    "no-forward": lambda T: T.nn.Module()(T.ones(1)),
    "sequential-of-int": lambda T: T.nn.Sequential(1),
    "sequential-index-out-of-range": lambda T: T.nn.Sequential(T.nn.ReLU())[1],
    "sequential-negative-index-out-of-range": lambda T: T.nn.Sequential(T.nn.ReLU())[-2],
    "sequential-str-index": lambda T: T.nn.Sequential(T.nn.ReLU())["0"],
    "train-non-bool": lambda T: net(T).train(1),
}


@pytest.mark.parametrize("program", BAD_MODULE_USES.values(), ids=BAD_MODULE_USES.keys())
def test_module_bad_use_raises_as_torch(program: Callable[[Any], Any]) -> None:
    assert isinstance(both(program), Exception)


def test_module_attributes_set_to_none_and_deleted() -> None:
    def program(T: Any) -> Any:
        m = net(T)
        m.scale = None
        m.body = None
        del m.head
        return [[n for n, _ in m.named_parameters()], list(m.state_dict()), repr(m)]

    both(program)


def test_sequential_indexing_slicing_len_and_ordered_dict() -> None:
    def program(T: Any) -> Any:
        from collections import OrderedDict

        s = T.nn.Sequential(T.nn.Linear(3, 2), T.nn.ReLU(), T.nn.Tanh())
        named = T.nn.Sequential(OrderedDict([("fc", T.nn.Linear(3, 2)), ("act", T.nn.Sigmoid())]))
        return [repr(s[-1]), repr(s[1:]), repr(s[::2]), len(s), [type(m).__name__ for m in s], repr(named)]

    both(program)


# --- load_state_dict ----------------------------------------------------------------------------


STATE_DICTS = {
    "all": lambda T: {"weight": T.ones(2, 3), "bias": T.zeros(2)},
    "missing": lambda T: {"weight": T.ones(2, 3)},
    "unexpected": lambda T: {"weight": T.ones(2, 3), "bias": T.zeros(2), "extra": T.ones(1)},
    "missing-and-unexpected": lambda T: {"weight": T.ones(2, 3), "extra": T.ones(1), "more": T.ones(1)},
    "size-mismatch": lambda T: {"weight": T.ones(3, 3), "bias": T.zeros(2)},
    "not-a-tensor": lambda T: {"weight": 3, "bias": T.zeros(2)},
    "float64-values": lambda T: {"weight": T.ones(2, 3, dtype=T.float64), "bias": T.zeros(2)},
}


@pytest.mark.parametrize("strict", [True, False])
@pytest.mark.parametrize("entries", STATE_DICTS.values(), ids=STATE_DICTS.keys())
def test_load_state_dict_copies_and_reports_as_torch(entries: Callable[[Any], Any], strict: bool) -> None:
    def program(T: Any) -> Any:
        layer = linear(T)
        result = layer.load_state_dict(entries(T), strict=strict)
        return [repr(result), result.missing_keys, result.unexpected_keys, layer.weight.detach(), layer.bias]

    both(program)


def test_load_state_dict_refuses_a_non_mapping_and_fills_0d_from_1_element() -> None:
    both(lambda T: linear(T).load_state_dict([1]))

    def program(T: Any) -> Any:
        m = T.nn.Module()
        m.a = T.nn.Parameter(T.tensor(0.0))
        m.load_state_dict({"a": T.tensor([5.0])})
        return m.a

    both(program)


# --- Linear ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(3,), (4, 3), (2, 4, 3), (2, 1, 4, 3)], ids=str)
@pytest.mark.parametrize("bias", [True, False])
def test_linear_forward_and_gradients(shape: tuple[int, ...], bias: bool) -> None:
    x = np.random.default_rng(len(shape)).standard_normal(shape).astype(np.float32)

    def program(T: Any) -> Any:
        layer = linear(T, bias)
        inputs = T.tensor(x, requires_grad=True)
        out = layer(inputs)
        (out * out).sum().backward()
        return [out, inputs.grad, *grads(layer)]

    both(program)


BAD_LINEAR_INPUTS = {
    "wrong-features-2d": lambda T: T.ones(4, 5),
    "wrong-features-1d": lambda T: T.ones(5),
    "wrong-features-3d": lambda T: T.ones(2, 4, 5),
    "0-d": lambda T: T.tensor(1.0),
    "float64": lambda T: T.ones(4, 3, dtype=T.float64),
    "int64": lambda T: T.ones(4, 3, dtype=T.int64),
}


@pytest.mark.parametrize("inputs", BAD_LINEAR_INPUTS.values(), ids=BAD_LINEAR_INPUTS.keys())
def test_linear_bad_input_raises_as_torch(inputs: Callable[[Any], Any]) -> None:
    assert isinstance(both(lambda T: linear(T)(inputs(T))), RuntimeError)


def test_linear_attributes_repr_and_bad_sizes() -> None:
    both(
        lambda T: [repr(T.nn.Linear(5, 7)), T.nn.Linear(5, 7).in_features, T.nn.Linear(2, 3, bias=False).bias]
    )
    assert isinstance(both(lambda T: T.nn.Linear(-1, 2), message=False), RuntimeError)


@pytest.mark.parametrize("engine", [torch, impl], ids=["torch", "impl"])
def test_linear_default_init_is_torchs_distribution(engine: Any) -> None:
    """torch's rule: weight and bias ~ U(-1/sqrt(in_features), 1/sqrt(in_features)); the same checks
    hold on torch (the reference) and on impl (its own generator)."""
    layer = engine.nn.Linear(400, 300)
    bound = 1 / math.sqrt(400)
    for values in (layer.weight.detach().numpy().ravel(), layer.bias.detach().numpy()):
        assert np.all(np.abs(values) <= bound)
        assert np.max(np.abs(values)) > 0.95 * bound
    weight = layer.weight.detach().numpy().ravel()
    assert abs(weight.mean()) < 0.01 * bound
    assert weight.var() == pytest.approx(bound**2 / 3, rel=0.02)  # a uniform's variance
    assert np.histogram(weight, bins=10, range=(-bound, bound))[0].min() > 0.9 * weight.size / 10


def test_linear_init_draws_from_impls_generator() -> None:
    """impl.manual_seed makes impl's initialisation reproducible (values are impl's, not torch's)."""

    def drawn() -> list[float]:
        impl.manual_seed(5)
        layer = impl.nn.Linear(4, 3)
        return layer.weight.detach().numpy().ravel().tolist() + layer.bias.detach().numpy().tolist()

    assert drawn() == drawn() and len(set(drawn())) == 15


def test_linear_of_zero_in_features_warns_and_has_zero_bias() -> None:
    both(warned(lambda T: T.nn.Linear(0, 2).bias))


# --- init -------------------------------------------------------------------------------------------


GAINS = [("linear", None), ("conv2d", None), ("sigmoid", None), ("tanh", None), ("relu", None)]
GAINS += [("leaky_relu", None), ("leaky_relu", 0.2), ("leaky_relu", 1), ("selu", None)]


@pytest.mark.parametrize(("nonlinearity", "param"), GAINS)
def test_calculate_gain(nonlinearity: str, param: float | None) -> None:
    both(lambda T: T.nn.init.calculate_gain(nonlinearity, param))


BAD_INITS = {
    "unknown-nonlinearity": lambda T: T.nn.init.calculate_gain("softsign"),
    "bad-slope": lambda T: T.nn.init.calculate_gain("leaky_relu", "x"),
    "bool-slope": lambda T: T.nn.init.calculate_gain("leaky_relu", True),
    "1-d-fan": lambda T: T.nn.init.kaiming_uniform_(T.empty(3)),
    "bad-mode": lambda T: T.nn.init.kaiming_uniform_(T.empty(3, 3), mode="fan_middle"),
    "uniform-from-above-to": lambda T: T.nn.init.uniform_(T.empty(3), 1.0, 0.0),
}


@pytest.mark.parametrize("program", BAD_INITS.values(), ids=BAD_INITS.keys())
def test_init_bad_arguments_raise_as_torch(program: Callable[[Any], Any]) -> None:
    assert isinstance(both(program), ValueError | RuntimeError)


@pytest.mark.parametrize("engine", [torch, impl], ids=["torch", "impl"])
@pytest.mark.parametrize(
    ("shape", "mode", "a"), [((50, 40, 3, 3), "fan_in", 0), ((200, 100), "fan_out", 1.0)]
)
def test_kaiming_uniform_bound(engine: Any, shape: tuple[int, ...], mode: str, a: float) -> None:
    """bound = sqrt(3) * gain / sqrt(fan): the values stay within it and reach close to it, in place."""
    t = engine.empty(shape)
    assert engine.nn.init.kaiming_uniform_(t, a=a, mode=mode) is t
    fan = shape[1] * math.prod(shape[2:]) if mode == "fan_in" else shape[0] * math.prod(shape[2:])
    bound = math.sqrt(3.0) * math.sqrt(2.0 / (1 + a**2)) / math.sqrt(fan)
    values = t.numpy()
    assert np.all(np.abs(values) <= bound * (1 + 1e-6)) and np.max(np.abs(values)) > 0.95 * bound


def test_init_under_no_grad_keeps_the_parameter_a_leaf() -> None:
    def program(T: Any) -> Any:
        p = T.nn.Parameter(T.zeros(2, 2))
        T.nn.init.uniform_(p, 0.5, 0.5)
        return [p, p.is_leaf, p.grad_fn is None]

    both(program)


INITS_WITH_A_GENERATOR = {
    "uniform_": lambda T, t, g: T.nn.init.uniform_(t, -0.5, 0.5, generator=g),
    "normal_": lambda T, t, g: T.nn.init.normal_(t, 1.0, 0.1, generator=g),
    "kaiming_uniform_": lambda T, t, g: T.nn.init.kaiming_uniform_(t, a=math.sqrt(5), generator=g),
}


@pytest.mark.parametrize("engine", [torch, impl], ids=["torch", "impl"])
@pytest.mark.parametrize("name", list(INITS_WITH_A_GENERATOR))
def test_init_draws_from_the_generator_given(engine: Any, name: str) -> None:
    """torch's initialisers take `generator=`: the same seed fills the same values, in place, without
    touching the default generator (the values are each engine's own)."""
    init = INITS_WITH_A_GENERATOR[name]
    engine.manual_seed(0)
    expected_default = engine.rand(3).tolist()
    engine.manual_seed(0)
    t = engine.nn.Parameter(engine.empty(30, 20))
    assert init(engine, t, engine.Generator().manual_seed(1)) is t and t.is_leaf
    again = init(engine, engine.empty(30, 20), engine.Generator().manual_seed(1))
    other = init(engine, engine.empty(30, 20), engine.Generator().manual_seed(2))
    assert t.tolist() == again.tolist() != other.tolist()
    assert engine.rand(3).tolist() == expected_default


def test_init_constant_draws_match_torch() -> None:
    both(lambda T: [T.nn.init.normal_(T.empty(2, 3), 2.0, 0.0), T.nn.init.uniform_(T.empty(3), 1.0, 1.0)])


# --- activations ---------------------------------------------------------------------------------


ACTIVATIONS = {
    "ReLU": lambda T, x: T.nn.ReLU()(x),
    "Sigmoid": lambda T, x: T.nn.Sigmoid()(x),
    "Tanh": lambda T, x: T.nn.Tanh()(x),
    "F.relu": lambda T, x: T.nn.functional.relu(x),
    "F.sigmoid": lambda T, x: T.nn.functional.sigmoid(x),
    "F.tanh": lambda T, x: T.nn.functional.tanh(x),
    "F.linear": lambda T, x: T.nn.functional.linear(x, T.tensor(W), T.tensor(B)),
    "Flatten": lambda T, x: T.nn.Flatten()(x.reshape(2, 2, 3)),
    "Flatten(0,1)": lambda T, x: T.nn.Flatten(0, 1)(x),
}


@pytest.mark.parametrize("layer", ACTIVATIONS.values(), ids=ACTIVATIONS.keys())
def test_activation_outputs_and_gradients(layer: Callable[[Any, Any], Any]) -> None:
    def program(T: Any) -> Any:
        x = T.tensor(X, requires_grad=True)
        out = layer(T, x)
        (out * out).sum().backward()
        return [out, x.grad]

    both(program)


def test_relu_in_place() -> None:
    def program(T: Any) -> Any:
        x = T.tensor(X)
        out = T.nn.ReLU(inplace=True)(x)
        return [out is x, x]

    both(program)


# --- losses --------------------------------------------------------------------------------------


LOSSES = {"MSELoss": "mse_loss", "L1Loss": "l1_loss"}
SHAPES = {"same": ((4, 3), (4, 3)), "column-vs-row": ((3, 1), (3,)), "row-vs-matrix": ((3,), (2, 3))}


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("shapes", SHAPES.values(), ids=SHAPES.keys())
@pytest.mark.parametrize("loss", LOSSES.keys())
def test_loss_values_gradients_and_size_warning(loss: str, shapes: tuple, reduction: str) -> None:
    """torch's rule: a target of another size warns and broadcasts; gradients reach input and target."""
    rng = np.random.default_rng(0)
    x, y = (rng.standard_normal(s).astype(np.float32) for s in shapes)

    def program(T: Any) -> Any:
        inputs, target = T.tensor(x, requires_grad=True), T.tensor(y, requires_grad=True)
        out = getattr(T.nn, loss)(reduction=reduction)(inputs, target)
        functional = getattr(T.nn.functional, LOSSES[loss])(
            inputs.detach(), target.detach(), reduction=reduction
        )
        out.sum().backward()
        return [out, functional, inputs.grad, target.grad]

    both(warned(program))


BAD_LOSSES = {
    "not-broadcastable": lambda T: T.nn.MSELoss()(T.ones(3), T.ones(4)),
    "not-broadcastable-l1": lambda T: T.nn.L1Loss()(T.ones(3), T.ones(4)),
    "bad-reduction": lambda T: T.nn.MSELoss(reduction="max")(T.ones(3), T.ones(3)),
    "bad-reduction-functional": lambda T: T.nn.functional.l1_loss(T.ones(3), T.ones(3), reduction="max"),
    "int64-mse": lambda T: T.nn.functional.mse_loss(T.ones(3, dtype=T.int64), T.ones(3, dtype=T.int64)),
    "bool-mse-sum": lambda T: T.nn.MSELoss(reduction="sum")(T.ones(3, dtype=T.bool), T.ones(3, dtype=T.bool)),
    "int64-mse-bad-reduction": lambda T: T.nn.functional.mse_loss(
        T.ones(3, dtype=T.int64), T.ones(3, dtype=T.int64), reduction="max"
    ),
    "int64-l1-mean": lambda T: T.nn.L1Loss()(T.ones(3, dtype=T.int64), T.ones(3, dtype=T.int64)),
    "non-tensor-target": lambda T: T.nn.functional.mse_loss(T.ones(3), 1.0),
}


@pytest.mark.filterwarnings("ignore:Using a target size")
@pytest.mark.parametrize("program", BAD_LOSSES.values(), ids=BAD_LOSSES.keys())
def test_loss_bad_input_raises_as_torch(program: Callable[[Any], Any]) -> None:
    assert isinstance(both(program), Exception)


LOSS_EDGES = {
    "int64-l1-none": lambda T: T.nn.L1Loss(reduction="none")(T.tensor([1, 5]), T.tensor([3, 2])),
    "int64-l1-sum": lambda T: T.nn.L1Loss(reduction="sum")(T.tensor([1, 5]), T.tensor([3, 2])),
    "float32-with-float64": lambda T: T.nn.MSELoss()(T.ones(3), T.zeros(3, dtype=T.float64)),
    "float32-with-int64": lambda T: T.nn.MSELoss()(T.ones(3), T.zeros(3, dtype=T.int64)),
    "float16": lambda T: T.nn.MSELoss()(T.ones(3, dtype=T.float16), T.zeros(3, dtype=T.float16)),
    "empty": lambda T: T.nn.MSELoss()(T.ones(0), T.ones(0)),
    "legacy-size-average": lambda T: T.nn.MSELoss(size_average=False)(T.ones(3), T.zeros(3)),
    "legacy-reduce": lambda T: T.nn.L1Loss(reduce=False)(T.ones(3), T.zeros(3)),
    "legacy-functional": lambda T: T.nn.functional.mse_loss(T.ones(3), T.zeros(3), True, True, "sum"),
    "elementwise-mean": lambda T: T.nn.functional.mse_loss(
        T.ones(3), T.zeros(3), reduction="elementwise_mean"
    ),
}


@pytest.mark.parametrize("program", LOSS_EDGES.values(), ids=LOSS_EDGES.keys())
def test_loss_dtypes_and_deprecated_flags(program: Callable[[Any], Any]) -> None:
    both(warned(program))


def test_loss_grad_fn_names_follow_torchs_composites_where_torch_composes() -> None:
    """l1_loss is composite in torch (MeanBackward0 / SumBackward0 / AbsBackward0): the same nodes."""

    def program(T: Any) -> Any:
        x = T.ones(3, requires_grad=True)
        return [
            type(T.nn.L1Loss(reduction=r)(x, T.zeros(3)).grad_fn).__name__ for r in ("mean", "sum", "none")
        ]

    both(program)


def test_functional_namespace_is_a_module_with_torchs_names() -> None:
    import impl.nn.functional as F

    for name in ("linear", "relu", "sigmoid", "tanh", "mse_loss", "l1_loss"):
        assert callable(getattr(F, name)) and hasattr(torch.nn.functional, name)
    assert_same(impl.nn.functional.sigmoid(impl.tensor(X)), torch.sigmoid(torch.tensor(X)))
