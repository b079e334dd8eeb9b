"""micrograd.engine against PyTorch in float64: random expressions and micrograd's classics."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, assume, given, settings
from random_expressions import VALUES, Backend, Evaluation, inputs, trees

from micrograd.engine import Value

torch = pytest.importorskip("torch", reason="PyTorch is not installed on this Python")

N_INPUTS = 3


def _tensor(x):
    return x if isinstance(x, torch.Tensor) else torch.tensor(float(x), dtype=torch.float64)


TENSORS = Backend(
    exp=lambda t: torch.exp(_tensor(t)),
    log=lambda t: torch.log(_tensor(t)),
    tanh=lambda t: torch.tanh(_tensor(t)),
    relu=lambda t: torch.relu(_tensor(t)),
    sigmoid=lambda t: torch.sigmoid(_tensor(t)),
    polynomial=lambda t, cs: sum(c * _tensor(t) ** k for k, c in enumerate(cs)),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(tree=trees(N_INPUTS), xs=inputs(N_INPUTS))
def test_gradients_match_pytorch(tree, xs):
    leaves = [Value(x) for x in xs]
    try:
        out = Evaluation(VALUES, leaves)(tree)
    except OverflowError:
        assume(False)  # exp of a large number, where PyTorch returns inf
    assume(abs(out.data) < 1e12)
    out.backward()

    tensors = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in xs]
    reference = Evaluation(TENSORS, tensors)(tree)
    reference.backward()

    assert out.data == pytest.approx(reference.item(), rel=1e-12, abs=1e-12)
    for leaf, tensor in zip(leaves, tensors, strict=True):
        expected = 0.0 if tensor.grad is None else tensor.grad.item()
        assert leaf.grad == pytest.approx(expected, rel=1e-9, abs=1e-9)


def test_the_neuron_of_the_lectures():
    x1, x2, w1, w2 = Value(2.0), Value(0.0), Value(-3.0), Value(1.0)
    b = Value(6.8813735870195432)
    o = (x1 * w1 + x2 * w2 + b).tanh()
    o.backward()

    t = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in
         dict(x1=2.0, x2=0.0, w1=-3.0, w2=1.0, b=6.8813735870195432).items()}  # fmt: skip
    ot = torch.tanh(t["x1"] * t["w1"] + t["x2"] * t["w2"] + t["b"])
    ot.backward()
    assert o.data == pytest.approx(ot.item(), rel=1e-15)
    for name, ours in dict(x1=x1, x2=x2, w1=w1, w2=w2, b=b).items():
        assert ours.grad == pytest.approx(t[name].grad.item(), rel=1e-13, abs=1e-15), name


def _sanity(a):
    """An expression from the original micrograd's tests, written for any backend."""
    relu = (lambda v: v.relu()) if isinstance(a, Value) else torch.relu
    b = a * 2 + 2 + a
    c = relu(b * b) + b * b
    return c + a * b


def _more_ops(a, b):
    """The original micrograd's second test expression, with in-place operators."""
    relu = (lambda v: v.relu()) if isinstance(a, Value) else torch.relu
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + relu(b + a)
    d += 3 * d + relu(b - a)
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    return g


def test_micrograd_sanity_expression():
    a = Value(-4.0)
    y = _sanity(a)
    y.backward()
    at = torch.tensor(-4.0, dtype=torch.float64, requires_grad=True)
    yt = _sanity(at)
    yt.backward()
    assert y.data == yt.item()
    assert a.grad == at.grad.item()


def test_micrograd_more_ops_expression():
    a, b = Value(-4.0), Value(2.0)
    g = _more_ops(a, b)
    g.backward()
    at, bt = (torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in (-4.0, 2.0))
    gt = _more_ops(at, bt)
    gt.backward()
    assert g.data == pytest.approx(gt.item(), rel=1e-12)
    assert a.grad == pytest.approx(at.grad.item(), rel=1e-12)
    assert b.grad == pytest.approx(bt.grad.item(), rel=1e-12)
