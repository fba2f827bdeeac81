"""Accelerators: peak dense bf16 throughput, memory and bandwidth, and board power.

Sources per chip: karpathy/nanoGPT: model.py and NVIDIA's datasheet (A100); jax-ml/scaling-book:
roofline.md (H100); NVIDIA's product pages (H800, H200); Google Cloud's TPU documentation (TPU v4,
v5p); the Llama model cards for board power. Secondary figures say so in their ``note``.

**Memory is stored in bytes of binary capacity** (``memory_bytes``, a multiple of ``_GiB`` = 2**30 bytes). The
"GB" of a vendor's HBM label denotes a binary capacity: an "A100 80GB" holds 80 GiB, and nvidia-smi reports 81,920
MiB on one (DRAM is made in binary sizes). Reading the label as 10**9 bytes would make every memory fit
about 7% too conservative (80e9 bytes against 85.9e9). So every part below is stored as its label's number of GiB:
80 GiB for the A100, H100 and H800, 141 GiB for the H200, 180 GiB for the B200, 186 GiB for the GB200, 32 GiB for
TPU v4 and 95 GiB for TPU v5p. The course prints memory in GiB (:func:`scalingedu.formatting.memory`). This reading
of the labels is secondary and not checked against each vendor's sheet here [S]: NVIDIA's and Google's pages write
"GB"; only the A100's 81,920 MiB and TPU v4's "32 GiB" say the binary unit outright. What a driver leaves usable is
a little less than the label (an H100 80GB reports 81,559 MiB, about 79.6 GiB, in nvidia-smi according to
modal-labs/modal-client pull request 2797) [S].
"""
from __future__ import annotations

from types import MappingProxyType

from .records import Accelerator

_GiB = 2**30
"""Bytes in a gibibyte: the unit of the HBM capacities below (see the module docstring)."""
ACCELERATORS = MappingProxyType({
    "A100": Accelerator(
        "NVIDIA A100 (SXM, 80 GiB)", 312e12, 80 * _GiB, 2.0e12,
        source="""
            karpathy/nanoGPT: model.py estimate_mfu ('A100 GPU bfloat16 peak flops is 312 TFLOPS'); NVIDIA A100
            datasheet for memory and bandwidth
        """,
        note="""
            Memory bandwidth (about 2.0 TB/s for the 80GB SXM part) is the datasheet value, not checked here. Memory
            80 GiB: the label's "80GB" read as binary; nvidia-smi reports 81,920 MiB on the part [S].
        """),
    "H100": Accelerator(
        "NVIDIA H100 (SXM, 80 GiB)", 989e12, 80 * _GiB, 3.35e12,
        source="jax-ml/scaling-book: roofline.md (9.89e14 bf16 FLOP/s dense, HBM 3.35 TB/s)",
        note="""
            NVIDIA's 1,979 TFLOP/s is 'with sparsity'; the dense figure is half. NVIDIA's sheet not checked here.
            FP8 dense: 1,979 TFLOP/s (half of the sheet's 3,958 with sparsity) [S].
        """,
        fp8_peak_flops_per_second=1979e12),
    "H800": Accelerator(
        "NVIDIA H800 (SXM, 80 GiB)", 989e12, 80 * _GiB, 3.35e12,
        source="The H100 SXM's figures (jax-ml/scaling-book: roofline.md): the China-market H800 variant has the same "
               "compute and a reduced interconnect",
        note="""
            Assumed equal to the H100 for dense bf16; secondary information, not checked in a primary text.
        """),
    "H200": Accelerator(
        "NVIDIA H200 (SXM, 141 GiB)", 989e12, 141 * _GiB, 4.8e12,
        source="NVIDIA H200 product page (same compute as H100 SXM; 141GB HBM3e at 4.8 TB/s)",
        note="Secondary: not checked against a primary text here; the label's 141GB stored as 141 GiB.",
        fp8_peak_flops_per_second=1979e12),
    "B200": Accelerator(
        "NVIDIA B200 (HGX, 180 GiB)", 2.25e15, 180 * _GiB, 7.7e12,
        source="""
            NVIDIA HGX B200 platform figures per GPU (36 PFLOP/s bf16 and 72 PFLOP/s FP8 'with sparsity' for 8
            GPUs, 1.44 TB HBM3e); MLPerf system descriptions list the part as B200-SXM-180GB
        """,
        note="""
            Secondary: quoted from provider spec tables (e.g. stas00/ml-engineering, Verda's Blackwell post), not
            checked against NVIDIA's own sheet here. Dense figures are half the 'with sparsity' ones: 2.25 PFLOP/s
            bf16, 4.5 PFLOP/s FP8. Bandwidth quoted as 7.7-8 TB/s. The label's 180GB stored as 180 GiB.
        """,
        fp8_peak_flops_per_second=4.5e15),
    "GB200": Accelerator(
        "NVIDIA GB200 (NVL72, 186 GiB)", 2.5e15, 186 * _GiB, 8.0e12,
        source="""
            NVIDIA GB200 NVL72 rack figures divided by its 72 GPUs: 360 PFLOP/s bf16 and 720 PFLOP/s FP8 'with
            sparsity', 13.4 TB HBM3e at 576 TB/s; one NVLink domain of 72 GPUs at 1.8 TB/s each
        """,
        note="""
            Secondary: rack figures as quoted by providers and encyclopedias, not checked against NVIDIA's sheet here.
            Dense per GPU: 2.5 PFLOP/s bf16, 5 PFLOP/s FP8. Memory: the per-GPU label's 186GB stored as 186 GiB.
        """,
        fp8_peak_flops_per_second=5e15),
    "TPU v4": Accelerator(
        "Google TPU v4", 275e12, 32 * _GiB, 1.2e12,
        source="Google Cloud TPU v4 documentation (275 TFLOP/s bf16, 32 GiB HBM2 per chip)",
        note="""
            Secondary: not checked against a primary text here. PaLM reports 46.2% MFU on 6144 TPU v4 chips.
        """),
    "TPU v5p": Accelerator(
        "Google TPU v5p", 459e12, 95 * _GiB, 2.765e12,
        source="Google Cloud TPU v5p documentation (459 TFLOP/s bf16, 95GB HBM2e per chip)",
        note="""
            Secondary: not checked against a primary text here. Memory stored as 95 GiB, reading the page's "95GB"
            of HBM as binary like every other HBM label here (the TPU v4 page says "32 GiB" outright) [S].
        """),
})
"""Accelerators by short name. Peak figures are dense bf16 (no structured sparsity)."""


def accelerator(name: str) -> Accelerator:
    """Look up an accelerator by short name (case-insensitive), e.g. ``accelerator('H100')``."""
    if not isinstance(name, str):
        raise TypeError(f"accelerator must be a name such as 'H100', not {type(name).__name__}")
    for key, value in ACCELERATORS.items():
        if key.lower() == name.lower():
            return value
    raise ValueError(f"unknown accelerator {name!r}; choose one of: {', '.join(ACCELERATORS)}")


ACCELERATOR_BOARD_POWER_WATTS = MappingProxyType({"A100": 400.0, "H100": 700.0, "H800": 700.0,
                                                  "H200": 700.0, "B200": 1000.0, "GB200": 1200.0})
"""Board power (TDP) per accelerator in watts, by key of :data:`ACCELERATORS`.

A100 400 W: meta-llama/llama: MODEL_CARD.md ('A100-80GB (TDP of 350-400W)', 400 W in its table) [P].
H100 700 W: meta-llama/llama3: MODEL_CARD.md ('H100-80GB (TDP of 700W)') [P]. H800 and H200 700 W:
NVIDIA's SXM product pages [S: not checked here]. B200 1,000 W (MLPerf system descriptions: 'B200 TGP 1000W')
and GB200 1,200 W per GPU (providers' spec tables) [S]. TPUs are left out: no figure checked. A board's
TDP is its maximum; average draw in training is usually lower, and hosts, network and storage draw
power too.
"""
