"""``scalingedu bench-hub`` (scalingedu/tools/sizing.py): its sampler sees what a process tree really holds and
uses, its lines parse back, and the limits follow the rule documented in ``derive_limits``. Numbers of this
machine are printed by the benchmark, never asserted here."""
from __future__ import annotations

import subprocess
import sys
import textwrap
import time

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from scalingedu.tools.sizing import (
    MIB,
    PeakSampler,
    derive_limits,
    lesson_lines,
    measure_lesson,
    parse_lines,
    tree_cpu_seconds,
)

# A parent that starts a child holding `size` MiB (every page written) for a while, then waits for it and idles.
PARENT = textwrap.dedent("""
    import subprocess, sys, time
    child = subprocess.Popen([sys.executable, "-c",
        "import sys, time; block = bytearray({size} * 1024 * 1024); block[::4096] = b'x' * len(block[::4096]); "
        "sys.stdout.write('ready\\\\n'); sys.stdout.flush(); time.sleep({hold})"], stdout=sys.stdout)
    child.wait()
    print("child done", flush=True)
    time.sleep(30)
""")


def _parent(size: int, hold: float) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", PARENT.format(size=size, hold=hold)], stdout=subprocess.PIPE,
                            text=True)


def _stop(process: subprocess.Popen) -> None:
    process.kill()
    process.wait(timeout=30)


def test_the_peak_counts_a_childs_memory_and_the_last_sample_sees_it_freed():
    size = 160
    parent = _parent(size, hold=1.5)
    try:
        with PeakSampler(parent.pid, interval=0.05) as sampler:
            assert parent.stdout.readline().strip() == "ready"
            assert parent.stdout.readline().strip() == "child done"
            time.sleep(0.3)
        assert sampler.samples >= 10
        assert sampler.peak >= size * MIB, f"peak {sampler.peak / MIB:.0f} MiB < the child's {size} MiB"
        assert sampler.last <= sampler.peak - (size - 20) * MIB, (
            f"after the child exited the tree still holds {sampler.last / MIB:.0f} MiB")
    finally:
        _stop(parent)


def test_a_window_peak_is_the_peak_since_the_mark():
    parent = _parent(120, hold=1.0)
    try:
        with PeakSampler(parent.pid, interval=0.05) as sampler:
            assert parent.stdout.readline().strip() == "ready"
            assert parent.stdout.readline().strip() == "child done"
            time.sleep(0.2)
            sampler.mark()
            time.sleep(0.3)
            window = sampler.window_peak()
        assert sampler.peak >= 120 * MIB
        assert window < 60 * MIB, f"the window after the child exited reports {window / MIB:.0f} MiB"
    finally:
        _stop(parent)


def test_cpu_seconds_include_a_child_that_has_exited():
    # The child spins until its own CPU clock reads 0.6 s; the parent waits for it, so the time is the parent's
    # "children" time, which the measurement must count.
    code = ("import subprocess, sys, time\n"
            "subprocess.run([sys.executable, '-c', 'import time\\nwhile time.process_time() < 0.6: pass'])\n"
            "print('done', flush=True)\n"
            "time.sleep(30)\n")
    parent = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert parent.stdout.readline().strip() == "done"
        assert tree_cpu_seconds(parent.pid) >= 0.6
    finally:
        _stop(parent)


def test_the_lines_parse_back_to_the_table_and_other_lines_are_ignored():
    row = {"kernel_peak_mib": 412.34, "kernel_end_mib": 250.0, "cpu_s": 12.345, "wall_s": 14.0, "widgets": 2}
    text = "\n".join(["[IPKernelApp] WARNING | Kernel is running over TCP", *lesson_lines("04_chinchilla", row),
                      "wrote deploy/sizing.json", "hub_server_rss 96.9 MiB", ""])
    parsed = parse_lines(text)
    assert parsed == {"hub_kernel_peak.04_chinchilla": (412.3, "MiB"), "hub_kernel_end.04_chinchilla": (250.0, "MiB"),
                      "hub_kernel_cpu.04_chinchilla": (12.35, "s"), "hub_kernel_wall.04_chinchilla": (14.0, "s"),
                      "hub_widgets_driven.04_chinchilla": (2.0, "widgets"), "hub_server_rss": (96.9, "MiB")}


def test_the_limits_follow_the_documented_rule():
    table = {"server_mib": 100.0, "lessons": {
        "01_power_laws": {"kernel_peak_mib": 200.0, "cpu_s": 60.0, "wall_s": 60.0},      # 45 min in class
        "04_chinchilla": {"kernel_peak_mib": 300.0, "cpu_s": 300.0, "wall_s": 250.0},    # 45 min
        "05_scaling_lab": {"kernel_peak_mib": 500.0, "cpu_s": 30.0, "wall_s": 18.75},    # 44 min, 1.6 cores
    }}
    assert derive_limits({**table, "lessons": {"01_power_laws": {"kernel_peak_mib": 200.0, "cpu_s": 61.0,
                                                                 "wall_s": 60.0}}})["cpu_limit"] == 1.5
    limits = derive_limits(table)
    # guarantee: 100 + median 300 = 400 -> 448 (7 x 64); limit: 1.5 x (100 + 500) = 900 -> 1024 (8 x 128)
    assert limits["memory_guarantee_mib"] == 448
    assert limits["memory_limit_mib"] == 1024
    # CPU share: 300 s over 45 minutes = 0.111 -> 0.15; cores busy: 30 / 18.75 = 1.6 -> 2 (half-core steps)
    assert limits["cpu_guarantee"] == pytest.approx(0.15)
    assert limits["cpu_limit"] == 2.0


def test_limits_have_floors_for_a_light_course():
    table = {"server_mib": 64.0, "lessons": {"00_start_here": {"kernel_peak_mib": 64.0, "cpu_s": 1.0, "wall_s": 4.0}}}
    limits = derive_limits(table)
    assert limits == {"memory_guarantee_mib": 128, "memory_limit_mib": 256, "cpu_guarantee": 0.05, "cpu_limit": 1.0}


def test_measuring_a_notebook_sees_its_allocation_and_drives_its_widget(tmp_path):
    notebook = new_notebook(cells=[
        new_code_cell("from scalingedu.widgets.chinchilla import IsoFlopExplorer\nexplorer = IsoFlopExplorer()"),
        new_code_cell("import numpy as np\nblock = np.ones(200 * 1024 * 1024 // 8)"),   # 200 MiB, written
        new_code_cell("del block"),
    ])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = tmp_path / "probe.ipynb"
    nbformat.write(notebook, path)
    size = measure_lesson(path, timeout=300)
    assert size.kernel_peak_mib >= 200
    assert size.kernel_end_mib <= size.kernel_peak_mib - 150, "the freed array still counts at the end"
    assert size.widgets == 1 and size.widget_changes >= 2
    assert [cell["index"] for cell in size.cells] == [0, 1, 2]
    assert size.cells[1]["peak_mib"] >= size.cells[0]["peak_mib"] + 200
    assert not any(cell["live_training"] for cell in size.cells)
    assert size.cpu_s > 0 and size.wall_s > 0
