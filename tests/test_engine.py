"""micrograd.engine without PyTorch: gradients against finite differences, deep graphs,
values used more than once, and every kind of bad input."""

from __future__ import annotations

import gc
import math
import re
import sys

import pytest
from hypothesis import HealthCheck, assume, given, settings
from random_expressions import FLOATS, VALUES, Evaluation, inputs, trees

from micrograd.engine import Value, topological_order

N_INPUTS = 3


def central_difference(tree: tuple, xs: list[float], i: int) -> float:
    h = 1e-6 * max(1.0, abs(xs[i]))
    up, down = list(xs), list(xs)
    up[i] += h
    down[i] -= h
    return (Evaluation(FLOATS, up)(tree) - Evaluation(FLOATS, down)(tree)) / (2 * h)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(tree=trees(N_INPUTS), xs=inputs(N_INPUTS))
def test_gradients_match_central_differences(tree, xs):
    leaves = [Value(x) for x in xs]
    evaluation = Evaluation(VALUES, leaves)
    try:
        out = evaluation(tree)
        reference = Evaluation(FLOATS, xs)(tree)
    except OverflowError:
        assume(False)  # exp of a large number: tested on its own below
    assume(abs(out.data) < 1e6)
    assume(evaluation.nearest_kink > 1e-3)  # finite differences straddling relu's kink
    assert out.data == pytest.approx(reference, rel=1e-12, abs=1e-12)
    out.backward()
    for i, leaf in enumerate(leaves):
        estimate = central_difference(tree, xs, i)
        assert leaf.grad == pytest.approx(estimate, rel=1e-5, abs=1e-6 * (1 + abs(out.data)))


# --- graphs deeper than Python's recursion limit ------------------------------------------


def test_backward_through_a_chain_a_million_deep():
    depth = 1_000_000
    x = Value(1.0)
    y = x
    gc.disable()  # the cyclic collector would rescan the growing graph: 4x slower to build
    try:
        for _ in range(depth):
            y = -y
    finally:
        gc.enable()
    y.backward()
    assert y.data == 1.0
    assert x.grad == 1.0  # (-1)^depth; 0.0 if the pass stopped before reaching x


def test_backward_needs_no_recursion():
    x = Value(0.5)
    y = x
    for _ in range(3 * sys.getrecursionlimit()):
        y = y + 1
    y = y * 2.0
    y.backward()
    assert x.grad == 2.0


def test_topological_order_puts_inputs_first():
    a, b = Value(1.0), Value(2.0)
    c = a * b
    d = c + a
    e = d * c
    order = topological_order(e)
    position = {id(v): i for i, v in enumerate(order)}
    assert len(order) == 5 and order[-1] is e
    for v in order:
        for child in v._prev:
            assert position[id(child)] < position[id(v)]


# --- values used more than once -------------------------------------------------------------


def test_value_added_to_itself():
    a = Value(3.0)
    b = a + a
    b.backward()
    assert a.grad == 2.0


def test_value_multiplied_by_itself():
    a = Value(3.0)
    (a * a).backward()
    assert a.grad == 6.0  # d(a^2)/da = 2a


def test_value_used_on_two_paths():
    a, b = Value(-2.0), Value(3.0)
    f = (a * b) * (a + b)  # f = a^2 b + a b^2
    f.backward()
    assert a.grad == 2 * -2.0 * 3.0 + 3.0**2
    assert b.grad == (-2.0) ** 2 + 2 * -2.0 * 3.0


def test_intermediate_used_three_times():
    x = Value(0.5)
    t = x.tanh()
    y = t * t * t  # y = tanh(x)^3
    y.backward()
    expected = 3 * math.tanh(0.5) ** 2 * (1 - math.tanh(0.5) ** 2)
    assert x.grad == pytest.approx(expected, rel=1e-14)


def test_backward_accumulates_across_calls():
    a = Value(3.0)
    b = a * a
    b.backward()
    b.backward()
    assert a.grad == 12.0


# --- the original micrograd API -----------------------------------------------------------


def test_micrograd_attributes():
    a, b = Value(2.0), Value(3.0)
    c = a * b
    assert (c.data, c.grad, c._op) == (6.0, 0.0, "*")
    assert set(c._prev) == {a, b}
    r = (a - 5).relu()
    assert r.data == 0 and r._op == "ReLU"


def test_operators_with_numbers_on_either_side():
    x = Value(4.0)
    results = [x + 1, 1 + x, x - 1, 1 - x, x * 2, 2 * x, x / 2, 2 / x, -x, x**2]
    assert [r.data for r in results] == [5.0, 5.0, 3.0, -3.0, 8.0, 8.0, 2.0, 0.5, -4.0, 16.0]


def test_in_place_operators_build_new_nodes():
    a = Value(2.0)
    b = a
    b += 1
    b *= a  # b = (a + 1) * a
    b.backward()
    assert b.data == 6.0 and a.grad == 2 * 2.0 + 1
    assert a.data == 2.0


def test_sum_of_values():
    xs = [Value(float(i)) for i in range(5)]
    s = sum(xs)
    s.backward()
    assert s.data == 10.0 and all(x.grad == 1.0 for x in xs)


def test_numpy_scalars_are_numbers():
    np = pytest.importorskip("numpy")
    x = Value(2.0)
    y = x * np.float64(3.0) + np.int64(1)
    y.backward()
    assert y.data == 7.0 and x.grad == 3.0


# --- saturation instead of overflow ---------------------------------------------------------


@pytest.mark.parametrize("x, expected", [(1000.0, 1.0), (-1000.0, -1.0)])
def test_tanh_saturates(x, expected):
    v = Value(x)
    t = v.tanh()
    t.backward()
    assert t.data == expected and v.grad == 0.0


@pytest.mark.parametrize("x, expected", [(1000.0, 1.0), (-1000.0, 0.0)])
def test_sigmoid_saturates(x, expected):
    v = Value(x)
    s = v.sigmoid()
    s.backward()
    assert s.data == expected and v.grad == 0.0


def test_sigmoid_matches_its_definition():
    for x in [-30.0, -2.0, -0.1, 0.0, 0.1, 2.0, 30.0]:
        assert Value(x).sigmoid().data == pytest.approx(1 / (1 + math.exp(-x)), rel=1e-15)


# --- bad input ----------------------------------------------------------------------------

BAD_OPERANDS = ["2", None, [1.0], (1.0,), {"x": 1}, object(), 1j]


@pytest.mark.parametrize("bad", BAD_OPERANDS, ids=lambda b: type(b).__name__)
@pytest.mark.parametrize(
    "operation",
    [
        lambda v, b: v + b,
        lambda v, b: b + v,
        lambda v, b: v - b,
        lambda v, b: b - v,
        lambda v, b: v * b,
        lambda v, b: b * v,
        lambda v, b: v / b,
        lambda v, b: b / v,
        lambda v, b: v**b,
    ],
    ids=["add", "radd", "sub", "rsub", "mul", "rmul", "truediv", "rtruediv", "pow"],
)
def test_operand_that_is_not_a_number(operation, bad):
    with pytest.raises(TypeError, match=type(bad).__name__):
        operation(Value(1.5), bad)


def test_power_with_a_value_exponent_is_refused():
    with pytest.raises(TypeError, match=r"Value \*\* Value .* \(k \* x\.log\(\)\)\.exp\(\)"):
        Value(2.0) ** Value(3.0)


def test_the_suggested_variable_exponent_has_correct_gradients():
    x, k = Value(2.0), Value(3.0)
    y = (k * x.log()).exp()  # x^k
    y.backward()
    assert y.data == pytest.approx(8.0, rel=1e-15)
    assert x.grad == pytest.approx(3.0 * 2.0**2, rel=1e-14)  # k x^(k-1)
    assert k.grad == pytest.approx(8.0 * math.log(2.0), rel=1e-14)  # x^k ln x


def test_fractional_power_of_a_negative_number():
    with pytest.raises(ValueError, match=r"\(-8\.0\) \*\* 0\.5 is not a real number"):
        Value(-8.0) ** 0.5
    assert (Value(-2.0) ** 3).data == -8.0  # integer powers of negatives are fine
    assert (Value(-2.0) ** 2.0).data == 4.0


@pytest.mark.parametrize("x", [709.8, 1000.0, 1e300])
def test_exp_overflow_names_the_value(x):
    with pytest.raises(OverflowError, match=re.escape(f"exp({x})")):
        Value(x).exp()


def test_exp_just_below_overflow():
    assert Value(709.0).exp().data == math.exp(709.0)
    assert Value(-1e300).exp().data == 0.0


@pytest.mark.parametrize("x", [0.0, -1.0, -1e-300])
def test_log_of_a_non_positive_number(x):
    with pytest.raises(ValueError, match=rf"positive numbers, not {x}"):
        Value(x).log()


def test_polynomial_without_coefficients():
    with pytest.raises(ValueError, match="at least one coefficient"):
        Value(1.0).polynomial([])


def test_polynomial_coefficient_that_is_not_a_number():
    with pytest.raises(TypeError, match="str"):
        Value(1.0).polynomial([1.0, "2"])


def test_polynomial_coefficients_get_gradients():
    x = Value(-2.0)
    cs = [Value(c) for c in (3.0, 0.5, -1.0)]  # p = 3 + x/2 - x^2
    p = x.polynomial(cs)
    p.backward()
    assert p.data == 3.0 - 1.0 - 4.0
    assert x.grad == 0.5 - 2 * -2.0
    assert [c.grad for c in cs] == [1.0, -2.0, 4.0]  # x^0, x^1, x^2
