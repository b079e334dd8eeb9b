"""makemore bigram: counting, a training step and sampling, the lecture's way against the package's.

Run with ``python -m bench makemore_bigram``. Everything runs on one thread, so that the
figures do not depend on what else the machine is doing.
"""

import time
from pathlib import Path

import torch
import torch.nn.functional as F

from makemore.counting import CountModel, count_table
from makemore.neural import count_form_loss
from makemore.vocab import Vocab, examples
from makemore.words import read_words

NAMES = Path(__file__).resolve().parents[1] / "data" / "names.txt"
SEED = 2147483647


def best_time(function, repeat: int = 5, number: int = 1) -> float:
    """The fastest of ``repeat`` timings of ``number`` calls, in seconds per call."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            function()
        best = min(best, (time.perf_counter() - start) / number)
    return best


def lecture_count(words: list[str]) -> torch.Tensor:
    """The lecture: vocabulary, then a Python double loop with one tensor update per bigram."""
    chars = sorted(set("".join(words)))
    stoi = {s: i + 1 for i, s in enumerate(chars)}
    stoi["."] = 0
    N = torch.zeros((27, 27), dtype=torch.int32)
    for w in words:
        chs = ["."] + list(w) + ["."]
        for a, b in zip(chs, chs[1:], strict=False):
            N[stoi[a], stoi[b]] += 1
    return N


def package_count(words: list[str]) -> torch.Tensor:
    return count_table(words, Vocab.from_words(words))


def bench_counting(words: list[str]) -> None:
    slow = best_time(lambda: lecture_count(words), repeat=1)
    fast = best_time(lambda: package_count(words), repeat=7)
    same = torch.equal(lecture_count(words).long(), package_count(words))
    print("words -> count matrix (end to end, encoding included)")
    print(f"  lecture double loop   {slow * 1e3:10.1f} ms")
    print(f"  package (bincount)    {fast * 1e3:10.2f} ms   {slow / fast:7.0f}x   equal: {same}")


def bench_training(words: list[str]) -> None:
    vocab = Vocab.from_words(words)
    xs, ys = examples(words, vocab)
    N = count_table(words, vocab)
    W0 = torch.randn((27, 27), generator=torch.Generator().manual_seed(SEED))
    xenc = F.one_hot(xs, num_classes=27).float()
    rows = torch.arange(len(ys))
    reg = 0.01

    def one_hot(W):
        counts = (xenc @ W).exp()
        return -(counts / counts.sum(1, keepdim=True))[rows, ys].log().mean() + reg * (W**2).mean()

    def indexing(W):
        counts = W[xs].exp()
        return -(counts / counts.sum(1, keepdim=True))[rows, ys].log().mean() + reg * (W**2).mean()

    def cross_entropy(W):
        return F.cross_entropy(W[xs], ys) + reg * (W**2).mean()

    def count_form(W):
        return count_form_loss(W, N, reg)

    forms = [
        ("one-hot matmul (lecture)", one_hot),
        ("row indexing", indexing),
        ("F.cross_entropy", cross_entropy),
        ("count matrix (package)", count_form),
    ]
    # The reference trajectory: the lecture's one-hot form in float64.
    W64 = W0.double().requires_grad_()
    reference = []
    for _ in range(10):
        counts = (xenc.double() @ W64).exp()
        loss = -(counts / counts.sum(1, keepdim=True))[rows, ys].log().mean()
        loss = loss + reg * (W64**2).mean()
        W64.grad = None
        loss.backward()
        with torch.no_grad():
            W64 -= 50 * W64.grad
        reference.append(loss.item())
    print(f"net training step on all {len(xs):,} bigrams (forward + backward + update, lr 50)")
    print("  (loss error: largest difference from the float64 one-hot losses over 10 steps)")
    baseline, lecture = None, None
    for name, loss_of in forms:
        W = W0.clone().requires_grad_()
        losses = []

        def step(W=W, loss_of=loss_of, losses=losses):
            loss = loss_of(W)
            W.grad = None
            loss.backward()
            with torch.no_grad():
                W -= 50 * W.grad
            losses.append(loss.item())

        for _ in range(10):  # the first ten steps give the losses to compare
            step()
        first = losses[:10]
        seconds = best_time(step, repeat=3, number=3 if loss_of is not count_form else 300)
        lecture = lecture or first
        baseline = baseline or seconds
        error = max(abs(a - b) for a, b in zip(first, reference, strict=True))
        gap = max(abs(a - b) for a, b in zip(first, lecture, strict=True))
        print(
            f"  {name:25s} {seconds * 1e3:9.3f} ms   {baseline / seconds:6.0f}x"
            f"   loss error {error:.1e}   vs lecture's float32 losses {gap:.1e}"
        )


def bench_sampling(words: list[str]) -> None:
    model = CountModel.fit(words)
    P = model.probs()
    n = 2000

    def with_multinomial():
        g = torch.Generator().manual_seed(SEED)
        chars = 0
        for _ in range(n):
            ix = 0
            while True:
                ix = torch.multinomial(P[ix], num_samples=1, replacement=True, generator=g).item()
                chars += 1
                if ix == 0:
                    break
        return chars

    start = time.perf_counter()
    theirs_chars = with_multinomial()
    theirs = (time.perf_counter() - start) / theirs_chars
    start = time.perf_counter()
    made_up = model.sample(n, torch.Generator().manual_seed(SEED))
    ours = (time.perf_counter() - start) / sum(len(w) + 1 for w in made_up)
    print(f"sampling {n} names, per character")
    print(f"  torch.multinomial per character  {theirs * 1e6:7.2f} us")
    print(f"  package inverse-CDF sampler      {ours * 1e6:7.2f} us   {theirs / ours:5.1f}x faster")


def main() -> None:
    torch.set_num_threads(1)
    words = read_words(NAMES)
    bench_counting(words)
    bench_training(words)
    bench_sampling(words)


if __name__ == "__main__":
    main()
