"""torch.nn.Module and torch.nn.Parameter: a module's bookkeeping of its parameters and submodules.

torch's rules modelled:
- Assigning a Parameter to a module attribute registers it (`_parameters`, in assignment order);
  assigning a Module registers a child (`_modules`). Once registered, a name takes only a Parameter
  (or Module) or None (TypeError otherwise); registering before Module.__init__() is an
  AttributeError. Registered names are read back through __getattr__.
- named_parameters() walks the module, then each child, depth-first in registration order, names
  joined with "." ("0.weight"), each parameter once, None entries skipped. state_dict() maps the
  same names (repeats included) to the detached parameters; load_state_dict() copies values in
  under no_grad and reports missing, unexpected and wrongly shaped entries with torch's messages.
- repr: `Name(extra_repr)` on one line, or each child on its own line as `(name): child`,
  indented two spaces per level.
impl's Module has no buffers, hooks, or moves between devices and dtypes (`to`, `double`).
"""

from __future__ import annotations

from collections import OrderedDict, namedtuple
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from impl.autograd import no_grad
from impl.creation import empty
from impl.tensor import Tensor


def typename(obj: Any) -> str:
    """torch.typename: a tensor's type() ('torch.FloatTensor'), else the module-qualified class name."""
    if isinstance(obj, Tensor):
        return str(obj.type())
    cls = type(obj)
    return cls.__qualname__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__qualname__}"


class Parameter(Tensor):
    """torch.nn.Parameter(data=None, requires_grad=True): a leaf sharing data's storage and version
    counter, requiring grad unless told not to (floating and complex dtypes only; empty when data is
    None). Ops on a Parameter return plain Tensors; a Module registers the Parameters assigned to it."""

    def __init__(self, data: Tensor | None = None, requires_grad: bool = True) -> None:
        data = empty(0) if data is None else data.detach()
        super().__init__(data._storage, data.dtype, tuple(data.shape), data.stride(), data.storage_offset())
        self._vc = data._vc
        self.require_grad(requires_grad, "factory")

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    __str__ = __repr__


def zero_grads(params: Iterable[Tensor], set_to_none: bool = True) -> None:
    """torch's zero_grad (Module's and Optimizer's): each .grad becomes None, or with set_to_none=False
    is cut from its graph (detached, or made not to require grad) and zeroed in place."""
    for p in params:
        if p.grad is None:
            continue
        if set_to_none:
            p.grad = None
            continue
        if p.grad.grad_fn is not None:
            p.grad.detach_()
        else:
            p.grad.requires_grad_(False)
        p.grad.zero_()


class _IncompatibleKeys(namedtuple("_IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    """What load_state_dict returns (torch's name and repr)."""

    def __repr__(self) -> str:
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()

    __str__ = __repr__


def _check_name(kind: str, name: Any, module: Module, registered: dict[str, Any]) -> None:
    """torch's checks on a parameter or submodule name: a string, not empty, no ".", not another attribute."""
    if not isinstance(name, str):
        raise TypeError(f"{kind} name should be a string. Got {typename(name)}")
    if "." in name:
        raise KeyError(f'{kind} name can\'t contain "."' + (f", got: {name}" if kind == "module" else ""))
    if name == "":
        raise KeyError(f'{kind} name can\'t be empty string ""')
    if hasattr(module, name) and name not in registered:
        raise KeyError(f"attribute '{name}' already exists")


def _key_error(kind: str, keys: list[str]) -> str:
    """load_state_dict's line for missing or unexpected keys ('' when there are none)."""
    quoted = ", ".join(f'"{key}"' for key in keys)
    return f"{kind} key(s) in state_dict: {quoted}. " if keys else ""


def _copy_into(param: Parameter, value: Any, key: str) -> str:
    """Copy a state_dict entry into `param` under no_grad (a 0-d parameter takes a 1-element 1-d
    entry); the error line when the entry is not a tensor or has another shape, else ''."""
    if not isinstance(value, Tensor):
        return (
            f'While copying the parameter named "{key}", expected torch.Tensor or Tensor-like object '
            f"from checkpoint but received {type(value)}"
        )
    if param.ndim == 0 and tuple(value.shape) == (1,):
        value = value[0]
    if value.shape != param.shape:
        return (
            f"size mismatch for {key}: copying a param with shape {value.shape} from checkpoint, "
            f"the shape in current model is {param.shape}."
        )
    with no_grad():
        param.copy_(value)
    return ""


def _indent(text: str) -> str:
    """torch's _addindent(text, 2): lines after the first move right by two; blank lines stay empty."""
    first, *rest = text.split("\n")
    return "\n".join([first, *(f"  {line}" if line.strip() else "" for line in rest)])


class Module:
    """torch.nn.Module: subclasses call super().__init__() and define forward; calling the module calls it."""

    training: bool
    _parameters: dict[str, Parameter | None]
    _modules: dict[str, Module | None]
    _initialised = False  # Module.__init__ has run: registering before it is torch's AttributeError

    def __init__(self) -> None:
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_parameters", {})
        object.__setattr__(self, "_modules", {})
        object.__setattr__(self, "_initialised", True)

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        name = type(self).__name__
        raise NotImplementedError(f'Module [{name}] is missing the required "forward" function')

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.forward(*args, **kwargs)

    # --- registration ----------------------------------------------------------------------
    def __setattr__(self, name: str, value: Any) -> None:
        """torch's rule, per kind (Parameter, then Module; see REGISTRIES): a value of the kind is
        registered under `name` (which leaves any plain attribute or entry of the other kind); a name
        registered as the kind takes only the kind or None (TypeError); anything else is a plain
        attribute."""
        for kind, table, noun, role in REGISTRIES:
            if isinstance(value, kind):
                if not self._initialised:
                    raise AttributeError(f"cannot assign {noun} before Module.__init__() call")
                self.__dict__.pop(name, None)
                for _, other, _, _ in REGISTRIES:
                    if other != table:  # (re-registering keeps the name's place in its own table)
                        getattr(self, other).pop(name, None)
                if kind is Parameter:
                    self.register_parameter(name, value)
                else:
                    self._modules[name] = value
                return
            registered = getattr(self, table) if self._initialised else {}
            if name in registered:
                if value is not None:
                    raise TypeError(
                        f"cannot assign '{typename(value)}' as {role} '{name}' "
                        f"(torch.nn.{kind.__name__} or None expected)"
                    )
                registered[name] = None
                return
        object.__setattr__(self, name, value)

    def __getattr__(self, name: str) -> Any:
        """Registered parameters and children read back as attributes (only called when Python's own
        lookup fails)."""
        if self._initialised:
            for registered in (self._parameters, self._modules):
                if name in registered:
                    return registered[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name: str) -> None:
        for registered in (self._parameters, self._modules):
            if name in registered:
                del registered[name]
                return
        object.__delattr__(self, name)

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """torch's rule: after __init__, a valid new name, and a Parameter that is a leaf, or None."""
        if not self._initialised:
            raise AttributeError("cannot assign parameter before Module.__init__() call")
        _check_name("parameter", name, self, self._parameters)
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(
                f"cannot assign '{typename(param)}' object to parameter '{name}' "
                "(torch.nn.Parameter or None required)"
            )
        if param is not None and param.grad_fn is not None:
            raise ValueError(
                f"Cannot assign non-leaf Tensor to parameter '{name}'. Model parameters must be created "
                f"explicitly. To express '{name}' as a function of another Tensor, compute the value in "
                "the forward() method."
            )
        self._parameters[name] = param

    def add_module(self, name: str, module: Module | None) -> None:
        """torch's rule: a Module or None, under a valid new name."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{typename(module)} is not a Module subclass")
        _check_name("module", name, self, self._modules)
        self._modules[name] = module

    # --- walking the tree --------------------------------------------------------------------
    def named_children(self) -> Iterator[tuple[str, Module]]:
        seen: set[int] = set()
        for name, child in self._modules.items():
            if child is not None and id(child) not in seen:
                seen.add(id(child))
                yield name, child

    def children(self) -> Iterator[Module]:
        return (child for _, child in self.named_children())

    def named_modules(self, memo: set[int] | None = None, prefix: str = "") -> Iterator[tuple[str, Module]]:
        """This module ('' by default), then its descendants depth-first, each once."""
        memo = set() if memo is None else memo
        if id(self) in memo:
            return
        memo.add(id(self))
        yield prefix, self
        for name, child in self._modules.items():
            if child is not None:
                yield from child.named_modules(memo, f"{prefix}.{name}" if prefix else name)

    def modules(self) -> Iterator[Module]:
        return (module for _, module in self.named_modules())

    def _entries(self, prefix: str = "", recurse: bool = True) -> Iterator[tuple[str, Parameter]]:
        """(dotted name, parameter) for every registered parameter, repeats included (state_dict's walk)."""
        for name, param in self._parameters.items():
            if param is not None:
                yield prefix + name, param
        for name, child in self._modules.items() if recurse else ():
            if child is not None:
                yield from child._entries(f"{prefix}{name}.")

    def named_parameters(self, prefix: str = "", recurse: bool = True) -> Iterator[tuple[str, Parameter]]:
        seen: set[int] = set()
        for name, param in self._entries(f"{prefix}." if prefix else "", recurse):
            if id(param) not in seen:
                seen.add(id(param))
                yield name, param

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        return (param for _, param in self.named_parameters(recurse=recurse))

    # --- training state ----------------------------------------------------------------------
    def zero_grad(self, set_to_none: bool = True) -> None:
        zero_grads(self.parameters(), set_to_none)

    def train(self, mode: bool = True) -> Module:
        """Set `training` on this module and, through children(), on every descendant."""
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        self.training = mode
        for child in self.children():
            child.train(mode)
        return self

    def eval(self) -> Module:
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        for param in self.parameters():
            param.requires_grad_(requires_grad)
        return self

    # --- saving and loading ------------------------------------------------------------------
    def state_dict(self, *, prefix: str = "", keep_vars: bool = False) -> OrderedDict[str, Tensor]:
        return OrderedDict(
            (name, param if keep_vars else param.detach()) for name, param in self._entries(prefix)
        )

    def load_state_dict(self, state_dict: Mapping[str, Any], strict: bool = True) -> _IncompatibleKeys:
        """torch's rule: copy each entry into the parameter of that name; entries that are not tensors
        or have another shape are errors, and with strict so are missing and unexpected keys (listed
        first); all errors are raised together as one RuntimeError, after the other entries are copied."""
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict)}.")
        own = dict(self._entries())
        missing = [key for key in own if key not in state_dict]
        unexpected = [key for key in state_dict if key not in own]
        errors = [_key_error(kind, keys) for kind, keys in (("Missing", missing), ("Unexpected", unexpected))]
        errors = [e for e in errors if e and strict]
        for key, param in own.items():
            if key in state_dict and (error := _copy_into(param, state_dict[key], key)):
                errors.append(error)
        if errors:
            lines = "\n\t".join(errors)
            raise RuntimeError(f"Error(s) in loading state_dict for {type(self).__name__}:\n\t{lines}")
        return _IncompatibleKeys(missing, unexpected)

    # --- printing ------------------------------------------------------------------------------
    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = [f"({name}): {_indent(repr(child))}" for name, child in self._modules.items()]
        lines = extra_lines + child_lines
        if len(extra_lines) == 1 and not child_lines:
            return f"{type(self).__name__}({extra_lines[0]})"
        body = "\n  " + "\n  ".join(lines) + "\n" if lines else ""
        return f"{type(self).__name__}({body})"


# what assigning to a Module's attribute registers: (kind, its table, torch's words for it)
REGISTRIES: tuple[tuple[type[Any], str, str, str], ...] = (
    (Parameter, "_parameters", "parameters", "parameter"),
    (Module, "_modules", "module", "child module"),
)
