"""Mesa, imported without its side effect on the multiprocessing start method.

``import mesa`` runs ``mesa.batchrunner``, which calls
``multiprocessing.set_start_method("spawn", force=True)`` for the whole
process.  A library import should not change how the user's own code starts
processes, so the start method in force before is put back.  (parley's worker
pools never depend on it: they use their own multiprocessing context.)
"""

from __future__ import annotations

import multiprocessing

_before = multiprocessing.get_start_method(allow_none=True)

import mesa  # noqa: E402  (must follow the line above)

if multiprocessing.get_start_method(allow_none=True) != _before:
    multiprocessing.set_start_method(_before, force=True)  # None: the platform's default

__all__ = ["mesa"]
