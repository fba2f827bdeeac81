"""The course's glossary: one definition per term, and the pattern that finds the term in a lesson's prose.

Every lesson links the first mention of each term in its prose to the term's entry of ``docs/glossary.md``
(``[MFU](../docs/glossary.md#mfu)``), so a learner who meets a word before the lesson that teaches it can look it
up in one click. ``scalingedu build-readme`` writes that page from :data:`TERMS`; ``tests/test_glossary.py`` fails
when a lesson mentions a term without linking its first mention, or when the page is out of date.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ._text import prose

GLOSSARY_PAGE = "docs/glossary.md"


@dataclass(frozen=True)
class Term:
    """A glossary entry: its anchor (``id``), the term as a heading, the regular expression that finds a mention
    in prose (matched case-insensitively unless ``case_sensitive``), the definition, and the lesson that teaches
    it fully."""

    id: str
    term: str
    pattern: str
    definition: str
    taught_in: int
    case_sensitive: bool = False

    def __post_init__(self):
        if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", self.id):
            raise ValueError(f"a term's id is lower case words joined by '-', got {self.id!r}")
        object.__setattr__(self, "definition", prose(self.definition))
        re.compile(self.pattern)

    @property
    def regex(self) -> re.Pattern:
        flags = 0 if self.case_sensitive else re.IGNORECASE
        pattern = self.pattern.replace("[- ]", "[-\\s]").replace(" ", r"\s+")   # prose wraps lines anywhere
        return re.compile(rf"(?<![\w-]){pattern}(?![\w-])", flags)


TERMS: tuple[Term, ...] = (
    Term("power-law", "power law", r"power[- ]laws?", taught_in=1, definition="""
        A relation y = a·x^b (plus, often, a constant floor c). On log–log axes it is a straight line of slope b;
        multiplying x by a factor k multiplies y by k^b whatever x is."""),
    Term("log-log-plot", "log–log plot", r"log[–-]log (?:plots?|axes)", taught_in=1, definition="""
        A plot with logarithmic scales on both axes: equal distances are equal ratios, so a power law is a
        straight line and its slope is the exponent."""),
    Term("irreducible-loss", "irreducible loss", r"irreducible(?:[- ]loss)?", taught_in=1, definition="""
        The floor E of a scaling law: the loss that no model size or amount of data removes in the fitted form.
        It is an asymptote of a fit, not a measured entropy of text: different fits of the same runs put it at
        different values (lesson 04 compares Hoffmann et al.'s with Besiroglu et al.'s)."""),
    Term("nats-per-token", "nats per token", r"nats?(?:/| per )(?:token|char(?:acter)?)", taught_in=3,
         definition="""
        The unit of a language model's loss: the average negative natural logarithm of the probability it gives
        to the next token (or character). 1 nat = 1/ln 2 ≈ 1.44 bits; a loss of L nats means the model is as
        unsure as a uniform choice among e^L tokens."""),
    Term("flop", "FLOP", r"FLOPs?", case_sensitive=True, taught_in=2, definition="""
        One floating-point operation (an addition or a multiplication). A training budget is counted in FLOPs;
        an accelerator's speed in FLOP/s."""),
    Term("6nd", "6ND", r"6\s?ND|\$6\s?ND\$", case_sensitive=True, taught_in=2, definition="""
        The approximate training cost of a dense transformer: 6 FLOPs per parameter per token (2 for the forward
        pass, 4 for the backward pass), so C ≈ 6·N·D for N parameters trained on D tokens (Kaplan et al. 2020,
        §2.1)."""),
    Term("pf-day", "PF-day", r"PF[- ]days?", case_sensitive=True, taught_in=0, definition="""
        A petaFLOP/s-day: 10^15 FLOP/s sustained for a day, 8.64·10^19 FLOPs. GPT-3's paper reports its
        training compute in PF-days."""),
    Term("mfu", "MFU", r"MFU", case_sensitive=True, taught_in=2, definition="""
        Model FLOPs utilisation: the FLOPs the model needs (6ND, or with attention) divided by what the
        accelerators could have done at their peak in the same time. Large runs report 30–50%."""),
    Term("hfu", "HFU", r"HFU", case_sensitive=True, taught_in=2, definition="""
        Hardware FLOPs utilisation: like MFU, but counting every FLOP the hardware ran, including the forward
        passes repeated by activation recomputation; HFU ≥ MFU."""),
    Term("non-embedding-parameters", "non-embedding parameters", r"non-embedding(?: parameters)?", taught_in=1,
         definition="""
        The parameters of a transformer without its token (and position) embedding tables: the N of Kaplan et al.
        (2020), who found that laws in this N hold across depths and widths."""),
    Term("tokens-per-parameter", "tokens per parameter", r"tokens? per parameter|tokens/param(?:eter)?",
         taught_in=4, definition="""
        D/N, the number of training tokens divided by the number of parameters. Chinchilla's compute-optimal
        ratio is about 20; models meant for heavy use are often trained far beyond it."""),
    Term("compute-optimal", "compute-optimal", r"compute[- ]optimal", taught_in=4, definition="""
        The split of a fixed training budget C between model size N and tokens D that gives the lowest loss
        (Hoffmann et al. 2022)."""),
    Term("isoflop-profile", "IsoFLOP profile", r"IsoFLOP(?: profiles?| curves?)?", taught_in=4, definition="""
        The final losses of models of different sizes all trained with the same compute budget, plotted against
        model size: a valley whose bottom is the compute-optimal size for that budget."""),
    Term("critical-batch-size", "critical batch size", r"critical batch(?: size)?", taught_in=10, definition="""
        The batch size beyond which more examples per step stop saving steps: below it, doubling the batch
        halves the steps needed; above it, it mostly wastes compute (McCandlish et al. 2018; Kaplan et al. 2020
        §5.1). It grows as the loss falls, so a run can use larger batches later."""),
    Term("gradient-noise-scale", "gradient noise scale", r"(?:gradient|simple) noise scale", taught_in=10,
         definition="""
        B_simple = tr(Σ)/|G|²: how noisy one example's gradient is (the trace of its covariance Σ) relative to the
        squared length of the true gradient G. Batches much smaller than it average away little noise per step;
        much larger ones waste examples. McCandlish et al. 2018 show it predicts the critical batch size."""),
    Term("mup", "µP (maximal update parametrisation)", r"µP|maximal[- ]update parametri[sz]ation", taught_in=10,
         definition="""
        A rule for how each layer's initialisation and learning rate scale with the width (Yang et al. 2022),
        chosen so that every layer's update changes its activations by the same amount at every width. The best
        learning rate found on a narrow model then transfers to a wide one; under the standard parametrisation it
        drifts."""),
    Term("warmup-stable-decay", "warmup-stable-decay (WSD) schedule", r"warmup[- ]stable[- ]decay|WSD",
         case_sensitive=True, taught_in=10, definition="""
        A learning-rate schedule with a short warm-up, a long constant phase and a short decay at the end. Until
        the decay the run does not depend on its planned length, so one run can be branched into decays at several
        budgets (Hu et al. 2024; Hägele et al. 2024)."""),
    Term("data-limited", "data-limited (overfitting)", r"data[- ]limited|overfit(?:s|ting)?", taught_in=3,
         definition="""
        A model with too little training data for its size: its loss is set by the data, not by its parameters,
        and a bigger model gains little or overfits (Kaplan et al. 2020, Eq. 4.4)."""),
    Term("epoch", "epoch", r"epochs?", case_sensitive=True, taught_in=5, definition="""
        One pass over the whole training set. Training for 4 epochs shows every unique token 4 times."""),
    Term("bootstrap", "bootstrap", r"bootstrap(?:ped|ping)?", taught_in=4, definition="""
        A way to measure the uncertainty of a fitted value: refit it many times on data resampled with
        replacement, and read the spread of the refits."""),
    Term("huber-loss", "Huber loss", r"Huber(?: loss)?", case_sensitive=True, taught_in=4, definition="""
        A loss that is quadratic for small residuals and linear for large ones, so a few outliers do not drag a
        fit; Hoffmann et al. (2022) fit their law with it."""),
    Term("data-parallelism", "data parallelism", r"data[- ]parallel(?:ism)?", taught_in=6, definition="""
        Each device holds a full copy of the model and trains on its own share of the batch; the gradients are
        averaged with an all-reduce after every step."""),
    Term("tensor-parallelism", "tensor parallelism", r"tensor[- ]parallel(?:ism)?", taught_in=6, definition="""
        Each weight matrix is split across devices (by columns, then rows, as in Megatron-LM), so every device
        computes part of every layer; it needs collective communication inside each layer."""),
    Term("pipeline-parallelism", "pipeline parallelism", r"pipeline[- ]parallel(?:ism)?", taught_in=6,
         definition="""
        The layers are cut into stages on different devices, and micro-batches flow through them like an
        assembly line."""),
    Term("micro-batch", "micro-batch", r"micro-?batch(?:es)?", taught_in=6, definition="""
        A slice of a training batch that is processed in one forward and backward pass; the gradients of several
        micro-batches are added up before the optimizer step (gradient accumulation), and pipelines keep several
        in flight."""),
    Term("pipeline-bubble", "pipeline bubble", r"(?:pipeline )?bubble", taught_in=6, definition="""
        The time pipeline stages sit idle while the pipeline fills and drains: (p − 1)/m of the useful time for p
        stages and m micro-batches in GPipe and 1F1B."""),
    Term("zero", "ZeRO", r"ZeRO", case_sensitive=True, taught_in=6, definition="""
        Zero Redundancy Optimizer (Rajbhandari et al. 2020): data parallelism that splits the optimizer states
        (stage 1), also the gradients (stage 2) and also the parameters (stage 3) across the devices instead of
        copying them."""),
    Term("fsdp", "FSDP", r"FSDP", case_sensitive=True, taught_in=6, definition="""
        Fully Sharded Data Parallel, PyTorch's implementation of ZeRO stage 3."""),
    Term("all-reduce", "all-reduce", r"all-reduces?", taught_in=6, definition="""
        A collective operation after which every device holds the sum (or mean) of all devices' arrays; a ring
        all-reduce sends about 2(n − 1)/n times the array's size per device."""),
    Term("activation-recomputation", "activation recomputation", r"(?:activation )?recomputation|recompute",
         taught_in=6, definition="""
        Keeping only some activations in the forward pass and recomputing the rest in the backward pass: less
        memory for about one more forward pass of FLOPs."""),
    Term("mixture-of-experts", "Mixture-of-Experts (MoE)", r"Mixture[- ]of[- ]Experts|MoEs?", taught_in=7,
         definition="""
        A transformer whose feed-forward block is replaced by many "expert" blocks, of which a router picks a
        few for each token: many parameters in total, few used per token."""),
    Term("active-parameters", "active parameters", r"active parameters?", taught_in=7, definition="""
        The parameters a Mixture-of-Experts model uses for one token (the shared layers plus the chosen
        experts); they set the FLOPs per token, while the total parameters set the memory."""),
    Term("capacity-factor", "capacity factor", r"capacity factor", taught_in=7, definition="""
        How many tokens an expert may take per batch, as a multiple of an even share; tokens routed beyond it
        are dropped (Switch Transformer, Fedus et al. 2022)."""),
    Term("router", "router", r"routers?|routing", taught_in=7, definition="""
        The small learned layer of a Mixture-of-Experts block that scores every expert for each token and sends
        the token to the best few (top-k)."""),
    Term("shared-expert", "shared expert", r"shared experts?", taught_in=7, definition="""
        An expert that every token passes through, next to the experts the router chooses for it (DeepSeek-V3 has
        one per layer)."""),
    Term("fine-grained-experts", "fine-grained experts", r"fine[- ]grained experts?", taught_in=7, definition="""
        Many small experts per layer, each much narrower than a dense model's MLP, of which each token uses
        several: more ways to combine experts for the same active parameters."""),
    Term("mla", "multi-head latent attention (MLA)", r"MLA|multi-head latent attention", taught_in=7,
         definition="""
        DeepSeek's attention, which compresses each token's keys and values into one small latent vector and
        expands it per head, so the key-value cache is far smaller."""),
    Term("expert-parallelism", "expert parallelism", r"expert[- ]parallel(?:ism)?", taught_in=7, definition="""
        Placing the experts of a Mixture-of-Experts layer on different GPUs; tokens travel to the GPU of their
        expert and back with two all-to-all exchanges per layer."""),
    Term("all-to-all", "all-to-all", r"all-to-all", taught_in=7, definition="""
        A collective in which every device sends a different slice of its data to every other device (for
        expert parallelism: each token to the device of its expert)."""),
    Term("sequence-parallelism", "sequence parallelism", r"sequence[- ]parallel(?:ism)?", taught_in=6,
         definition="""
        With tensor parallelism, also splitting the LayerNorm and dropout activations along the sequence across
        the same GPUs (Korthikanti et al. 2022): less activation memory for the same communication volume."""),
    Term("roofline", "roofline", r"rooflines?", taught_in=6, definition="""
        A plot of the FLOP/s an accelerator can reach against an operation's arithmetic intensity: a slope of
        intensity × memory bandwidth on the left, flat at the peak on the right. The bend (the ridge) sits at peak
        FLOP/s divided by bandwidth (Williams, Waterman and Patterson 2009)."""),
    Term("arithmetic-intensity", "arithmetic intensity", r"arithmetic intensity", taught_in=6, definition="""
        The FLOPs an operation does per byte it moves between the accelerator's memory and its compute units. For
        a product of a batch of B tokens with a large weight matrix in bf16 it is about B."""),
    Term("memory-bound", "memory-bound, compute-bound", r"(?:memory|compute)[- ]bound", taught_in=6,
         definition="""
        An operation is memory-bound when moving its bytes takes longer than doing its FLOPs (its arithmetic
        intensity is below the accelerator's ridge), compute-bound when the FLOPs take longer."""),
    Term("flashattention", "FlashAttention", r"FlashAttention", case_sensitive=True, taught_in=6, definition="""
        An exact attention algorithm (Dao et al. 2022) that computes the scores block by block in fast on-chip
        memory and never writes the s × s score matrix to the GPU's main memory; the backward pass recomputes the
        blocks. Less memory traffic, and no activation memory that grows with the square of the sequence."""),
    Term("context-parallelism", "context parallelism", r"context[- ]parallel(?:ism)?", taught_in=6, definition="""
        Splitting each long sequence into chunks on different GPUs, for every layer; attention then passes the
        keys and values round the group (ring attention), so each GPU stores the activations of its chunk only."""),
    Term("seed-noise", "seed noise", r"seed[- ]noise", taught_in=5, definition="""
        How much a run's final loss changes when the same experiment is repeated with another random seed; a
        difference between two runs smaller than this says nothing."""),
    Term("test-time-compute", "test-time compute", r"test[- ]time compute", taught_in=8, definition="""
        Compute spent when the model answers (longer reasoning, many samples and a verifier) instead of in
        training."""),
    Term("emergence", "emergence", r"emergen(?:ce|t)", taught_in=8, definition="""
        A capability that seems absent in small models and appears suddenly in large ones; part of it is a
        choice of metric (Schaeffer et al. 2023)."""),
)


def term(term_id: str) -> Term:
    """The glossary entry with this id (ValueError listing the ids when there is none)."""
    for each in TERMS:
        if each.id == term_id:
            return each
    raise ValueError(f"no glossary term {term_id!r}; the terms are: {', '.join(each.id for each in TERMS)}")


def glossary_page() -> str:
    """``docs/glossary.md``: every term with an anchor, its definition and the lesson that teaches it."""
    from .lessons import lesson
    lines = ["# Glossary", "",
             "Every term the lessons use before or beyond the lesson that teaches it. Each lesson links the first",
             "mention of a term here. Written by `scalingedu build-readme` from `scalingedu/glossary.py`.", ""]
    for each in sorted(TERMS, key=lambda t: t.term.lower()):
        taught = lesson(each.taught_in)
        lines += [f'<a id="{each.id}"></a>', "", f"### {each.term}", "", each.definition, "",
                  f"Taught in [lesson {taught.number:02d}, {taught.title}](../{taught.notebook}).", ""]
    return "\n".join(lines)


_LINK = re.compile(r"\[((?:[^\[\]]|\[[^\]]*\])*)\]\(([^)\s]*)[^)]*\)")
_SKIPPED = re.compile(r"^[ \t]*#[^\n]*|```.*?```|`[^`\n]*`|<summary>.*?</summary>", re.MULTILINE | re.DOTALL)


@dataclass(frozen=True)
class Mention:
    """The first mention of a glossary term in a lesson: which cell (index into the notebook), the words, and
    whether they link to the term's entry."""

    term: Term
    cell: int
    text: str
    linked: bool


def first_mentions(cells: list[tuple[int, str]]) -> list[Mention]:
    """The first mention of each glossary term in ``cells`` (pairs of cell index and Markdown source, in order).

    Headings, inline code, fenced code and ``<summary>`` labels are not prose and are skipped; so are words inside
    a link to anything other than the glossary (a paper's title, say). A mention is linked when it sits inside
    the text of a link to ``glossary.md#<id>``.
    """
    found: dict[str, Mention] = {}
    for index, source in cells:
        blanked = _SKIPPED.sub(lambda m: " " * len(m.group()), source)
        links = [(m.start(1), m.end(1), m.group(2)) for m in _LINK.finditer(blanked)]
        for _, end, _ in links:     # a link's target is not prose: blank it out, keeping positions
            target_span = blanked.find("(", end)
            close = blanked.find(")", target_span)
            blanked = blanked[:end] + " " * (close + 1 - end) + blanked[close + 1:]
        for each in TERMS:
            if each.id in found:
                continue
            candidates = []
            for match in each.regex.finditer(blanked):
                target = next((href for start, end, href in links if start <= match.start() < end), None)
                if target is not None and "glossary.md#" not in target:
                    continue       # words of a paper's title, or another link: not a mention
                linked = target is not None and target.endswith(f"glossary.md#{each.id}")
                candidates.append((match.start(), match.group(), linked))
                break
            # a link to the term's entry counts as its mention even when its words differ ("compute-optimally")
            candidates += [(start, blanked[start:end], True) for start, end, href in links
                           if href.endswith(f"glossary.md#{each.id}")][:1]
            if candidates:
                _, text, linked = min(candidates)
                found[each.id] = Mention(each, index, text, linked)
    return sorted(found.values(), key=lambda m: (m.cell, m.term.id))


def lesson_mentions(notebook_path) -> list[Mention]:
    """:func:`first_mentions` for the Markdown cells of a notebook file."""
    import json
    from pathlib import Path
    cells = json.loads(Path(notebook_path).read_text(encoding="utf-8"))["cells"]
    return first_mentions([(i, "".join(c["source"])) for i, c in enumerate(cells) if c["cell_type"] == "markdown"])


def link(term_id: str, words: str | None = None, *, page: str = f"../{GLOSSARY_PAGE}") -> str:
    """The Markdown link a lesson writes at a term's first mention: ``[MFU](../docs/glossary.md#mfu)``."""
    return f"[{words or term(term_id).term}]({page}#{term_id})"


if __name__ == "__main__":     # python -m scalingedu.glossary notebooks/*.ipynb: the unlinked first mentions
    import sys
    for path in sys.argv[1:]:
        for mention in lesson_mentions(path):
            if not mention.linked:
                print(f"{path}: cell {mention.cell}: {mention.text!r} -> {link(mention.term.id, mention.text)}")
