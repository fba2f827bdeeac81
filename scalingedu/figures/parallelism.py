"""Figures of lesson 06 (parallelism): the memory real models need to train, ring collectives, and activation
memory under tensor and sequence parallelism.

Each function takes numbers from :mod:`scalingedu.parallelism` (through the shapes and figures it is given) and
returns a ``matplotlib.figure.Figure`` in the course style.
"""
from __future__ import annotations

import numpy as np

from ..formatting import GIB, memory, traffic
from ..parallelism import activation_memory, collective_bytes, collective_time, zero_memory
from ..plotting import HATCHES, PALETTE, describe, new_figure
from ..transformer import count_params

GB = 1e9
"""Bytes in a (decimal) gigabyte: the unit of link bandwidths (GB/s) and the bytes sent over them. Memory is in GiB
(:data:`scalingedu.formatting.GIB`), the course's unit for capacities and estimates alike."""
MIB = 2**20
"""Bytes in a mebibyte: the unit of the activations of one layer."""
COLLECTIVE_STYLES = (("all_reduce", PALETTE[0], "-"), ("reduce_scatter", PALETTE[1], ":"),
                     ("all_gather", PALETTE[2], "--"))
LINK_STYLES = ("-", "--", "-.", ":")
"""The line style of each interconnect in :func:`ring_collectives`, in the order given."""
SETTING_MARKERS = ("o", "s", "^", "D", "v", "P", "X")
"""The marker of each row of :data:`ACTIVATION_SETTINGS` in :func:`activation_memory_by_tp`."""
ACTIVATION_SETTINGS = (("no SP, no recompute", False, "none"), ("sequence parallel", True, "none"),
                       ("selective recompute", False, "selective"), ("SP + selective recompute", True, "selective"),
                       ("full recompute", False, "full"))
"""Korthikanti et al.'s Table 2 rows: (label, sequence parallelism, recomputation)."""


def _listed(names) -> str:
    """Names in a sentence: 'a', 'a and b', 'a, b and c'."""
    names = list(names)
    return ", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else "".join(names)


def training_memory_gib(shapes: dict) -> tuple[np.ndarray, np.ndarray]:
    """For each named shape: the model states of mixed-precision Adam (16 bytes per parameter, ZeRO stage 0 on one
    GPU) and the activations of one sequence at the model's context, both in GiB (2**30 bytes)."""
    states = np.array([zero_memory(count_params(s).total, 1, 0).total for s in shapes.values()]) / GIB
    acts = np.array([s.n_layers * activation_memory(s.context, 1, s.d_model, s.n_heads) for s in shapes.values()])
    return states, acts / GIB


def training_memory(shapes: dict, capacity_bytes: float):
    """The memory to train each model (``shapes``: name → TransformerShape) on one GPU without any parallelism: one
    small panel per model, each with its own linear axis from 0 GiB (so every part of every bar is visible at its
    true size), the model states and one sequence's activations stacked, the GPU's memory ``capacity_bytes`` as a
    dashed line, and the total written above the bar."""
    states, acts = training_memory_gib(shapes)
    capacity = capacity_bytes / GIB
    figure, axes = new_figure(len(shapes), width=11.5, height=3.6)
    for ax, name, state, act in zip(np.atleast_1d(axes), shapes, states, acts):
        ax.bar([0], [state], width=0.6, color=PALETTE[0], label="weights + gradients + Adam (16 bytes/param)")
        ax.bar([0], [act], bottom=[state], width=0.6, color=PALETTE[4], hatch=HATCHES[1],
               label="activations, one sequence at the model's context")
        ax.axhline(capacity, color=PALETTE[3], ls="--", lw=1.4, label=f"one {capacity:.0f} GiB GPU")
        total = state + act
        top = max(total, capacity) * 1.25
        ax.set(xticks=[], xlim=(-0.6, 0.6), ylim=(0, top), title=name)
        ax.title.set_fontsize(9)
        ax.text(0, total + top * 0.02, f"{total:,.0f} GiB" if total >= 100 else f"{total:.1f} GiB", ha="center",
                va="bottom", fontsize=8.5, color=PALETTE[2] if total <= capacity else PALETTE[3], fontweight="bold")
        ax.tick_params(axis="y", labelsize=8)
        ax.grid(axis="x", visible=False)
    np.atleast_1d(axes)[0].set_ylabel("memory to train (GiB)")
    handles, labels = np.atleast_1d(axes)[0].get_legend_handles_labels()
    figure.legend(handles, labels, loc="outside lower center", ncols=3, fontsize=8.5)
    figure.suptitle("memory to train on one GPU, without any parallelism (each panel has its own scale)",
                    fontsize=10.5)
    totals, names = states + acts, list(shapes)
    fits = [name for name, total in zip(names, totals) if total <= capacity]
    fitting = {0: "none fits", 1: f"only {fits[0]} fits"}.get(len(fits), f"{_listed(fits)} fit")
    outgrown = [name for name, state in zip(names, states) if state > capacity]
    heavy = [name for name, state, act in zip(names, states, acts) if act > state]
    activations = (f"; for {_listed(heavy)} the activations of a single sequence even outweigh the states"
                   if heavy else "")
    describe(figure, f"""
        The memory needed to train each of {len(names)} models on one GPU without any parallelism, one bar per
        panel, each panel with its own linear scale from 0 GiB: the model states of mixed-precision Adam (16 bytes
        per parameter) with the activations of one sequence at the model's context stacked on top (hatched), and a
        dashed
        line at the GPU's {capacity:.0f} GiB. The totals run from {memory(totals.min() * GIB)}
        ({names[np.argmin(totals)]}) to {memory(totals.max() * GIB)} ({names[np.argmax(totals)]}); {fitting} in
        one GPU. Notice that the states alone outgrow the GPU for {len(outgrown)} of the {len(names)}
        models{activations}.""")
    return figure


def ring_collectives(gradient_bytes: float, interconnects: dict, max_gpus: int = 64):
    """Left: the bytes each GPU sends in a ring all-reduce, reduce-scatter and all-gather, as a multiple of the
    message, for 1 to ``max_gpus`` GPUs. Right: the seconds to all-reduce ``gradient_bytes`` over each link of
    ``interconnects`` (name → bytes per second per GPU)."""
    gpus = np.arange(1, max_gpus + 1)
    figure, (bytes_ax, time_ax) = new_figure(2, width=11, height=3.6)
    for kind, colour, style in COLLECTIVE_STYLES:
        bytes_ax.plot(gpus, collective_bytes(kind, 1.0, gpus), color=colour, ls=style, label=kind.replace("_", "-"))
    bytes_ax.set(xlabel="GPUs in the ring n", ylabel="bytes sent per GPU / message bytes M",
                 title="ring collectives: what each GPU sends")
    bytes_ax.legend()
    for (link, bandwidth), colour, dash in zip(interconnects.items(), (PALETTE[3], PALETTE[0]), LINK_STYLES):
        seconds = collective_time("all_reduce", gradient_bytes, gpus[1:], bandwidth_bytes_per_second=bandwidth)
        time_ax.plot(gpus[1:], seconds, dash, color=colour, label=f"{link}, {bandwidth / GB:.0f} GB/s per GPU")
    time_ax.set(xlabel="data-parallel GPUs n", ylabel="seconds per all-reduce",
                title=f"all-reducing {gradient_bytes / GB:,.0f} GB of gradients")
    time_ax.legend()
    most = gpus[-1]
    links = []
    for link, bandwidth in interconnects.items():
        first, last = collective_time("all_reduce", gradient_bytes, np.array([2, most]),
                                      bandwidth_bytes_per_second=bandwidth)
        links.append(f"over {link} ({bandwidth / GB:.0f} GB/s per GPU) from {first:.1f} s at 2 GPUs to {last:.1f} s "
                     f"at {most}")
    describe(figure, f"""
        Left: the bytes each GPU sends, as a multiple of the message, against the number of GPUs in the ring n
        (1 to {most}): an all-reduce sends 2(n-1)/n, {collective_bytes("all_reduce", 1.0, most):.2f} times the
        message at {most} GPUs, and a reduce-scatter or an all-gather (n-1)/n,
        {collective_bytes("reduce_scatter", 1.0, most):.2f} (their lines, dotted and dashed, coincide). Right: the
        seconds to
        all-reduce {traffic(gradient_bytes)} of gradients against the number of data-parallel GPUs:
        {"; ".join(links)}. Notice that both level off instead of growing with n: in a ring each GPU sends about
        twice the message however many GPUs take part, so only a faster link makes the all-reduce quicker.""")
    return figure


def activation_table(shape, tp_degrees=(1, 2, 4, 8)) -> list[tuple]:
    """Rows (label, MiB per layer at each tensor-parallel degree) of Korthikanti et al.'s Table 2 for one sequence of
    ``shape``'s context, from :func:`~scalingedu.parallelism.activation_memory`."""
    rows = []
    for label, sp, recompute in ACTIVATION_SETTINGS:
        rows.append((label, *(activation_memory(shape.context, 1, shape.d_model, shape.n_heads, tp=int(t),
                                                sequence_parallel=sp, recompute=recompute) / MIB
                              for t in tp_degrees)))
    return rows


def activation_memory_by_tp(shape, name: str, tp_degrees=(1, 2, 4, 8)):
    """Activation memory per layer (MiB, log scale) against the tensor-parallel degree for each row of
    :func:`activation_table`: with and without sequence parallelism and recomputation."""
    figure, ax = new_figure(width=8, height=3.6)
    for (label, *values), colour, marker in zip(activation_table(shape, tp_degrees), PALETTE, SETTING_MARKERS):
        ax.plot(tp_degrees, values, "-", marker=marker, color=colour, label=label)
    ax.set(xscale="log", yscale="log", xticks=list(tp_degrees), xticklabels=[str(t) for t in tp_degrees],
           xlabel="tensor-parallel degree t", ylabel="activations per layer (MiB, log scale)",
           title=f"Korthikanti et al. 2022, Table 2, for {name}")
    ax.minorticks_off()
    ax.legend(fontsize=8)
    rows = activation_table(shape, tp_degrees)
    low, high = tp_degrees[0], tp_degrees[-1]
    by_rows = "; ".join(f"{label} {first:,.0f} to {last:,.0f}" for label, first, *_, last in rows)
    split = [label for label, first, *_, last in rows if np.isclose(last / first, low / high)]
    flat = [label for label, first, *_, last in rows if np.isclose(last, first)]
    notice = (f"only {_listed(split)} {'falls' if len(split) == 1 else 'fall'} as 1/t, the memory split "
              f"evenly over the GPUs; without sequence parallelism part of each layer stays whole on every GPU"
              if split else "no setting falls as 1/t: part of each layer stays whole on every GPU")
    if flat:
        notice += f", and {_listed(flat)}, keeping only each layer's input, is the same whatever t"
    describe(figure, f"""
        Activation memory per layer (MiB, log scale) for one {shape.context:,}-token sequence of {name} against the
        tensor-parallel degree t (log scale, {", ".join(str(t) for t in tp_degrees)}), one line for each of
        Korthikanti et al.'s {len(rows)} settings. From t = {low} to t = {high}: {by_rows} MiB. Notice that
        {notice}.""")
    return figure


def tensor_parallel_layers(world: int = 2, *, tokens: int | None = None, d_model: int | None = None,
                           d_ff: int | None = None):
    """Megatron's tensor-parallel MLP as the GPUs hold it: one row per GPU, X · W1 (cut by columns: each GPU computes
    its own slice of the hidden layer, no communication), then · W2 (cut by rows: each GPU gets a partial output) and
    one all-reduce that sums the partials into Y. Blocks are drawn to scale, with their shapes written on them; the
    default shapes are those of the real run, :mod:`scalingedu.parallelism.cpu_tensor_parallel`. Each block's
    ``gid`` names it ("X", "W1[r]", "h[r]", "W2[r]", "Y[r]", "Y")."""
    from matplotlib.patches import FancyArrowPatch, Rectangle

    from ..parallelism import cpu_tensor_parallel as tp_run
    tokens = int(tokens or tp_run.TOKENS)
    d_model = int(d_model or tp_run.D_MODEL)
    d_ff = int(d_ff or tp_run.D_FF)
    if world < 1 or d_ff % world:
        raise ValueError(f"world = {world} must divide d_ff = {d_ff}")
    part = d_ff // world
    unit = 0.045                                        # drawing units per row or column of a matrix
    gap = 0.55
    figure, ax = new_figure(width=11.5, height=1.5 + 2.2 * world)
    colours = PALETTE[:world] if world <= len(PALETTE) else [PALETTE[r % len(PALETTE)] for r in range(world)]
    row_height = tokens * unit + 0.9

    def block(x, y, rows, cols, gid, colour, label):
        rect = Rectangle((x, y), cols * unit, rows * unit, facecolor=colour, edgecolor="0.2", lw=1.0, alpha=0.8,
                         gid=gid)
        ax.add_patch(rect)
        ax.text(x + cols * unit / 2, y - 0.08, label, ha="center", va="top", fontsize=8)
        return x + cols * unit

    def sign(x, y, text):
        ax.text(x + gap / 2, y, text, ha="center", va="center", fontsize=14)
        return x + gap

    right = 0.0
    for r in range(world):
        y = (world - 1 - r) * row_height + 0.6
        middle = y + tokens * unit / 2
        x = block(0.0, y, tokens, d_model, "X", "0.85", f"X (every GPU)\n{tokens} × {d_model}")
        x = sign(x, middle, "×")
        top = y + tokens * unit / 2 - d_model * unit / 2
        x = block(x, top, d_model, part, f"W1[{r}]", colours[r], f"W1, columns of GPU {r}\n{d_model} × {part}")
        x = sign(x, middle, "→")
        x = block(x, y, tokens, part, f"h[{r}]", colours[r], f"tanh(X·W1): slice {r}\n{tokens} × {part}")
        x = sign(x, middle, "×")
        top = y + tokens * unit / 2 - part * unit / 2
        x = block(x, top, part, d_model, f"W2[{r}]", colours[r], f"W2, rows of GPU {r}\n{part} × {d_model}")
        x = sign(x, middle, "→")
        x = block(x, y, tokens, d_model, f"Y[{r}]", colours[r], f"partial output {r}\n{tokens} × {d_model}")
        right = x
        ax.text(-0.15, middle, f"GPU {r}", ha="right", va="center", fontsize=10, fontweight="bold",
                color=colours[r])
    total_height = world * row_height
    y_out = total_height / 2 - tokens * unit / 2 + 0.3
    out_x = right + 2.2
    block(out_x, y_out, tokens, d_model, "Y", "0.85", f"Y = sum of partials\n(every GPU) {tokens} × {d_model}")
    for r in range(world):
        y = (world - 1 - r) * row_height + 0.6 + tokens * unit / 2
        ax.add_patch(FancyArrowPatch((right + 0.1, y), (out_x - 0.1, y_out + tokens * unit / 2),
                                     arrowstyle="-|>", mutation_scale=12, color=PALETTE[3], lw=1.4))
    ax.text((right + out_x) / 2, y_out + tokens * unit + 0.35, "all-reduce\n(the only\ncommunication)",
            ha="center", va="bottom", fontsize=8.5, color=PALETTE[3])
    w1_x = d_model * unit + gap
    w2_x = w1_x + part * unit + gap + part * unit + gap
    ax.text(w1_x + part * unit / 2, total_height + 0.35, "column-parallel: no communication", ha="center",
            fontsize=9, color="0.25")
    ax.text(w2_x + d_model * unit / 2, total_height + 0.35, "row-parallel: partial sums", ha="center",
            fontsize=9, color="0.25")
    ax.set(xlim=(-0.9, out_x + d_model * unit + 0.6), ylim=(-0.3, total_height + 0.7), aspect="equal")
    ax.set_axis_off()
    ax.set_title(f"tensor parallelism over {world} GPUs: an MLP of width {d_ff} (Megatron-LM, Shoeybi et al. 2019, "
                 f"Fig. 3)", fontsize=10)
    describe(figure, f"""
        A diagram, drawn to scale, of Megatron-LM's tensor-parallel MLP (width {d_ff}) over {world} GPUs, one row per
        GPU. Every GPU multiplies the same input X ({tokens} tokens × {d_model} features) by its own columns of W1
        ({d_model} × {part}) and gets its own slice of the hidden layer ({tokens} × {part}), with no communication;
        it multiplies that slice by its rows of W2 ({part} × {d_model}) and gets a partial output of the full size
        ({tokens} × {d_model}). Arrows lead from the {world} partial outputs to one all-reduce that sums them into Y
        on every GPU. Notice that each GPU holds 1/{world} of the MLP's weights and that the all-reduce is the only
        communication.""")
    return figure
