"""micrograd.nn, the two-moons data and the losses.

Expected values come from hand computation, brute force with plain floats, the elementary
formulas written with plain floats, and PyTorch in float64; never from the code under test alone.
"""

import math
import random

import numpy as np
import pytest

from micrograd.datasets import make_moons
from micrograd.engine import Value
from micrograd.losses import l2_penalty, max_margin_loss
from micrograd.nn import MLP, Layer, Module, Neuron

TOL = 1e-12


def close(a: float, b: float, tol: float = TOL) -> bool:
    return abs(a - b) <= tol * max(1.0, abs(a), abs(b))


# --- the nn API --------------------------------------------------------------------------


@pytest.mark.parametrize("nin, nouts", [(3, [4, 4, 1]), (2, [16, 16, 1]), (1, [1]), (5, [7, 3])])
def test_parameter_count(nin, nouts):
    sizes = [nin, *nouts]
    expected = sum(sizes[i] * sizes[i + 1] + sizes[i + 1] for i in range(len(nouts)))
    model = MLP(nin, nouts)
    assert len(model.parameters()) == expected
    assert len({id(p) for p in model.parameters()}) == expected  # no parameter listed twice
    assert all(isinstance(p, Value) for p in model.parameters())


def test_module_base_has_no_parameters():
    assert Module().parameters() == []
    Module().zero_grad()  # nothing to do, and no error


def test_zero_grad_resets_every_parameter():
    random.seed(0)
    model = MLP(3, [4, 1])
    model([1.0, -2.0, 0.5]).backward()
    assert any(p.grad != 0.0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


def test_neuron_is_relu_of_the_affine_sum():
    random.seed(1)
    n = Neuron(3)
    for x in ([1.0, 2.0, 3.0], [-1.0, 0.5, -2.0], [0.0, 0.0, 0.0]):
        affine = n.b.data + sum(wi.data * xi for wi, xi in zip(n.w, x, strict=True))
        assert close(n(x).data, max(0.0, affine))


def test_linear_neuron_passes_negative_values():
    n = Neuron(2, nonlin=False)
    n.w[0].data, n.w[1].data, n.b.data = -1.0, -1.0, -0.5
    assert n([1.0, 2.0]).data == -3.5
    assert repr(n) == "LinearNeuron(2)"
    assert repr(Neuron(2)) == "ReLUNeuron(2)"


def test_original_micrograd_attributes_and_layers():
    random.seed(2)
    model = MLP(3, [4, 4, 1])
    assert [len(layer.neurons) for layer in model.layers] == [4, 4, 1]
    assert [n.nonlin for layer in model.layers for n in layer.neurons] == [True] * 8 + [False]
    neuron = model.layers[0].neurons[0]
    assert len(neuron.w) == 3 and isinstance(neuron.b, Value) and neuron.b.data == 0.0
    assert all(-1.0 <= w.data <= 1.0 for w in neuron.w)
    assert isinstance(model([1.0, 2.0, 3.0]), Value)  # one output: a Value, not a list
    assert len(Layer(3, 2)([1.0, 2.0, 3.0])) == 2
    assert Layer(3, 0)([1.0, 2.0, 3.0]) == []  # as in the original: a layer of no neurons


def test_random_seed_makes_models_repeatable():
    random.seed(7)
    a = [p.data for p in MLP(2, [3, 1]).parameters()]
    random.seed(7)
    b = [p.data for p in MLP(2, [3, 1]).parameters()]
    assert a == b


def test_wrong_number_of_inputs_is_a_clear_error():
    with pytest.raises(ValueError, match="takes 3 inputs, got 2"):
        Neuron(3)([1.0, 2.0])


def test_non_number_inputs_are_refused_naming_the_type():
    with pytest.raises(TypeError, match="NoneType"):
        Neuron(2)([1.0, None])
    with pytest.raises(TypeError, match="str"):
        Neuron(1)(["1.0"])


def test_numpy_inputs_are_numbers():
    n = Neuron(2, nonlin=False)
    n.w[0].data, n.w[1].data, n.b.data = 1.0, 1.0, 0.5
    assert n(np.array([2.0, 3.0])).data == 5.5


# --- against PyTorch in float64 -----------------------------------------------------------


def torch_copy(model, torch):
    """(weight, bias) float64 tensors for each layer, holding the model's parameters."""
    layers = []
    for layer in model.layers:
        w = [[wi.data for wi in n.w] for n in layer.neurons]
        b = [n.b.data for n in layer.neurons]
        layers.append(
            (
                torch.tensor(w, dtype=torch.float64, requires_grad=True),
                torch.tensor(b, dtype=torch.float64, requires_grad=True),
            )
        )
    return layers


def test_two_moons_step_matches_pytorch():
    torch = pytest.importorskip("torch", reason="PyTorch is not installed on this Python")
    X, y = make_moons(40, noise=0.1, seed=3)
    random.seed(11)
    model = MLP(2, [16, 16, 1])
    scores = [model(x) for x in X.tolist()]
    loss = max_margin_loss(scores, y.tolist()) + l2_penalty(model.parameters(), 1e-4)
    loss.backward()

    layers = torch_copy(model, torch)
    h = torch.tensor(X, dtype=torch.float64)
    for i, (w, b) in enumerate(layers):
        h = torch.nn.functional.linear(h, w, b)
        if i < len(layers) - 1:
            h = torch.relu(h)
    t_scores = h[:, 0]
    t_y = torch.tensor(y, dtype=torch.float64)
    params = [t for pair in layers for t in pair]
    t_loss = torch.relu(1 - t_y * t_scores).mean() + 1e-4 * sum((p * p).sum() for p in params)
    t_loss.backward()

    assert close(loss.data, t_loss.item())
    assert all(close(s.data, t) for s, t in zip(scores, t_scores.tolist(), strict=True))
    for layer, (w, b) in zip(model.layers, layers, strict=True):
        for j, n in enumerate(layer.neurons):
            assert all(close(wi.grad, g) for wi, g in zip(n.w, w.grad[j].tolist(), strict=True))
            assert close(n.b.grad, b.grad[j].item())


# --- training ---------------------------------------------------------------------------


def test_training_on_four_examples_reduces_the_loss():
    xs = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
    ys = [1.0, -1.0, -1.0, 1.0]
    random.seed(2)
    model = MLP(3, [4, 4, 1])
    losses = []
    for _ in range(30):
        loss = sum((model(x) - t) ** 2 for x, t in zip(xs, ys, strict=True))
        model.zero_grad()
        loss.backward()
        for p in model.parameters():
            p.data -= 0.02 * p.grad
        losses.append(loss.data)
    assert losses[-1] < 0.1 * losses[0]
    assert all(math.copysign(1, model(x).data) == t for x, t in zip(xs, ys, strict=True))


# --- data and losses --------------------------------------------------------------------


def test_moons_without_noise_lie_on_their_circles():
    X, y = make_moons(51, noise=0.0)
    upper, lower = X[y == 1], X[y == -1]
    assert len(upper) == 26 and len(lower) == 25
    np.testing.assert_allclose(np.hypot(upper[:, 0], upper[:, 1]), 1.0)
    np.testing.assert_allclose(np.hypot(lower[:, 0] - 1.0, lower[:, 1] - 0.5), 1.0)
    assert (upper[:, 1] >= -1e-12).all() and (lower[:, 1] <= 0.5 + 1e-12).all()


def test_moons_are_seeded():
    assert np.array_equal(make_moons(20, seed=4)[0], make_moons(20, seed=4)[0])
    assert not np.array_equal(make_moons(20, seed=4)[0], make_moons(20, seed=5)[0])
    with pytest.raises(ValueError, match="n=1"):
        make_moons(1)


def test_max_margin_loss_and_penalty_by_hand():
    s = [Value(3.0), Value(-0.25), Value(0.5)]
    loss = max_margin_loss(s, [1.0, -1.0, -1.0])  # margins 3, 0.25, -0.5
    assert close(loss.data, (0.0 + 0.75 + 1.5) / 3)
    loss.backward()
    assert [v.grad for v in s] == [0.0, 1 / 3, 1 / 3]
    p = [Value(2.0), Value(-1.0)]
    penalty = l2_penalty(p, 0.1)
    penalty.backward()
    assert close(penalty.data, 0.5) and close(p[0].grad, 0.4) and close(p[1].grad, -0.2)
    with pytest.raises(ValueError, match="2 scores but 1 labels"):
        max_margin_loss(s[:2], [1.0])
