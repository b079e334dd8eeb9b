"""micrograd.fast computes the same floats as the elementary graph of chapters 1-6.

Where equality is promised (the MLP, ``linear``, ``total`` and the two losses) it is
checked bit for bit, on every supported Python: the fast path adds left to right, never
with ``sum()`` of floats, which compensates rounding since CPython 3.12.
"""

from __future__ import annotations

import gc
import math
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import micrograd.engine as engine
import micrograd.losses as lecture_losses
import micrograd.nn as nn
from micrograd import fast

finite = st.floats(-3.0, 3.0, allow_nan=False)


def models(seed: int, nin: int, nouts: list[int]):
    random.seed(seed)
    lecture = nn.MLP(nin, nouts)
    random.seed(seed)
    return lecture, fast.MLP(nin, nouts)


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    nin=st.integers(1, 4),
    hidden=st.lists(st.integers(1, 6), max_size=2),  # a layer of 1 returns a Value
    n_points=st.integers(1, 12),
    alpha=st.sampled_from([0.0, 1e-4, 0.37]),
    value_inputs=st.booleans(),
)
def test_mlp_loss_and_every_gradient_equal_the_elementary_graph_bit_for_bit(
    seed, nin, hidden, n_points, alpha, value_inputs
):
    rng = random.Random(seed)
    points = [[rng.uniform(-2, 2) for _ in range(nin)] for _ in range(n_points)]
    labels = [rng.choice([-1.0, 1.0]) for _ in range(n_points)]
    lecture, quick = models(seed, nin, [*hidden, 1])
    assert [p.data for p in quick.parameters()] == [p.data for p in lecture.parameters()]

    if value_inputs:  # the inputs are nodes too, and get gradients
        lecture_x = [[engine.Value(v) for v in x] for x in points]
        quick_x = [[fast.Value(v) for v in x] for x in points]
    else:
        lecture_x = quick_x = points
    lecture_loss = lecture_losses.max_margin_loss(
        [lecture(x) for x in lecture_x], labels
    ) + lecture_losses.l2_penalty(lecture.parameters(), alpha)
    quick_loss = fast.max_margin_loss([quick(x) for x in quick_x], labels) + fast.l2_penalty(
        quick.parameters(), alpha
    )
    lecture_loss.backward()
    quick_loss.backward()

    assert quick_loss.data == lecture_loss.data
    assert [p.grad for p in quick.parameters()] == [p.grad for p in lecture.parameters()]
    if value_inputs:
        assert [v.grad for x in quick_x for v in x] == [v.grad for x in lecture_x for v in x]


@settings(max_examples=60, deadline=None)
@given(
    ws=st.lists(finite, min_size=1, max_size=20),
    bias=finite,
    data=st.data(),
    act=st.sampled_from(["", "relu", "tanh"]),
)
def test_linear_equals_the_chain_of_nodes_it_replaces(ws, bias, data, act):
    xs = data.draw(st.lists(finite, min_size=len(ws), max_size=len(ws)))
    is_node = data.draw(st.lists(st.booleans(), min_size=len(ws), max_size=len(ws)))
    g = data.draw(finite)

    def build(V):
        w = [V(v) for v in ws]
        x = [V(v) if node else v for v, node in zip(xs, is_node, strict=True)]
        return w, V(bias), x

    w, b, x = build(engine.Value)
    act_value = sum((wi * xi for wi, xi in zip(w, x, strict=True)), b)
    out = {"": act_value, "relu": act_value.relu(), "tanh": act_value.tanh()}[act]
    (out * g).backward()

    fw, fb, fx = build(fast.Value)
    fout = fast.linear(fx, fw, fb, act)
    (fout * g).backward()

    assert fout.data == out.data
    assert [v.grad for v in fw] == [v.grad for v in w]
    assert fb.grad == b.grad
    assert [v.grad for v in fx if isinstance(v, fast.Value)] == [
        v.grad for v in x if isinstance(v, engine.Value)
    ]


@settings(max_examples=60, deadline=None)
@given(terms=st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=30))
def test_total_adds_left_to_right_like_a_chain_of_plus_nodes(terms):
    chain = engine.Value(terms[0])
    for t in terms[1:]:
        chain = chain + engine.Value(t)
    values = [fast.Value(t) for t in terms]
    s = fast.total(values)
    s.backward()
    assert s.data == chain.data
    assert all(v.grad == 1.0 for v in values)


def test_total_is_not_compensated_summation():
    # 1e16 + 1 + 1 in doubles: each `+ 1` rounds away; a compensating sum() keeps them.
    terms = [1e16, 1.0, 1.0]
    assert fast.total([fast.Value(t) for t in terms]).data == (1e16 + 1.0) + 1.0 == 1e16


@settings(max_examples=60, deadline=None)
@given(a=st.floats(0.1, 3.0), b=finite, c=finite)
def test_operations_give_the_values_and_gradients_of_micrograd_engine(a, b, c):
    def expression(V):
        x, y, z = V(a), V(b), V(c)
        out = (x * y + z).tanh() * (x - z).relu() + (-y) + 2 * x - 1
        out = out + (x**2) / (1 + x) + (z * 0.1).exp() + 3 / x
        return out, (x, y, z)

    out, leaves = expression(engine.Value)
    out.backward()
    fout, fleaves = expression(fast.Value)
    fout.backward()
    assert fout.data == pytest.approx(out.data, rel=1e-12, abs=1e-12)
    for fv, v in zip(fleaves, leaves, strict=True):
        assert fv.grad == pytest.approx(v.grad, rel=1e-12, abs=1e-12)


def test_x_to_the_power_zero_has_slope_zero_even_at_zero():
    for module in (engine, fast):
        x = module.Value(0.0)
        (x**0).backward()
        assert x.grad == 0.0


def test_a_second_backward_accumulates_like_micrograd():
    def run(V):
        a = V(3.0)
        c = a * a + 1
        c.backward()
        c.backward()
        return a.grad

    assert run(fast.Value) == run(engine.Value)


def test_topological_order_is_the_engines_order():
    def graph(V):
        x, y = V(1.5), V(-2.0)
        h = (x * y).relu() + x
        return (h * h + y * x) * (h + 1)

    order = [v.data for v in fast.topological_order(graph(fast.Value))]
    assert order == [v.data for v in engine.topological_order(graph(engine.Value))]


def test_a_deep_graph_needs_no_recursion():
    x = fast.Value(1.0)
    y = x
    for _ in range(50_000):
        y = y + x
    y.backward()
    assert x.grad == 50_001.0


def test_a_graph_is_freed_without_the_cycle_collector():
    random.seed(0)
    model = fast.MLP(3, [8, 8, 1])

    def unreachable_after_a_step(mlp, losses):
        gc.collect()
        gc.disable()
        try:
            scores = [mlp([0.5, -1.0, 2.0]), mlp([1.0, 0.0, -0.5])]
            loss = losses.max_margin_loss(scores, [1.0, -1.0])
            loss = loss + losses.l2_penalty(mlp.parameters(), 1e-3)
            loss.backward()
            del scores, loss
            return gc.collect()
        finally:
            gc.enable()

    assert unreachable_after_a_step(model, fast) == 0
    random.seed(0)  # the elementary graph's closures make cycles: the check can fail
    assert unreachable_after_a_step(nn.MLP(3, [8, 8, 1]), lecture_losses) > 0


def test_the_api_of_micrograd_nn():
    lecture, quick = models(7, 3, [4, 1])
    assert repr(quick) == repr(lecture)
    assert len(quick.parameters()) == len(lecture.parameters())
    out = quick([1.0, 2.0, 3.0])
    out.backward()
    assert any(p.grad != 0 for p in quick.parameters())
    quick.zero_grad()
    assert all(p.grad == 0.0 for p in quick.parameters())
    assert isinstance(quick.layers[0]([1.0, 2.0, 3.0]), list)
    assert isinstance(quick, nn.Module)


def test_one_neuron_is_one_node():
    random.seed(3)
    neuron = fast.Neuron(4)
    out = neuron([1.0, -1.0, 0.5, 2.0])
    assert out._prev == (*neuron.w, neuron.b)  # the numbers become no nodes
    assert out._op in ("relu(linear)",)
    tanh_out = fast.linear([fast.Value(0.3)], [fast.Value(2.0)], fast.Value(0.1), "tanh")
    assert tanh_out.data == math.tanh(0.1 + 2.0 * 0.3)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: fast.Value(1.0) + "2", TypeError, "cannot combine a Value with a str"),
        (lambda: fast.Value(1.0) ** fast.Value(2.0), TypeError, "number exponent"),
        (lambda: fast.Neuron(2)([1.0]), ValueError, "takes 2 inputs, got 1"),
        (lambda: fast.Layer(2, 3)([1.0, 2.0, 3.0]), ValueError, "takes 2 inputs, got 3"),
        (
            lambda: fast.linear([1.0], [fast.Value(1.0)], fast.Value(0.0), "gelu"),
            ValueError,
            "unknown activation 'gelu'",
        ),
        (lambda: fast.linear(["a"], [fast.Value(1.0)], fast.Value(0.0)), TypeError, "str"),
        (
            lambda: fast.max_margin_loss([fast.Value(1.0)], [1.0, -1.0]),
            ValueError,
            "1 scores but 2 labels",
        ),
        (lambda: fast.total([]), ValueError, "total of no terms"),
        (lambda: fast.MLP(2, []), ValueError, "at least one neuron"),
        (lambda: fast.MLP(2, [3, 0, 1]), ValueError, "at least one neuron"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(call, error, message):
    with pytest.raises(error, match=message):
        call()
