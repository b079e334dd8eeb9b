"""The neural model: count-form training equals one-hot training, and converges to counts."""

from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

from makemore.counting import CountModel, count_table
from makemore.neural import NeuralModel, count_form_loss
from makemore.vocab import Vocab, examples
from makemore.words import read_words

WORDS = read_words(Path(__file__).parent / "data" / "words.txt")


def one_hot_training(W0, x, y, steps, lr, reg):
    """The lecture's loop: one-hot inputs, softmax, mean NLL of every example."""
    W = W0.clone().requires_grad_()
    losses = []
    xenc = F.one_hot(x, num_classes=W.shape[0]).float()
    for _ in range(steps):
        counts = (xenc @ W).exp()
        probs = counts / counts.sum(1, keepdim=True)
        loss = -probs[torch.arange(len(y)), y].log().mean() + reg * (W**2).mean()
        losses.append(loss.item())
        W.grad = None
        loss.backward()
        W.data += -lr * W.grad
    return W.detach(), losses


def test_count_form_loss_and_gradient_equal_the_one_hot_form():
    vocab = Vocab.from_words(WORDS)
    x, y = examples(WORDS, vocab)
    W = torch.randn(len(vocab), len(vocab), generator=torch.Generator().manual_seed(0))
    W1 = W.clone().requires_grad_()
    loss1 = F.cross_entropy(W1[x], y) + 0.01 * (W1**2).mean()
    loss1.backward()
    W2 = W.clone().requires_grad_()
    loss2 = count_form_loss(W2, count_table(WORDS, vocab), 0.01)
    loss2.backward()
    assert loss2.item() == pytest.approx(loss1.item(), abs=1e-6)
    assert torch.allclose(W2.grad, W1.grad, atol=1e-7)


def test_count_form_training_equals_one_hot_training():
    vocab = Vocab.from_words(WORDS)
    x, y = examples(WORDS, vocab)
    W0 = torch.randn(len(vocab), len(vocab), generator=torch.Generator().manual_seed(1))
    W_hot, hot_losses = one_hot_training(W0, x, y, steps=50, lr=10.0, reg=0.01)
    model = NeuralModel(vocab, W0)
    losses = model.train(count_table(WORDS, vocab), steps=50, lr=10.0, reg=0.01)
    assert max(abs(a - b) for a, b in zip(losses, hot_losses, strict=True)) < 1e-5
    assert torch.allclose(model.weights, W_hot, atol=1e-4)


def test_net_converges_to_the_counting_model():
    """Without a regulariser the optimum is the unsmoothed counting model (the MLE)."""
    vocab = Vocab.from_words(WORDS)
    counts = CountModel.fit(WORDS, vocab, smoothing=0)
    net = NeuralModel.fit(WORDS, vocab, steps=3000, lr=20.0, reg=0.0, seed=0)
    seen = counts.counts.sum(1) > 0  # contexts that occur in the words
    assert (net.probs()[seen] - counts.probs()[seen]).abs().max().item() < 0.005
    # The counts maximise the likelihood, so the net can approach but not beat them.
    assert 0 <= net.nll(WORDS) - counts.nll(WORDS) < 2e-3


def test_neural_model_takes_context_length():
    net = NeuralModel.fit(WORDS, context=2, steps=5)
    assert net.weights.shape == (len(net.vocab) ** 2, len(net.vocab))
    assert len(net.losses) == 5


@pytest.mark.parametrize(
    ("steps", "lr", "reg", "message"),
    [(-1, 1.0, 0.0, "steps"), (1, 0.0, 0.0, "learning rate"), (1, 1.0, -1.0, "regularisation")],
)
def test_bad_training_settings_are_refused(steps, lr, reg, message):
    net = NeuralModel.init(Vocab("ab"))
    with pytest.raises(ValueError, match=message):
        net.train(torch.ones(3, 3), steps, lr, reg)
