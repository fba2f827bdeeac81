"""Project tooling, apart from the subject: the ``scalingedu`` command and what it runs.

- :mod:`.cli`: the ``scalingedu`` command (build-exercises, build-readme, execute, bench, grade, export, sweep);
- :mod:`.authoring`: exercises generated from solutions, question cells rendered from their one source;
- :mod:`.readme`: the README's lesson table, written from the lesson registry;
- :mod:`.execute`: run a notebook top to bottom and save its outputs;
- :mod:`.bench`: benchmark figures, one per line;
- :mod:`.export`: lessons as static HTML pages.

Nothing in the subject modules (laws, parallelism, moe, ...) imports this package.
"""
