"""The ``scalingedu`` command: project tasks for authors, instructors and benchmarks.

    scalingedu build-exercises        render question cells in solutions/ from their source, write exercises/
    scalingedu build-readme           write the README's lesson table from the lesson registry
    scalingedu execute NOTEBOOK...    run notebooks top to bottom and save their outputs
    scalingedu bench                  print benchmark figures, one per line: name value unit
    scalingedu bench-hub [--json FILE]
                                      measure each lesson's kernel memory and CPU and the server's, for hub sizing
    scalingedu grade SUBMISSION.ipynb... --out DIR
                                      grade learners' notebooks into a gradebook, feedback files and a report
    scalingedu gradebook DIR [--rubric RUBRIC.csv] [--canvas FILE.csv --assignment NAME] [--gradescope FILE.csv]
                                      merge human rubric points into a graded class; write Canvas/Gradescope CSVs
    scalingedu export-otter PROBLEM_SET --out DIR
                                      write a problem set as an Otter-Grader assignment (same points, same checks)
    scalingedu release --out DIR [--roster CSV]
                                      build the learners' copy for a graded class (sealed checks, no solutions)
    scalingedu export [--out DIR]     write every lesson as a static HTML page (no kernel needed to read it)
    scalingedu present LESSON         show a lesson's widgets without code in Voilà, pre-heated, in projector mode
    scalingedu sweep [--quick] --out FILE.csv
                                      train the scaling lab's IsoFLOP sweep of tiny language models on this CPU
    scalingedu hparam-sweep --experiment lr-transfer|batch-size|schedules [--quick] --out FILE.csv
                                      train lesson 10's hyperparameter sweeps (µP, batch size, WSD) on this CPU
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path


def _build_exercises(root: Path, *, check: bool) -> int:
    from .authoring import build_exercises, stale_exercises
    if check:
        stale = stale_exercises(root)
        for path in stale:
            print(f"out of date: {path.relative_to(root)}")
        print("solutions/ and exercises/ are up to date" if not stale else "run: scalingedu build-exercises")
        return 1 if stale else 0
    for path in build_exercises(root):
        print(f"wrote {path.relative_to(root)}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scalingedu", description="Tasks of the scalingedu course.")
    commands = parser.add_subparsers(dest="command", required=True)
    build = commands.add_parser("build-exercises",
                                help="write exercises/ from solutions/ (solutions replaced by stubs)")
    build.add_argument("--check", action="store_true", help="only report whether exercises/ is up to date")
    readme = commands.add_parser("build-readme", help="write README.md's lesson table from scalingedu/lessons.py")
    readme.add_argument("--check", action="store_true", help="only report whether the table is up to date")
    run = commands.add_parser("execute", help="execute notebooks in place, top to bottom")
    run.add_argument("notebooks", nargs="+", type=Path)
    run.add_argument("--timeout", type=int, default=120, help="seconds allowed per cell (default 120)")
    bench = commands.add_parser("bench", help="print benchmark figures as 'name value unit' lines")
    bench.add_argument("--repeats", type=int, default=25, help="programmatic changes per widget (default 25)")
    bench.add_argument("--skip-notebooks", action="store_true", help="do not time notebook execution")
    bench.add_argument("--skip-grading", action="store_true",
                       help="do not time grading a class of 60 notebooks, in the sandbox and without (about 3 minutes)")
    bench.add_argument("--only-grading", action="store_true", help="only time grading a class of 60 notebooks")
    bench.add_argument("--voila", action="store_true",
                       help="only time Voilà showing lesson 04, on demand and pre-heated (needs the voila extra)")
    bench.add_argument("--skip-fits", action="store_true",
                       help="do not time the Chinchilla fit against Hoffmann's 4,500-start grid (about a minute)")
    from ..grading.classroom import add_grade_command
    from ..grading.lms import add_gradebook_command
    from ..grading.otter_export import add_export_otter_command
    from .export import add_export_command
    from .present import add_present_command
    from .release import add_release_command
    from .sizing import add_bench_hub_command
    add_bench_hub_command(commands)
    add_grade_command(commands)
    add_release_command(commands)
    add_export_otter_command(commands)
    add_gradebook_command(commands)
    add_export_command(commands)
    add_present_command(commands)
    from ..lab.sweep import add_sweep_command
    add_sweep_command(commands)
    from ..lab.hyperparameters import add_hparam_sweep_command
    add_hparam_sweep_command(commands)
    args = parser.parse_args(argv)

    from ..lessons import course_root
    root = course_root() or Path.cwd()
    if args.command == "build-exercises":
        try:
            return _build_exercises(root, check=args.check)
        except (FileNotFoundError, ValueError) as error:   # markers or question cells that do not match: no traceback
            parser.exit(1, f"scalingedu build-exercises: error: {error}\n")
    if args.command == "build-readme":
        from .readme import readme_is_current, write_readme
        if args.check:
            current = readme_is_current(root)
            print("README.md's lesson table is up to date" if current else "run: scalingedu build-readme")
            return 0 if current else 1
        print("wrote README.md's lesson table" if write_readme(root) else "README.md's lesson table is up to date")
        return 0
    if args.command == "present":
        from .present import run_present
        try:
            return run_present(args, root)
        except ValueError as error:      # an unknown lesson: the message lists the slugs
            parser.exit(2, f"scalingedu present: error: {error}\n")
    if args.command == "execute":
        from .execute import execute_in_place
        for path in args.notebooks:
            seconds = execute_in_place(path, timeout=args.timeout)
            print(f"executed {path} in {seconds:.1f} s")
        return 0
    if args.command == "bench":
        from .bench import bench_grading, run_benchmarks
        if args.only_grading:
            bench_grading(root)
            return 0
        if args.voila:
            from .present import seconds_to_first_widget
            notebook = root / "notebooks/04_chinchilla.ipynb"
            for preheat in (False, True):
                seconds = seconds_to_first_widget(notebook, preheat=preheat)
                print(f"voila_04_first_widget_{'preheated' if preheat else 'on_demand'} {seconds:.1f} s", flush=True)
            return 0
        try:
            run_benchmarks(root, repeats=args.repeats, notebooks=not args.skip_notebooks, fits=not args.skip_fits,
                           grading=not args.skip_grading)
        except ValueError as error:      # e.g. too few repeats: a message, not a traceback
            parser.exit(2, f"scalingedu bench: error: {error}\n")
        return 0
    if args.command == "bench-hub":
        from .sizing import run_bench_hub
        return run_bench_hub(args, root)
    if args.command == "grade":
        from ..grading.classroom import run_grade
        from ..grading.submission import SandboxUnavailable
        try:
            return run_grade(args)
        except (FileNotFoundError, ValueError, TypeError, SandboxUnavailable) as error:   # no traceback
            parser.exit(2, f"scalingedu grade: error: {error}\n")
    if args.command == "gradebook":
        from ..grading.lms import run_gradebook
        try:
            return run_gradebook(args)
        except (FileNotFoundError, ValueError) as error:   # a missing folder or a bad rubric row: no traceback
            parser.exit(2, f"scalingedu gradebook: error: {error}\n")
    if args.command == "export-otter":
        from ..grading.otter_export import run_export_otter
        return run_export_otter(args, root)
    if args.command == "release":
        from .release import run_release
        try:
            return run_release(args, root)
        except (FileNotFoundError, FileExistsError, ValueError, RuntimeError) as error:   # no traceback
            parser.exit(2, f"scalingedu release: error: {error}\n")
    if args.command == "sweep":
        from ..lab.sweep import run_sweep
        return run_sweep(args)
    if args.command == "hparam-sweep":
        from ..lab.hyperparameters import run_hparam_sweep
        return run_hparam_sweep(args)
    if args.command == "export":
        from .export import run_export
        return run_export(args, root)
    return 2


if __name__ == "__main__":
    sys.exit(main())
