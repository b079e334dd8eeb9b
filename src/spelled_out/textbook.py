# Provenance: copied on 2026-12-02 from naive_value.py in the bench folder that the team
# shares beside the repository (its README offers it as the baseline to copy), so that
# the book and the benchmarks carry their own textbook engine and read nothing outside
# the repository. Changes: this note, the module docstring and two class docstrings, the
# `ruff: noqa` line, and `ruff format` whitespace; the code is the original's. It lives
# in the package (not in bench/) so that chapter 7, downloaded as a notebook, runs
# wherever spelled-out is installed. Chapter 7 shows this file and measures every change
# against it.
# ruff: noqa: B905

"""A deliberately plain scalar autograd engine: the textbook baseline of chapter 7.

Closures for local derivatives, a set of parents per node, a recursive depth-first
topological sort. Nothing is tuned. Chapter 7 of the book and ``python -m bench
micrograd_step`` run it beside micrograd on the same workload and report the ratio of
the two, measured in one run. Not tangled from a chapter: it is the yardstick, not part
of what the book builds.

API: NaiveValue(data) supporting + - * / ** (number exponent), negation, reflected
operators, relu(), tanh(), exp(), backward(); attributes data and grad.
A matching NaiveMLP(nin, nouts) with parameters() and zero_grad() is included so that a
whole training step can be compared.
"""

import math
import random


class NaiveValue:
    """A scalar ``data`` with its gradient ``grad``; each operation returns a new node."""

    def __init__(self, data, parents=(), op=""):
        self.data = data
        self.grad = 0.0
        self._local_backward = lambda: None
        self._parents = set(parents)
        self._op = op

    @staticmethod
    def _wrap(x):
        return x if isinstance(x, NaiveValue) else NaiveValue(x)

    def __add__(self, other):
        other = self._wrap(other)
        result = NaiveValue(self.data + other.data, (self, other), "+")

        def local_backward():
            self.grad += result.grad
            other.grad += result.grad

        result._local_backward = local_backward
        return result

    def __mul__(self, other):
        other = self._wrap(other)
        result = NaiveValue(self.data * other.data, (self, other), "*")

        def local_backward():
            self.grad += other.data * result.grad
            other.grad += self.data * result.grad

        result._local_backward = local_backward
        return result

    def __pow__(self, exponent):
        result = NaiveValue(self.data**exponent, (self,), "**")

        def local_backward():
            self.grad += exponent * self.data ** (exponent - 1) * result.grad

        result._local_backward = local_backward
        return result

    def relu(self):
        result = NaiveValue(self.data if self.data > 0 else 0.0, (self,), "relu")

        def local_backward():
            self.grad += (result.data > 0) * result.grad

        result._local_backward = local_backward
        return result

    def tanh(self):
        t = math.tanh(self.data)
        result = NaiveValue(t, (self,), "tanh")

        def local_backward():
            self.grad += (1 - t * t) * result.grad

        result._local_backward = local_backward
        return result

    def exp(self):
        e = math.exp(self.data)
        result = NaiveValue(e, (self,), "exp")

        def local_backward():
            self.grad += e * result.grad

        result._local_backward = local_backward
        return result

    def backward(self):
        order, seen = [], set()

        def visit(node):
            if node not in seen:
                seen.add(node)
                for parent in node._parents:
                    visit(parent)
                order.append(node)

        visit(self)
        self.grad = 1.0
        for node in reversed(order):
            node._local_backward()

    def __neg__(self):
        return self * -1

    def __radd__(self, other):
        return self + other

    def __sub__(self, other):
        return self + (-other)

    def __rsub__(self, other):
        return other + (-self)

    def __rmul__(self, other):
        return self * other

    def __truediv__(self, other):
        return self * other**-1

    def __rtruediv__(self, other):
        return other * self**-1

    def __repr__(self):
        return f"NaiveValue(data={self.data}, grad={self.grad})"


class _NaiveNeuron:
    def __init__(self, nin, nonlin=True):
        self.w = [NaiveValue(random.uniform(-1, 1)) for _ in range(nin)]
        self.b = NaiveValue(0.0)
        self.nonlin = nonlin

    def __call__(self, x):
        act = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)
        return act.relu() if self.nonlin else act

    def parameters(self):
        return self.w + [self.b]


class NaiveMLP:
    """``nouts`` layers of ReLU neurons (the last one linear) on ``nin`` inputs."""

    def __init__(self, nin, nouts):
        sizes = [nin] + list(nouts)
        self.layers = [
            [_NaiveNeuron(sizes[i], nonlin=i != len(nouts) - 1) for _ in range(sizes[i + 1])]
            for i in range(len(nouts))
        ]

    def __call__(self, x):
        for layer in self.layers:
            x = [neuron(x) for neuron in layer]
        return x[0] if len(x) == 1 else x

    def parameters(self):
        return [p for layer in self.layers for neuron in layer for p in neuron.parameters()]

    def zero_grad(self):
        for p in self.parameters():
            p.grad = 0.0
