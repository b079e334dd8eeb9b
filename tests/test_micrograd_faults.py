"""micrograd under bad values and awkward shapes (issue 16, points 11-14).

Each case failed, or misled, in the first edition; the expected behaviour is written
out here, not taken from the code under test.
"""

from __future__ import annotations

import random
import re

import numpy as np
import pytest

from micrograd.engine import Value
from micrograd.graph import draw_dot
from micrograd.nn import MLP, Layer, Neuron

# --- 11. network shapes --------------------------------------------------------------------


def test_a_layer_of_one_neuron_feeds_the_next_layer():
    random.seed(0)
    model = MLP(2, [1, 1])
    out = model([1.0, 2.0])
    first = model.layers[0].neurons[0]
    second = model.layers[1].neurons[0]
    hidden = max(0.0, first.b.data + first.w[0].data * 1.0 + first.w[1].data * 2.0)
    assert isinstance(out, Value)
    assert out.data == pytest.approx(second.b.data + second.w[0].data * hidden, abs=1e-15)
    out.backward()  # and the gradient reaches the second layer's weight
    assert second.w[0].grad == pytest.approx(hidden, abs=1e-15)


def test_a_one_neuron_layer_then_a_wider_one():
    random.seed(1)
    outs = MLP(3, [1, 4, 2])([0.5, -1.0, 2.0])
    assert isinstance(outs, list) and len(outs) == 2


@pytest.mark.parametrize("nin", [0, -3])
def test_a_neuron_needs_an_input(nin):
    with pytest.raises(ValueError, match=f"nin={nin}"):
        Neuron(nin)


def test_a_layer_of_negative_width_is_refused():
    with pytest.raises(ValueError, match="-1 neurons"):
        Layer(3, -1)
    with pytest.raises(ValueError, match="nin=0"):
        Layer(0, 2)
    assert Layer(3, 0)([1.0, 2.0, 3.0]) == []  # a layer of no neurons, as the original


@pytest.mark.parametrize("nouts", [[3, 0, 1], [0], [2, -1], []])
def test_an_mlp_with_an_empty_layer_is_refused(nouts):
    with pytest.raises(ValueError, match=re.escape(f"nouts={nouts}")):
        MLP(2, nouts)


# --- 12. what a Value holds -----------------------------------------------------------------

BAD_DATA = [None, "abc", "1.5", [1.0], 1j, np.array([1.0, 2.0]), object()]


@pytest.mark.parametrize("bad", BAD_DATA, ids=lambda b: type(b).__name__)
def test_a_value_refuses_what_is_not_a_real_number(bad):
    with pytest.raises(TypeError, match=f"not a {type(bad).__name__} ") as construction:
        Value(bad)
    with pytest.raises(TypeError) as operator:
        Value(1.0) * bad
    assert str(construction.value) == str(operator.value)  # the same message both ways


def test_a_torch_tensor_is_refused_like_any_other_non_number():
    torch = pytest.importorskip("torch", reason="torch is not installed on this Python")
    with pytest.raises(TypeError, match="not a Tensor"):
        Value(torch.tensor(1.0))
    with pytest.raises(TypeError, match="not a Tensor"):
        Value(2.0) + torch.tensor(1.0)


@pytest.mark.parametrize("good", [3, 2.5, True, np.float64(1.5), np.int64(2), np.float32(0.5)])
def test_real_numbers_of_every_kind_are_accepted(good):
    assert Value(good).data == good


def test_a_long_bad_value_is_shortened_in_the_message():
    with pytest.raises(TypeError) as error:
        Value("x" * 10_000)
    assert len(str(error.value)) < 100


@pytest.mark.parametrize(
    "operation",
    [
        lambda a, v: a + v,
        lambda a, v: v + a,
        lambda a, v: a * v,
        lambda a, v: v * a,
        lambda a, v: a - v,
        lambda a, v: v - a,
        lambda a, v: a / v,
        lambda a, v: v / a,
    ],
    ids=["radd", "add", "rmul", "mul", "rsub", "sub", "rtruediv", "truediv"],
)
def test_numpy_arrays_are_refused_in_either_order(operation):
    with pytest.raises(TypeError, match="not a ndarray"):
        operation(np.array([1, 2]), Value(1.0))


def test_numpy_scalars_still_combine_in_either_order():
    x = Value(2.0)
    y = np.float64(3.0) * x + x * np.int64(2)
    assert isinstance(y, Value) and y.data == 10.0
    y.backward()
    assert x.grad == 5.0


# --- 13. powers at zero -----------------------------------------------------------------------


@pytest.mark.parametrize("k", [0.5, 0.25, 1 / 3])
def test_slope_of_a_root_at_zero_is_named(k):
    x = Value(0.0)
    y = x**k
    assert y.data == 0.0
    with pytest.raises(
        ZeroDivisionError, match=re.escape(f"slope of x ** {k} is infinite at x = 0")
    ):
        y.backward()


@pytest.mark.parametrize("k, slope", [(1, 1.0), (2, 0.0), (1.5, 0.0), (3, 0.0)])
def test_powers_at_zero_with_a_finite_slope(k, slope):
    x = Value(0.0)
    (x**k).backward()
    assert x.grad == slope


def test_a_negative_power_of_zero_fails_in_the_forward_pass():
    with pytest.raises(ZeroDivisionError):
        Value(0.0) ** -1


# --- 14. drawing ------------------------------------------------------------------------------


def test_draw_dot_accepts_a_label_of_none():
    x = Value(2.0, label=None)
    y = x * 3.0
    y.label = None
    source = draw_dot(y).source
    assert "data 6.0000" in source and "None" not in source


def test_draw_dot_refuses_a_graph_above_its_limit_and_the_limit_can_be_raised():
    total = sum(Value(float(i)) for i in range(600))  # 600 leaves, 600 sums, 1 constant
    with pytest.raises(ValueError, match=r"1201 values, more than max_nodes=1000"):
        draw_dot(total)
    assert draw_dot(total, max_nodes=2000).source.count("->") > 1200
