"""Random expression trees over every ``Value`` operation, for property-based tests.

A tree is a nested tuple:

* ``("x", i)``: input number ``i``;
* ``("c", number)``: a constant, so that numbers meet ``Value``s on either side of an
  operator (``2 - x`` runs ``Value.__rsub__``);
* ``(op, child)`` for a unary ``op`` and ``(op, left, right)`` for ``+ - * /``;
* ``("**", k, child)`` for a constant exponent ``k``;
* ``("poly", coefficients, child)`` for ``Value.polynomial`` with constant coefficients.

``evaluate`` runs a tree with any *backend*: ``Value``s, plain floats or PyTorch tensors.
Binary operators are Python's own, so every backend runs the same code and the reflected
methods are exercised whenever a constant stands on the left. Where an operation has a
restricted domain the tree keeps it inside: ``log`` and fractional or negative powers act
on ``child**2 + 0.5`` and division divides by ``right**2 + 0.5``; that is part of the
expression, identical for every backend.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from micrograd.engine import Value

UNARY = ["neg", "exp", "log", "tanh", "relu", "sigmoid"]
BINARY = ["+", "-", "*", "/"]
EXPONENTS = [2, 3, -1, -2, 0.5, 1.5, -0.5]
COEFFICIENTS = [-1.5, -1.0, 0.0, 0.5, 2.0]


@dataclass
class Backend:
    exp: Callable[[Any], Any]
    log: Callable[[Any], Any]
    tanh: Callable[[Any], Any]
    relu: Callable[[Any], Any]
    sigmoid: Callable[[Any], Any]
    polynomial: Callable[[Any, tuple[float, ...]], Any]


def _float_sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x)) if x >= 0 else math.exp(x) / (1 + math.exp(x))


FLOATS = Backend(
    exp=math.exp,
    log=math.log,
    tanh=math.tanh,
    relu=lambda x: max(0.0, x),
    sigmoid=_float_sigmoid,
    polynomial=lambda x, cs: sum(c * x**k for k, c in enumerate(cs)),
)


def _value(x: Any) -> Value:
    return x if isinstance(x, Value) else Value(x)


VALUES = Backend(
    exp=lambda v: _value(v).exp(),
    log=lambda v: _value(v).log(),
    tanh=lambda v: _value(v).tanh(),
    relu=lambda v: _value(v).relu(),
    sigmoid=lambda v: _value(v).sigmoid(),
    polynomial=lambda v, cs: _value(v).polynomial(cs),
)


class Evaluation:
    """Evaluates a tree, recording the smallest |input| of every relu (its kink is at 0)."""

    def __init__(self, backend: Backend, inputs: list[Any]) -> None:
        self.backend = backend
        self.inputs = inputs
        self.nearest_kink = math.inf

    def __call__(self, tree: tuple) -> Any:
        op, *args = tree
        b = self.backend
        if op == "x":
            return self.inputs[args[0]]
        if op == "c":
            return args[0]
        if op == "poly":
            coefficients, child = args
            return b.polynomial(self(child), coefficients)
        if op == "**":
            k, child = args
            base = self(child)
            if k < 0 or not float(k).is_integer():
                base = base * base + 0.5
            return base**k
        if op in BINARY:
            left, right = self(args[0]), self(args[1])
            if op == "+":
                return left + right
            if op == "-":
                return left - right
            if op == "*":
                return left * right
            return left / (right * right + 0.5)
        x = self(args[0])
        if op == "neg":
            return -x
        if op == "log":
            return b.log(x * x + 0.5)
        if op == "relu":
            self.nearest_kink = min(self.nearest_kink, abs(_number(x)))
        return getattr(b, op)(x)


def _number(x: Any) -> float:
    """The float inside a float, a ``Value`` or a one-element tensor."""
    if isinstance(x, int | float):
        return float(x)
    data = getattr(x, "data", x)
    return float(data.item()) if hasattr(data, "item") else float(data)


def uses_input(tree: tuple) -> bool:
    return tree[0] == "x" or any(isinstance(a, tuple) and uses_input(a) for a in tree[1:])


def trees(n_inputs: int) -> st.SearchStrategy[tuple]:
    """Expression trees over ``n_inputs`` inputs, up to about 20 operations."""
    leaves = st.one_of(
        st.tuples(st.just("x"), st.integers(0, n_inputs - 1)),
        st.tuples(st.just("c"), st.sampled_from([-2.0, -0.5, 1.0, 3.0, 2])),
    )

    coefficients = st.lists(st.sampled_from(COEFFICIENTS), min_size=1, max_size=4).map(tuple)

    def extend(children: st.SearchStrategy[tuple]) -> st.SearchStrategy[tuple]:
        return st.one_of(
            st.tuples(st.sampled_from(UNARY), children),
            st.tuples(st.sampled_from(BINARY), children, children),
            st.tuples(st.just("**"), st.sampled_from(EXPONENTS), children),
            st.tuples(st.just("poly"), coefficients, children),
        )

    return st.recursive(leaves, extend, max_leaves=10).filter(uses_input)


def inputs(n_inputs: int) -> st.SearchStrategy[list[float]]:
    """Numbers with 1e-3 <= |x| <= 3."""
    signed = st.builds(
        lambda m, negative: -m if negative else m, st.floats(1e-3, 3.0), st.booleans()
    )
    return st.lists(signed, min_size=n_inputs, max_size=n_inputs)
