"""One training step of MLP(2, [16, 16, 1]) on 100 two-moons points: ours vs the naive engine.

Prints, from one run, side by side: the step time (with Python's garbage collector on, as
in any script, and the part of it spent in the collector), the ratio to the naive engine,
ns per graph node for the forward and the backward pass, and bytes per leaf value. Times
are processor time of this process (``time.process_time``), best of REPEATS steps, so that
other programs on a busy machine disturb the comparison as little as possible.

The naive engine is ``naive_value.py`` from ``shared/bench`` beside the repository (or
beside one of its parent directories); without it only our two graphs are compared.
"""

from __future__ import annotations

import gc
import random
import sys
import time
import tracemalloc
from pathlib import Path

from micrograd.datasets import make_moons
from micrograd.engine import Value
from micrograd.losses import l2_penalty, max_margin_loss
from micrograd.nn import MLP

REPEATS = 3
SEED = 1337


def find_naive():
    """(NaiveValue, NaiveMLP) from ``shared/bench/naive_value.py``, or None."""
    for folder in Path(__file__).resolve().parents:
        bench = folder / "shared" / "bench"
        if (bench / "naive_value.py").exists():
            sys.path.insert(0, str(bench))
            from naive_value import NaiveMLP, NaiveValue

            return NaiveValue, NaiveMLP
    return None


def count_nodes(root) -> int:
    seen, stack = set(), [root]
    while stack:
        v = stack.pop()
        if v not in seen:
            seen.add(v)
            stack.extend(getattr(v, "_prev", None) or getattr(v, "_parents", ()))
    return len(seen)


class GCTimer:
    """Seconds spent in garbage collections while installed (``gc.callbacks``)."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._start = 0.0

    def __call__(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._start = time.process_time()
        else:
            self.seconds += time.process_time() - self._start

    def __enter__(self) -> GCTimer:
        gc.callbacks.append(self)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self)


def elementary_loss(scores, labels, parameters):
    """The same loss from the engine's own operators (``*``, ``-``, ``+``, ``relu``), for any
    engine: the hinge loss plus the L2 penalty, as the classifier chapter first writes it."""
    margins = (1 - yj * sj for sj, yj in zip(scores, labels, strict=True))
    hinge = sum(m.relu() for m in margins) * (1.0 / len(scores))
    return hinge + 1e-4 * sum(p * p for p in parameters)


def package_loss(scores, labels, parameters):
    """The package's losses, one node each."""
    return max_margin_loss(scores, labels) + l2_penalty(parameters, 1e-4)


def measure(make_model, loss_fn, inputs, labels) -> dict[str, float]:
    """Best-of-REPEATS timings of one step, split into forward, backward and update."""
    random.seed(SEED)
    model = make_model()
    runs = []
    for _ in range(REPEATS + 1):  # the first run warms up and is not counted
        gc.collect()
        with GCTimer() as collector:
            t0 = time.process_time()
            scores = [model(x) for x in inputs]
            loss = loss_fn(scores, labels, model.parameters())
            t1 = time.process_time()
            model.zero_grad()
            loss.backward()
            t2 = time.process_time()
            for p in model.parameters():
                p.data -= 0.1 * p.grad
            t3 = time.process_time()
        run = {"forward": t1 - t0, "backward": t2 - t1, "step": t3 - t0, "gc": collector.seconds}
        run["nodes"] = count_nodes(loss)
        run["loss"] = loss.data
        del scores, loss
        runs.append(run)
    best = min(runs[1:], key=lambda run: run["step"])
    best["loss"] = runs[0]["loss"]  # before any update: the same weights on every engine
    return best


def bytes_per_value(make, n: int = 50_000) -> float:
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    values = [make(float(i)) for i in range(n)]
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    del values
    return (after - before) / n


def main() -> None:
    X, y = make_moons(100, noise=0.1, seed=0)
    inputs, labels = X.tolist(), y.tolist()
    engines = {}
    naive = find_naive()
    if naive is not None:
        NaiveValue, NaiveMLP = naive
        engines["naive engine"] = (lambda: NaiveMLP(2, [16, 16, 1]), elementary_loss, NaiveValue)
    else:
        print("naive_value.py not found beside the repository: comparing our two graphs only")
    engines["ours, fused=False"] = (
        lambda: MLP(2, [16, 16, 1], fused=False),
        elementary_loss,
        Value,
    )
    engines["ours (fused, default)"] = (lambda: MLP(2, [16, 16, 1]), package_loss, Value)

    results = {
        name: measure(make, loss, inputs, labels) for name, (make, loss, _) in engines.items()
    }
    sizes = {name: bytes_per_value(cls) for name, (_, _, cls) in engines.items()}
    base = results[next(iter(results))]

    print(f"MLP(2, [16, 16, 1]), 100 two-moons points, best of {REPEATS} steps")
    header = (
        f"{'engine':<22} {'nodes':>7} {'step ms':>8} {'GC ms':>7} {'ratio':>6} "
        f"{'ratio noGC':>10} {'fwd ns/node':>11} {'bwd ns/node':>11} {'B/Value':>7}"
    )
    print(header)
    print("-" * len(header))
    for name, r in results.items():
        ratio = base["step"] / r["step"]
        ratio_no_gc = (base["step"] - base["gc"]) / (r["step"] - r["gc"])
        print(
            f"{name:<22} {r['nodes']:>7,} {1e3 * r['step']:>8.1f} {1e3 * r['gc']:>7.1f} "
            f"{ratio:>5.1f}x {ratio_no_gc:>9.1f}x {1e9 * r['forward'] / r['nodes']:>11.0f} "
            f"{1e9 * r['backward'] / r['nodes']:>11.0f} {sizes[name]:>7.0f}"
        )
    first = [r["loss"] for r in results.values()]
    same = max(first) - min(first) <= 1e-12 * max(1.0, abs(first[0]))
    print(f"same first loss on every engine (to 1e-12): {same} ({first[0]:.12f})")
    ours = results["ours (fused, default)"]
    print(
        f"our step is {base['step'] / ours['step']:.1f}x faster than the {next(iter(results))}"
        " (goal: >= 20x against the naive engine)"
    )


if __name__ == "__main__":
    main()
