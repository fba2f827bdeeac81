"""A character-level language model small enough to train on a laptop CPU: an MLP over a window of characters.

The model reads the ``context`` characters before a position and predicts the next one, the same task as a
character-level transformer (Bengio et al. 2003's neural probabilistic language model, in its simplest form):

    x   = concat(E[c_1], ..., E[c_k])                 embeddings of the k context characters (k·e values)
    h_1 = relu(x W_1 + b_1),  h_l = relu(h_{l-1} W_l + b_l)      ``depth`` hidden layers of ``width`` units
    p   = softmax(h_depth W_out + b_out)              a distribution over the 97 symbols

and is trained by Adam (Kingma & Ba 2015, Algorithm 1) on the mean cross-entropy in nats per character. The forward
and backward passes are written out by hand in NumPy: one batch is a few large matrix products, so most of the
time goes into BLAS (see :func:`scalingedu.lab.flops.training_flops_per_step` for the exact count).

All parameters live in one flat float32 buffer (the matrices are views into it), so that Adam updates everything
with a handful of whole-array operations instead of a Python loop over tensors.

Two parametrisations. "sp" (standard parametrisation, the default; every shipped result before lesson 10 used it)
initialises the ReLU layers He-normal (variance 2/fan_in), the output layer with standard deviation 0.5/sqrt(width)
and trains every parameter at the same Adam learning rate. "mup" is the maximal-update parametrisation of Yang et
al. 2022 ("Tensor Programs V", arXiv:2203.03466, Table 3, the µP rules for Adam), relative to a ``base_width``
where it coincides with "sp": with the width multiplier m = width / base_width,

- input-like weights (the embedding and the first layer, whose fan-in context·embedding does not grow with width)
  and every bias keep their initialisation and their learning rate η;
- hidden weights (width × width) keep the initialisation variance ∝ 1/fan_in and train at η/m;
- the output weights start with variance ∝ 1/fan_in² (standard deviation 0.5/sqrt(width) · sqrt(base_width/width):
  that of "sp" at the base width) and train at η/m.

With Adam an update moves every weight by about its learning rate whatever the gradient's scale, so a width×width
matrix updated at η changes its layer's output by about η·width: the per-matrix rates η/m keep every layer's change
per step the same at every width, which is why the best η found at a small width transfers to wide models.
:attr:`MLPLanguageModel.learning_rate_scale` holds the per-parameter factors (1/m or 1) over the flat buffer.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .. import _validate as v
from .corpus import VOCAB_SIZE

PARAMETRIZATIONS = ("sp", "mup")
"""Standard parametrisation and maximal-update parametrisation (µP; Yang et al. 2022, Table 3)."""


@dataclass(frozen=True)
class ModelConfig:
    """The shape of one lab model: ``width`` hidden units in each of ``depth`` layers over ``context`` characters,
    each embedded in ``embedding`` numbers, predicting one of ``vocab`` symbols."""

    width: int
    depth: int = 2
    context: int = 16
    embedding: int = 16
    vocab: int = VOCAB_SIZE

    def __post_init__(self):
        v.positive_int("width", self.width, maximum=65536)
        v.positive_int("depth", self.depth, maximum=16)
        v.positive_int("context", self.context, maximum=4096)
        v.positive_int("embedding", self.embedding, maximum=4096)
        v.positive_int("vocab", self.vocab, minimum=2, maximum=65536)

    def shapes(self) -> dict[str, tuple[int, ...]]:
        """Name -> shape of every parameter tensor, in the order they are stored."""
        shapes = {"embedding": (self.vocab, self.embedding)}
        fan_in = self.context * self.embedding
        for layer in range(self.depth):
            shapes[f"w{layer}"] = (fan_in, self.width)
            shapes[f"b{layer}"] = (self.width,)
            fan_in = self.width
        shapes["w_out"] = (self.width, self.vocab)
        shapes["b_out"] = (self.vocab,)
        return shapes

    @property
    def params(self) -> int:
        """All trainable parameters, embeddings included (as Hoffmann et al. count them)."""
        return sum(math.prod(shape) for shape in self.shapes().values())

    @property
    def matmul_params(self) -> int:
        """Parameters that multiply an activation in the forward pass: the weight matrices (no embeddings, biases)."""
        return sum(math.prod(shape) for name, shape in self.shapes().items() if name.startswith("w"))


class MLPLanguageModel:
    """Parameters, forward and backward pass of a :class:`ModelConfig`, with Adam state.

    ``seed`` fixes the initialisation (He-normal for the ReLU layers, small normal for the embeddings and the
    output layer, zero biases). ``dtype`` is float32 for training; the gradient check uses float64.
    ``parametrization`` is "sp" (standard) or "mup" (maximal update, relative to ``base_width``; see the module's
    docstring): at ``width == base_width`` the two are the same model, bit for bit.
    """

    def __init__(self, config: ModelConfig, seed: int = 0, dtype=np.float32, *, parametrization: str = "sp",
                 base_width: int = 32):
        if not isinstance(config, ModelConfig):
            raise TypeError(f"config must be a ModelConfig, not {type(config).__name__}")
        self.config = config
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.float32, np.float64):
            raise TypeError(f"dtype must be float32 or float64, not {self.dtype}")
        self.parametrization = v.one_of("parametrization", parametrization, PARAMETRIZATIONS)
        self.base_width = v.positive_int("base_width", base_width, maximum=65536)
        shapes = config.shapes()
        self.flat = np.zeros(config.params, dtype=self.dtype)
        self.grad_flat = np.zeros_like(self.flat)
        self._bind_views()
        # shrink = 1/m = base_width/width under "mup"; under "sp" it is exactly 1 and nothing below changes
        shrink = self.base_width / config.width if self.parametrization == "mup" else 1.0
        rng = np.random.default_rng(seed)
        self.param["embedding"][...] = rng.standard_normal(shapes["embedding"])
        for layer in range(config.depth):
            fan_in = shapes[f"w{layer}"][0]
            self.param[f"w{layer}"][...] = rng.standard_normal(shapes[f"w{layer}"]) * math.sqrt(2.0 / fan_in)
        output_std = 0.5 / math.sqrt(config.width)
        if shrink != 1.0:
            output_std *= math.sqrt(shrink)          # variance ∝ 1/width² instead of 1/width
        self.param["w_out"][...] = rng.standard_normal(shapes["w_out"]) * output_std
        # per-parameter factor on Adam's rate: 1/m on the hidden and output weights under "mup", 1 elsewhere
        self.learning_rate_scale = np.ones_like(self.flat)
        if shrink != 1.0:
            scale = self._views(self.learning_rate_scale)
            for layer in range(1, config.depth):
                scale[f"w{layer}"][...] = shrink
            scale["w_out"][...] = shrink
        self._uniform_rate = bool(np.all(self.learning_rate_scale == 1.0))
        self._adam_m = np.zeros_like(self.flat)
        self._adam_v = np.zeros_like(self.flat)
        self._adam_steps = 0

    def _views(self, buffer: np.ndarray) -> dict[str, np.ndarray]:
        views, offset = {}, 0
        for name, shape in self.config.shapes().items():
            size = math.prod(shape)
            views[name] = buffer[offset:offset + size].reshape(shape)
            offset += size
        return views

    def _bind_views(self) -> None:
        self.param: dict[str, np.ndarray] = self._views(self.flat)
        self.grad: dict[str, np.ndarray] = self._views(self.grad_flat)

    def copy(self) -> MLPLanguageModel:
        """An independent copy: same parameters, same Adam state (moments and step count), same parametrisation.
        Training the copy continues exactly as the original would have (a checkpoint to branch from)."""
        twin = object.__new__(MLPLanguageModel)
        twin.__dict__.update(self.__dict__)
        for name in ("flat", "grad_flat", "learning_rate_scale", "_adam_m", "_adam_v"):
            setattr(twin, name, getattr(self, name).copy())
        twin._bind_views()
        return twin

    # --- forward and backward -------------------------------------------------------------------------------------
    def _inputs(self, contexts: np.ndarray) -> np.ndarray:
        batch = contexts.shape[0]
        return self.param["embedding"][contexts].reshape(batch, -1)

    def logits(self, contexts: np.ndarray) -> np.ndarray:
        """Unnormalised next-character scores, shape (batch, vocab), for ``contexts`` of shape (batch, context)."""
        hidden = self._inputs(contexts)
        for layer in range(self.config.depth):
            hidden = hidden @ self.param[f"w{layer}"]
            hidden += self.param[f"b{layer}"]
            np.maximum(hidden, 0, out=hidden)
        out = hidden @ self.param["w_out"]
        out += self.param["b_out"]
        return out

    def loss(self, contexts: np.ndarray, targets: np.ndarray) -> float:
        """Mean cross-entropy (nats per character) of predicting ``targets`` from ``contexts``."""
        logits = self.logits(contexts)
        return float(_cross_entropy(logits, targets).mean())

    def loss_and_gradient(self, contexts: np.ndarray, targets: np.ndarray) -> float:
        """Mean cross-entropy over the batch; its gradient is left in :attr:`grad` (and :attr:`grad_flat`)."""
        config, p, g = self.config, self.param, self.grad
        batch = contexts.shape[0]
        activations = [self._inputs(contexts)]
        for layer in range(config.depth):
            hidden = activations[-1] @ p[f"w{layer}"]
            hidden += p[f"b{layer}"]
            np.maximum(hidden, 0, out=hidden)
            activations.append(hidden)
        logits = activations[-1] @ p["w_out"]
        logits += p["b_out"]
        # softmax and cross-entropy; d loss / d logits = (softmax - onehot) / batch
        logits -= logits.max(axis=1, keepdims=True)
        rows = np.arange(batch)
        target_logits = logits[rows, targets]
        np.exp(logits, out=logits)
        totals = logits.sum(axis=1, keepdims=True)
        loss = float(np.mean(np.log(totals[:, 0]) - target_logits))
        logits *= 1.0 / (totals * batch)
        logits[rows, targets] -= 1.0 / batch
        delta = logits
        np.matmul(activations[-1].T, delta, out=g["w_out"])
        np.sum(delta, axis=0, out=g["b_out"])
        weights = p["w_out"]
        for layer in reversed(range(config.depth)):
            delta = delta @ weights.T
            delta *= activations[layer + 1] > 0            # ReLU: gradient flows only where the unit was active
            np.matmul(activations[layer].T, delta, out=g[f"w{layer}"])
            np.sum(delta, axis=0, out=g[f"b{layer}"])
            weights = p[f"w{layer}"]
        d_inputs = (delta @ weights.T).reshape(-1, config.embedding)
        # Embedding gradient: sum the rows of d_inputs that belong to each character (a scatter-add done by one
        # bincount over (character, column) pairs: much faster than np.add.at).
        keys = (contexts.reshape(-1, 1).astype(np.int64) * config.embedding
                + np.arange(config.embedding)).ravel()
        g["embedding"][...] = np.bincount(keys, weights=d_inputs.ravel(),
                                          minlength=config.vocab * config.embedding).reshape(g["embedding"].shape)
        return loss

    # --- optimiser ------------------------------------------------------------------------------------------------
    def adam_step(self, learning_rate: float, beta1: float = 0.9, beta2: float = 0.99, eps: float = 1e-8) -> None:
        """One Adam update (Kingma & Ba 2015, Algorithm 1) of every parameter with the gradient in :attr:`grad`;
        each parameter's rate is ``learning_rate`` times its :attr:`learning_rate_scale` (µP's per-layer rates; that
        multiply, one FLOP per parameter, is not in :data:`scalingedu.lab.flops.ADAM_FLOPS_PER_PARAM`, which counts
        the standard parametrisation's update)."""
        self._adam_steps += 1
        t = self._adam_steps
        m, s, grad = self._adam_m, self._adam_v, self.grad_flat
        m *= beta1
        m += (1.0 - beta1) * grad
        s *= beta2
        grad *= grad
        s += (1.0 - beta2) * grad
        step = learning_rate * math.sqrt(1.0 - beta2 ** t) / (1.0 - beta1 ** t)
        denominator = np.sqrt(s, out=grad)                 # grad is spent: reuse its memory
        denominator += eps * math.sqrt(1.0 - beta2 ** t)
        update = step * m
        if not self._uniform_rate:
            update *= self.learning_rate_scale
        update /= denominator
        self.flat -= update


def _cross_entropy(logits: np.ndarray, targets: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_totals = np.log(np.exp(shifted).sum(axis=1))
    return log_totals - shifted[np.arange(len(targets)), targets]
