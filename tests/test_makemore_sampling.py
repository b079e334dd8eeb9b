"""The seeded sampler: the lecture's names, PyTorch's old multinomial kernel, equal models."""

from pathlib import Path

import pytest
import torch

from makemore.counting import CountModel
from makemore.neural import NeuralModel
from makemore.sampling import UniformStream, inverse_cdf, sample_words
from makemore.words import read_words

NAMES = read_words(Path(__file__).parents[1] / "data" / "names.txt")
SEED = 2147483647
# Printed in the lecture (makemore part 1, Karpathy) for this seed.
LECTURE_COUNTS = ["mor", "axx", "minaymoryles", "kondlaisah", "anchshizarie"]
LECTURE_NET = ["mor", "axx", "minaymoryles", "kondlaisah", "anchthizarie"]


def test_counting_model_reproduces_the_lecture():
    model = CountModel.fit(NAMES)
    assert model.sample(5, torch.Generator().manual_seed(SEED)) == LECTURE_COUNTS


def test_trained_net_reproduces_the_lecture():
    net = NeuralModel.fit(NAMES, steps=267, lr=50.0, reg=0.01, seed=SEED)
    assert net.sample(5, torch.Generator().manual_seed(SEED)) == LECTURE_NET


@pytest.mark.parametrize("seed", [0, 1, 7])
def test_draws_equal_torch_multinomial_old_kernel(seed):
    """With more than one sample, torch.multinomial still runs the inverse-CDF kernel."""
    g = torch.Generator().manual_seed(seed)
    p = torch.rand(7, generator=g) ** 3
    state = g.get_state()
    expected = torch.multinomial(p, num_samples=200, replacement=True, generator=g)
    g.set_state(state)
    probs = p.repeat(7, 1)  # every context has the row p, so each draw uses p
    cdf = inverse_cdf(probs)[0].tolist()
    with UniformStream(g) as stream:
        uniforms = [next(stream) for _ in range(200)]
    ours = [sum(c < u for c in cdf) for u in uniforms]  # first index with cdf >= u
    assert ours == expected.tolist()


def test_uniform_stream_leaves_the_generator_as_single_draws_would():
    g, h = torch.Generator().manual_seed(3), torch.Generator().manual_seed(3)
    with UniformStream(g, block=4) as stream:
        got = [next(stream) for _ in range(37)]  # crosses several blocks
    want = [torch.rand(1, dtype=torch.float64, generator=h).item() for _ in range(37)]
    assert got == want
    assert torch.equal(g.get_state(), h.get_state())


def test_equal_models_give_equal_samples():
    counts = CountModel.fit(NAMES)
    net = NeuralModel(counts.vocab, torch.zeros(27, 27))
    net.weights = counts.probs().log()
    # softmax(log P) is P up to float32 rounding; the sampled names agree.
    a = counts.sample(50, torch.Generator().manual_seed(SEED))
    b = net.sample(50, torch.Generator().manual_seed(SEED))
    assert a == b
    # Bit-equal tables give equal names by construction of the shared sampler.
    table = counts.probs()
    assert sample_words(table, counts.vocab, 20, torch.Generator().manual_seed(1)) == counts.sample(
        20, torch.Generator().manual_seed(1)
    )


def test_sampling_continues_the_same_stream():
    model = CountModel.fit(NAMES)
    g = torch.Generator().manual_seed(SEED)
    first, second = model.sample(2, g), model.sample(3, g)
    assert first + second == LECTURE_COUNTS


def test_longer_context_samples_only_seen_continuations():
    model = CountModel.fit(NAMES[:2000], context=2, smoothing=0)
    made_up = model.sample(30, torch.Generator().manual_seed(0))
    trigrams = {
        w2[i : i + 3]
        for w in NAMES[:2000]
        for w2 in ["." * 2 + w + "."]
        for i in range(len(w2) - 2)
    }
    for w in made_up:
        padded = ".." + w + "."
        assert all(padded[i : i + 3] in trigrams for i in range(len(padded) - 2))


def test_bad_requests_are_refused():
    model = CountModel.fit(["ab"])
    with pytest.raises(ValueError, match="number of words"):
        model.sample(-1, torch.Generator())
