"""Static figures of lesson 02 (compute budgets).

Each function takes its numbers from :mod:`scalingedu.compute`, :mod:`scalingedu.transformer` and
:mod:`scalingedu.data` and returns a ``matplotlib.figure.Figure`` in the course style; the lesson calls it in one line.
"""
from __future__ import annotations

import numpy as np

from ..compute import (
    DEFAULT_PUE,
    accelerator_hours,
    board_power_watts,
    energy_kwh,
    pf_days,
    training_days,
    training_flops,
)
from ..data import GPT3_PF_DAYS, MODELS, PALM_540B_UTILISATION
from ..formatting import human, sci
from ..plotting import HATCHES, PALETTE, describe, new_figure
from ..transformer import PRESETS, count_params, flops_per_token

CHIP_COLOURS = {"A100": PALETTE[0], "H100": PALETTE[1]}
CHIP_MARKERS = {"A100": "o", "H100": "s"}
"""Each chip's marker on :func:`time_hours_energy`'s time panel, so that the chips differ in more than colour."""
MARKER_NAMES = {"o": "circles", "s": "squares", "^": "triangles", "D": "diamonds", "v": "downward triangles"}
SHARE_STYLES = (("-", None), ("--", None), ("-.", None), ("-", "s"), ("--", "^"))
"""Line style and marker of each model's curve in :func:`attention_share` (dotted is kept for the one-half line)."""


def gpt3_models():
    """The eight GPT-3 models of :data:`scalingedu.data.MODELS`, smallest first."""
    return [record for record in MODELS if record.family == "GPT-3"]


def gpt3_compute():
    """Left: GPT-3's training compute in PF-days against size, as Table D.1 prints it (squares) and as 6ND with
    D = 300B tokens recomputes it (dots). Right: the difference between the two, in percent of Table D.1, so that
    "they match" is read off a scale rather than from two markers on top of each other."""
    records = gpt3_models()
    sizes = np.array([r.params for r in records])
    table = np.array([GPT3_PF_DAYS[r.name] for r in records])
    recomputed = pf_days(training_flops(sizes, np.array([r.tokens for r in records])))
    figure, (ax, diff_ax) = new_figure(2, width=10.5, height=3.6)
    ax.get_subplotspec().get_gridspec().set_width_ratios([1.4, 1.0])
    ax.plot(sizes, table, "s", ms=10, mfc="none", color=PALETTE[0], label="GPT-3 paper, Table D.1")
    ax.plot(sizes, recomputed, "o", color=PALETTE[1], ms=5, label="6ND, recomputed")
    ax.set(xscale="log", yscale="log", xlabel="parameters N (log scale)",
           ylabel="training compute (PF-days, log scale)", title="GPT-3: 6ND with D = 300B tokens against Table D.1")
    ax.legend(loc="upper left")
    diff_ax.axhspan(-1, 1, color=PALETTE[2], alpha=0.12, lw=0, label="within 1%")
    diff_ax.axhline(0, color="0.4", lw=0.8)
    diff_ax.plot(sizes, 100 * (recomputed / table - 1), "o", color=PALETTE[1], ms=6)
    diff_ax.set(xscale="log", ylim=(-2, 2), xlabel="parameters N (log scale)",
                ylabel="6ND minus Table D.1 (% of Table D.1)", title="the difference: below the table's rounding")
    diff_ax.legend(loc="upper right")
    difference = 100 * (recomputed / table - 1)
    tokens = {r.tokens for r in records}
    data = f"D = {human(records[0].tokens)} tokens" if len(tokens) == 1 else "each model's tokens D"
    describe(figure, f"""
        Left: the training compute of GPT-3's {len(records)} sizes (PF-days, log scale) against parameters N (log
        scale), {human(sizes[0])} to {human(sizes[-1])}: the values printed in the GPT-3 paper's Table D.1 (squares)
        and 6ND with {data} (dots) lie on top of each other, from {table[0]:,.3g} to {table[-1]:,.0f} PF-days.
        Right: 6ND minus Table D.1, in percent of Table D.1: every difference lies between
        {difference.min():+.2f}% and {difference.max():+.2f}%, inside the band of ±1%, no more than the table's
        rounding. GPT-3's compute is 6ND: six FLOPs per parameter per training token.""")
    return figure


PART_LABELS = ("attention", "MLP", "embeddings and output layer", "norms, biases, relative positions")


def parameter_parts(count) -> tuple[float, ...]:
    """The four parts of a :class:`scalingedu.transformer.ParamCount` that :func:`parameter_shares` stacks, in the
    order of :data:`PART_LABELS`."""
    return count.attention, count.mlp, count.embedding, count.norms + count.relative_positions


def parameter_shares(names):
    """For each preset in ``names`` (keys of :data:`scalingedu.transformer.PRESETS`), a bar split into the shares
    of its parameters in attention, MLP, embeddings and the small rest (norms, biases, relative positions)."""
    figure, ax = new_figure(width=9.0, height=3.8)
    counts = [count_params(PRESETS[name]) for name in names]
    left = np.zeros(len(names))
    for index, (label, colour) in enumerate(zip(PART_LABELS, (PALETTE[0], PALETTE[1], PALETTE[2], PALETTE[7]))):
        shares = np.array([parameter_parts(c)[index] / c.total for c in counts])
        ax.barh(list(names), shares, left=left, color=colour, hatch=HATCHES[index], label=label)
        left += shares
    ax.invert_yaxis()
    ax.set(xlim=(0, 1), xlabel="share of all parameters (fraction)", ylabel="model", title="where the parameters are")
    ax.grid(axis="y", visible=False)
    figure.legend(loc="outside lower center", ncols=4)
    embedding = {name: c.embedding / c.total for name, c in zip(names, counts)}
    mlp = {name: c.mlp / c.total for name, c in zip(names, counts)}
    most, least = max(embedding, key=embedding.get), min(embedding, key=embedding.get)
    attention_wins = [name for name, c in zip(names, counts) if c.attention >= c.mlp]
    versus = ("more than attention in every model" if not attention_wins
              else f"less than attention in {', '.join(attention_wins)}")
    rest = {name: parameter_parts(c)[3] / c.total for name, c in zip(names, counts)}
    visible = [f"{name} ({share:.2f})" for name, share in rest.items() if share >= 0.01]
    rest_text = (f"; the small rest (norms, biases, relative positions) is 0.01 or more only in "
                 f"{', '.join(visible)}" if visible else "")
    describe(figure, f"""
        One horizontal bar for each of {len(names)} models ({", ".join(names)}), split into the shares of all its
        parameters (fraction, 0 to 1) in attention (plain), the MLP (hatched ///), the embeddings and output layer
        (dotted hatch) and the small rest (cross-hatched).
        The embeddings take the most in {most} ({embedding[most]:.2f}) and the least in {least}
        ({embedding[least]:.3f}); the MLP holds between {min(mlp.values()):.2f} and {max(mlp.values()):.2f},
        {versus}{rest_text}. In a large model almost every parameter sits in the attention and
        MLP matrices: the embeddings matter only for small models.""")
    return figure


ATTENTION_CONTEXTS = np.geomspace(256, 2 ** 20, 200)


def attention_share(names, contexts=ATTENTION_CONTEXTS):
    """The share of training FLOPs spent in attention, 12·L·H·Q·T / (6N + 12·L·H·Q·T), against the context length
    T for each preset in ``names``; a dot marks each model at its own training context."""
    figure, ax = new_figure(width=8.5, height=3.8)
    for name, colour, (dash, marker) in zip(names, (PALETTE[0], PALETTE[1], PALETTE[2], PALETTE[4], PALETTE[5]),
                                            SHARE_STYLES):
        shape = PRESETS[name]
        ax.plot(contexts, flops_per_token(shape, context=contexts).attention_fraction, dash, marker=marker,
                markevery=25, color=colour, label=name)
        ax.plot([shape.context], [flops_per_token(shape).attention_fraction], "o", color=colour, mec="black")
    ax.axhline(0.5, color="0.5", ls=":", lw=1)
    ax.set(xscale="log", ylim=(0, 1), xlabel="context length T (tokens, log scale)",
           ylabel="attention share of training FLOPs (fraction)",
           title="12·L·H·Q·T against 6N (dots: each model's own training context)")
    ax.legend(loc="upper left")
    own, half = [], []
    for name in names:
        shape = PRESETS[name]
        share = flops_per_token(shape).attention_fraction
        own.append(f"{name} {share:.1%} at {shape.context:,} tokens")
        half.append(f"{human(shape.context * (1 - share) / share)} for {name}")   # the term is linear in T
    describe(figure, f"""
        The share of training FLOPs spent in attention, 12·L·H·Q·T / (6N + 12·L·H·Q·T) (fraction, 0 to 1), against
        the context length T ({human(contexts[0])} to {human(contexts[-1])} tokens, log scale) for {len(names)}
        models. At its own training context (dots): {"; ".join(own)}. Every
        curve rises with T and passes one half (dotted line) at T = {", ".join(half)} tokens. At the contexts
        models train on, 6N counts most of the compute; attention takes over only at longer contexts, the sooner
        the smaller the model.""")
    return figure


CLUSTER_SIZES = 2.0 ** np.arange(6, 15)
"""64 to 16,384 accelerators: the clusters of :func:`time_hours_energy`'s time panel."""


def time_hours_energy(flops: float, chips=("A100", "H100"), utilisations=(0.3, 0.5), counts=CLUSTER_SIZES, *,
                      pue: float = DEFAULT_PUE, title: str = ""):
    """Three panels for a run of ``flops`` FLOPs on each chip at each MFU: wall-clock days against the number of
    accelerators (left), accelerator-hours (middle) and energy at the chip's board power and ``pue`` (right). Each
    bar is labelled with its own value."""
    figure, (time_ax, hours_ax, energy_ax) = new_figure(3, width=12.0, height=3.9)
    time_ax.get_subplotspec().get_gridspec().set_width_ratios([1.5, 1.0, 1.0])
    labels, hours, mwh, colours = [], [], [], []
    for chip in chips:
        colour = CHIP_COLOURS.get(chip, PALETTE[4])
        marker = CHIP_MARKERS.get(chip, "^")
        for utilisation, style in zip(utilisations, ("--", "-", ":")):
            time_ax.plot(counts, [training_days(flops, chip, int(n), utilisation) for n in counts], style,
                         marker=marker, ms=4, color=colour, label=f"{chip} at MFU {utilisation:.0%}")
            labels.append(f"{chip}\n{utilisation:.0%}")
            hours.append(accelerator_hours(flops, chip, utilisation))
            mwh.append(energy_kwh(hours[-1], board_power_watts(chip), pue) / 1000)
            colours.append(colour)
    time_ax.axhline(30, color="0.5", ls=":", lw=1)
    time_ax.text(counts[0], 33, "30 days", fontsize=8.5, color="0.4")
    time_ax.set(xscale="log", yscale="log", xlabel="number of accelerators (log scale)",
                ylabel="wall-clock days (log scale)", title="time" + (f": {title}" if title else ""))
    time_ax.legend(loc="upper right")
    for ax, values, text, ylabel, name in (
            (hours_ax, np.array(hours) / 1e6, lambda h: f"{human(h * 1e6)} h",
             "accelerator-hours (millions)", "accelerator-hours"),
            (energy_ax, np.array(mwh), lambda e: f"{e:,.0f} MWh", f"energy (MWh, PUE {pue:g})",
             "energy")):
        bars = ax.bar(labels, values, color=colours)
        ax.bar_label(bars, [text(v) for v in values], padding=2, fontsize=8.5)
        ax.set(ylabel=ylabel, xlabel="chip and MFU", title=name, ylim=(0, 1.15 * max(values)))
        ax.grid(axis="x", visible=False)
    middle = int(counts[len(counts) // 2])
    days = [f"{training_days(flops, chip, middle, utilisation):,.3g} ({chip} at {utilisation:.0%})"
            for chip in chips for utilisation in utilisations]
    order = np.argsort(hours)
    slow, fast = (labels[order[-1]].replace("\n", " at "), labels[order[0]].replace("\n", " at "))
    marked = ", ".join(f"{MARKER_NAMES[CHIP_MARKERS.get(chip, '^')]} for the {chip}" for chip in chips)
    dashes = ", ".join(f"{name} at {utilisation:.0%}"
                       for utilisation, name in zip(utilisations, ("dashed", "solid", "dotted")))
    describe(figure, f"""
        Three panels for a training run of {sci(flops)} FLOPs on
        {" and ".join(chips)} at MFU {" and ".join(f"{u:.0%}" for u in utilisations)}. Left: wall-clock days (log
        scale) against the number of accelerators ({int(counts[0]):,} to {int(counts[-1]):,}, log scale), one
        line per chip ({marked}) and MFU ({dashes}): straight lines of slope -1; on {middle:,} accelerators
        the run takes {", ".join(days)} days; a dotted line marks 30 days. Middle: accelerator-hours (millions), from
        {human(hours[order[-1]])} hours for {slow} down
        to {human(hours[order[0]])} for {fast}. Right: energy (MWh) at each chip's board power and a PUE of {pue:g},
        from {mwh[order[-1]]:,.0f} MWh for {slow} to {mwh[order[0]]:,.0f} MWh for {fast}. More accelerators shorten
        the time but leave the accelerator-hours and the energy unchanged; only a faster chip or a higher MFU
        lowers them.""")
    return figure


def implied_utilisation(rows, reference=PALM_540B_UTILISATION):
    """The MFU implied by published accelerator-hours (``rows`` from
    :func:`scalingedu.compute.published_run_utilisation`): with 6ND, and with the exact count and the attention
    term where the model's shape is known (else an "n/a" mark), beside the MFU PaLM 540B reported."""
    figure, ax = new_figure(width=9.0, height=3.8)
    y = np.arange(len(rows))
    ax.barh(y - 0.2, [r.mfu_6nd for r in rows], height=0.4, color=PALETTE[0], label="6ND")
    with_attention = [r.mfu_with_attention for r in rows]
    ax.barh(y + 0.2, [m or 0.0 for m in with_attention], height=0.4, color=PALETTE[1], hatch=HATCHES[1],
            label="exact N + attention (where the shape is known)")
    for position, value in zip(y, with_attention):
        if value is None:
            ax.text(0.005, position + 0.2, "n/a: no shape on record", va="center", fontsize=8, color="0.3")
    ax.axvline(reference["mfu"], color=PALETTE[3], ls="--", label=f"PaLM 540B's reported MFU ({reference['mfu']:.1%})")
    ax.set_yticks(y, [r.name for r in rows])
    ax.invert_yaxis()
    ax.set(xlim=(0, 0.6), xlabel="implied model FLOPs utilisation (fraction of dense bf16 peak)",
           ylabel="published run", title="utilisation implied by published accelerator-hours")
    ax.grid(axis="y", visible=False)
    figure.legend(loc="outside lower center", ncols=3)
    plain = sorted(rows, key=lambda r: r.mfu_6nd)
    known = [r for r in rows if r.mfu_with_attention is not None]
    best = max(known, key=lambda r: r.mfu_with_attention) if known else None
    exact = (f"; counting attention and the exact parameters raises each run whose shape is known, at most to "
             f"{best.mfu_with_attention:.1%} for {best.name}" if best else "")
    above = [r.name for r in rows if max(r.mfu_6nd, r.mfu_with_attention or 0.0) > reference["mfu"]]
    verdict = (f"{', '.join(above)} exceed{'s' if len(above) == 1 else ''} it" if above else "none exceeds it")
    highest = max(max(r.mfu_6nd, r.mfu_with_attention or 0.0) for r in rows)
    point = ("no published run reaches half of its chips' peak" if highest < 0.5 else
             f"the best run reaches {highest:.0%} of its chips' peak")
    describe(figure, f"""
        The model FLOPs utilisation (fraction of the dense bf16 peak) implied by the published accelerator-hours of
        {len(rows)} runs, one pair of horizontal bars per run: counting 6ND (plain blue) and counting the exact
        parameters plus attention (hatched orange; "n/a" where the model's shape is not on record,
        {len(rows) - len(known)} run{"" if len(rows) - len(known) == 1 else "s"}). With 6ND they range from
        {plain[0].mfu_6nd:.1%} ({plain[0].name}) to {plain[-1].mfu_6nd:.1%} ({plain[-1].name}){exact}. The dashed
        line is PaLM 540B's reported {reference["mfu"]:.1%}, and {verdict}: {point}.""")
    return figure
