"""The one family of errors parley raises for bad input, caught once by the CLI.

Each error holds ``problems``: one line per problem, naming the file or
option, the field and what is allowed.  The CLI prints each line after
``error: `` and exits with status 2.
"""

from __future__ import annotations


class ParleyError(Exception):
    """Bad input to parley: a scenario, a sweep specification or a results folder."""

    def __init__(self, problems: str | list[str]):
        lines = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(lines))
        self.problems = lines


class ScenarioError(ParleyError):
    """A scenario could not be loaded or run (also: bad batch options)."""


class SweepSpecError(ParleyError):
    """A sweep specification (sweep file or --vary options) is not usable."""


class ResultsFolderError(ParleyError):
    """A results folder cannot be used as asked (already full, not resumable, ...)."""


class ResultsContentError(ParleyError, ValueError):
    """A results folder is missing files or holds nothing that can be read or plotted."""
