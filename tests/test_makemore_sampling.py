"""The seeded sampler: the lecture's names, PyTorch's old multinomial kernel, equal models."""

from pathlib import Path

import pytest
import torch

from makemore.counting import CountModel
from makemore.model import TableModel
from makemore.neural import NeuralModel
from makemore.sampling import MAX_LENGTH, CutWord, inverse_cdf, sample_words
from makemore.vocab import Vocab
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
    cdf = inverse_cdf(p.unsqueeze(0))[0].tolist()
    uniforms = [torch.rand(1, dtype=torch.float64, generator=g).item() for _ in range(200)]
    ours = [sum(c < u for c in cdf) for u in uniforms]  # first index with cdf >= u
    assert ours == expected.tolist()


def test_sampler_leaves_the_generator_after_one_draw_per_character():
    model = CountModel.fit(NAMES)
    g, h = torch.Generator().manual_seed(5), torch.Generator().manual_seed(5)
    made_up = model.sample(7, g)
    draws = sum(len(w) + 1 for w in made_up)  # each character and each end marker
    torch.rand(draws, dtype=torch.float64, generator=h)
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


def no_end_model(words, **kwargs):
    """A counts model, no smoothing, whose column 0 (the end marker) is all zero."""
    model = CountModel.fit(words, smoothing=0, **kwargs)
    model.counts[:, 0] = 0
    return model


@pytest.mark.parametrize("context", [1, 2])
def test_a_model_that_never_ends_a_word_gives_cut_words_and_halts(context):
    model = no_end_model(NAMES[:500], context=context)
    assert float(model.probs()[:, 0].sum()) == 0.0
    made_up = model.sample(3, torch.Generator().manual_seed(0), max_length=40)
    assert [len(w) for w in made_up] == [40, 40, 40]
    assert all(isinstance(w, CutWord) for w in made_up)
    default = model.sample(1, torch.Generator().manual_seed(0))[0]
    assert isinstance(default, CutWord) and len(default) == MAX_LENGTH


def test_a_word_of_exactly_max_length_is_not_cut():
    v = Vocab("ab")
    # '.' -> 'a' -> 'b' -> '.': every word is "ab", two characters.
    probs = torch.tensor([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [1.0, 0.0, 0.0]])
    exact = sample_words(probs, v, 2, torch.Generator(), max_length=2)
    assert exact == ["ab", "ab"] and not any(isinstance(w, CutWord) for w in exact)
    short = sample_words(probs, v, 1, torch.Generator(), max_length=1)
    assert short == ["a"] and isinstance(short[0], CutWord)


def test_finished_words_are_plain_strings_and_the_lecture_is_unchanged_by_the_cap():
    model = CountModel.fit(NAMES)
    made_up = model.sample(5, torch.Generator().manual_seed(SEED), max_length=15)
    assert made_up == LECTURE_COUNTS
    assert not any(isinstance(w, CutWord) for w in made_up)


@pytest.mark.parametrize("max_length", [0, -3, 2.5, True, None])
def test_a_bad_maximum_length_is_refused(max_length):
    model = CountModel.fit(["ab"])
    with pytest.raises(ValueError, match="maximum word length"):
        model.sample(1, torch.Generator(), max_length=max_length)


def test_a_net_whose_end_logits_are_minus_1e30_gives_cut_words():
    vocab = Vocab("ab")
    weights = torch.zeros(3, 3)
    weights[:, 0] = -1e30  # exp underflows to 0: the end marker can never be drawn
    net = NeuralModel(vocab, weights)
    assert float(net.probs()[:, 0].sum()) == 0.0
    made_up = net.sample(2, torch.Generator().manual_seed(0), max_length=25)
    assert all(isinstance(w, CutWord) and len(w) == 25 for w in made_up)


def test_any_table_model_scores_and_samples_through_the_base():
    class Fixed(TableModel):
        def __init__(self, table):
            self.vocab, self.context, self.table = Vocab("ab"), 1, table

        def probs(self):
            return self.table

    counts = CountModel.fit(["ab", "ba", "aab"], smoothing=0.5)
    fixed = Fixed(counts.probs())
    assert fixed.nll(["ab", "b"]) == counts.nll(["ab", "b"])
    g, h = torch.Generator().manual_seed(3), torch.Generator().manual_seed(3)
    assert fixed.sample(10, g) == counts.sample(10, h)
    with pytest.raises(NotImplementedError, match="TableModel does not define probs"):
        TableModel().probs()
