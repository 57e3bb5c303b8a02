"""The base class that gives Tensor its op methods: empty at run time, declared for type checkers.

impl/methods.py binds every op row's method, operator and in-place spellings onto Tensor when
impl is imported; tensor_methods.pyi, generated from those rows (`python -m impl.stubgen`, kept
fresh by tests/impl/test_rows.py), declares them here so that type checkers and editors find
`t.add_`, `t.sum` and the rest.
"""


class TensorMethods:
    __slots__ = ()
