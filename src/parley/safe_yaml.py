"""The bounded YAML reader: safe loading of a file the user names, within fixed limits.

A scenario or sweep file is a few kB of plain YAML.  :func:`read_yaml_mapping`
reads one from a regular file of bounded size (never a device or FIFO),
refuses a key given twice, bounds nesting while composing and the node graph
with aliases expanded before anything is constructed (so a few hundred bytes
of nested aliases cannot grow into gigabytes), and turns every problem into
one :class:`~parley.errors.ScenarioError` line naming the file, the YAML line
and column, and what is wrong.
"""

from __future__ import annotations

import copy
import os
import re
import stat
from pathlib import Path
from typing import Any

import yaml

from parley.errors import ParleyError, ScenarioError, printable, printable_path

MAX_FILE_BYTES = 1_000_000  # a scenario is a few kB; anything larger is a mistake
MAX_DEPTH = 32  # nesting levels (aliases followed)
MAX_NODES = 50_000  # YAML nodes once aliases are expanded (alias bombs)
MAX_INT_CHARS = 64  # digits of one integer literal
#: the integers and floats a file may write: plain decimal (YAML 1.1's sexagesimal 1:00 = 60,
#: octal 010 = 8, 0x, 0b and 1_000 forms mean something other than what a reader sees)
PLAIN_INT = re.compile(r"[-+]?(0|[1-9][0-9]*)")
PLAIN_FLOAT = re.compile(r"[-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?"
                         r"|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)")


class _LimitError(yaml.MarkedYAMLError):
    """The input exceeds a loader bound (depth, size, integer length) or is malformed."""

    def __init__(self, problem: str, mark=None):
        super().__init__(problem=problem, problem_mark=mark)


class _UniqueKeyLoader(yaml.SafeLoader):
    """Safe loading (no tags executed) with bounds, that refuses a key given twice.

    Nesting is bounded while composing (so deep input never recurses far),
    and the node graph is measured with aliases expanded before anything is
    constructed, so a few hundred bytes of nested aliases cannot grow into
    gigabytes.  Merge keys (``<<``) are supported.
    """

    _depth = 0

    def compose_node(self, parent, index):
        self._depth += 1
        try:
            event = self.peek_event()
            if self._depth > MAX_DEPTH:
                raise _LimitError(f"nested more than {MAX_DEPTH} levels deep",
                                  event.start_mark)
            tag = getattr(event, "tag", None)
            if tag not in (None, "!"):  # written in the file: !!binary, !!str, !!float, ...
                shown = tag.replace("tag:yaml.org,2002:", "!!")
                raise _LimitError(f"unsupported YAML tag {printable(shown, 60)}: only plain "
                                  "YAML data is allowed (write the value untagged)",
                                  event.start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=True)
            try:
                hash(key)
            except TypeError:
                raise _LimitError(f"a mapping key must be a plain value, not a "
                                  f"{type(key).__name__}", key_node.start_mark) from None
            if key in seen:
                raise _LimitError(f"duplicate key {printable(repr(key), 60)} (a later value "
                                  "would silently win)", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep)

    def construct_yaml_int(self, node):
        if len(str(node.value)) > MAX_INT_CHARS:
            raise _LimitError(f"an integer of {len(str(node.value)):,} characters (at most "
                              f"{MAX_INT_CHARS} allowed)", node.start_mark)
        if not PLAIN_INT.fullmatch(str(node.value)):
            raise _LimitError(f"{printable(repr(str(node.value)), 40)}: write an integer in "
                              "plain decimal digits (YAML reads 1:00 as 60 and 010 as 8); "
                              "quote it if it is text", node.start_mark)
        return super().construct_yaml_int(node)

    def construct_yaml_bool(self, node):
        if str(node.value).lower() not in ("true", "false"):
            raise _LimitError(f"{printable(repr(str(node.value)), 40)}: write a yes/no value "
                              "as true or false (YAML 1.1 reads yes, no, on and off as "
                              "true/false); quote it if it is text", node.start_mark)
        return super().construct_yaml_bool(node)

    def construct_yaml_float(self, node):
        if len(str(node.value)) > MAX_INT_CHARS or not PLAIN_FLOAT.fullmatch(str(node.value)):
            raise _LimitError(f"{printable(repr(str(node.value)), 40)}: write a number in "
                              "plain decimal digits such as 0.25 (YAML reads 1:30.0 as 90.0); "
                              "quote it if it is text", node.start_mark)
        return super().construct_yaml_float(node)

    def construct_yaml_timestamp(self, node):
        try:
            return super().construct_yaml_timestamp(node)
        except (ValueError, OverflowError):
            raise _LimitError(f"{printable(repr(str(node.value)), 40)} is not a valid date",
                              node.start_mark) from None


_UniqueKeyLoader.add_constructor("tag:yaml.org,2002:int", _UniqueKeyLoader.construct_yaml_int)
_UniqueKeyLoader.add_constructor("tag:yaml.org,2002:bool",
                                 _UniqueKeyLoader.construct_yaml_bool)
_UniqueKeyLoader.add_constructor("tag:yaml.org,2002:float",
                                 _UniqueKeyLoader.construct_yaml_float)
_UniqueKeyLoader.add_constructor("tag:yaml.org,2002:timestamp",
                                 _UniqueKeyLoader.construct_yaml_timestamp)


def _measure(node, level: int = 1, memo: dict[int, tuple[int, int]] | None = None
             ) -> tuple[int, int]:
    """(nodes, height) of ``node`` with aliases expanded; _LimitError beyond the bounds."""
    memo = {} if memo is None else memo
    if level > MAX_DEPTH:
        raise _LimitError(f"nested more than {MAX_DEPTH} levels deep (aliases followed)",
                          node.start_mark)
    known = memo.get(id(node))
    if known is None:
        if isinstance(node, yaml.MappingNode):
            children = [n for pair in node.value for n in pair]
        elif isinstance(node, yaml.SequenceNode):
            children = node.value
        else:
            children = []
        size, height = 1, 0
        for child in children:
            child_size, child_height = _measure(child, level + 1, memo)
            size += child_size
            height = max(height, child_height + 1)
            if size > MAX_NODES:
                break
        known = memo[id(node)] = (size, height)
    if known[0] > MAX_NODES:
        raise _LimitError(f"more than {MAX_NODES:,} values once aliases are expanded",
                          node.start_mark)
    if level + known[1] > MAX_DEPTH:
        raise _LimitError(f"nested more than {MAX_DEPTH} levels deep (aliases followed)",
                          node.start_mark)
    return known


def read_bounded(path: Path, where: str, limit: int = MAX_FILE_BYTES,
                 what: str = "a scenario file", error: type[ParleyError] = ScenarioError,
                 hint: str = "a scenario file is a few kB of YAML") -> bytes:
    """The bytes of a file the user names: a regular file (never a device, FIFO or
    socket, which are refused without reading: opened non-blocking, checked with fstat)
    of at most ``limit`` bytes (read no further); else one ``error`` line naming
    ``where`` (already printable and bounded) and what is allowed.  Every file parley
    reads from the user goes through here: scenarios, sweep files, posteriors."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise error([f"{where}: cannot read the file ({exc.strerror})"]) from None
    except ValueError:  # a NUL byte in the name
        raise error([f"{where}: not a usable file name (it holds a NUL byte)"]) from None
    try:  # checked before os.fdopen, which refuses a folder with IsADirectoryError
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise error([f"{where}: is a folder; give {what}"])
        if not stat.S_ISREG(mode):
            raise error([f"{where}: not a regular file (a device, FIFO or socket); "
                         f"give {what}"])
        fh = os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
    with fh:
        try:
            data = fh.read(limit + 1)
        except OSError as exc:
            raise error([f"{where}: cannot read the file ({exc.strerror})"]) from None
    if len(data) > limit:
        raise error([f"{where}: larger than {limit:,} bytes; {hint}"])
    return data


def _read_text(path: Path, where: str) -> str:
    """The file's text: a regular file of bounded size, never a device or FIFO."""
    data = read_bounded(path, where)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError([f"{where}: byte {exc.start} is not valid UTF-8; "
                             "save the file as UTF-8 text"]) from None


#: parsed mappings by (file name, text): a scenario chain parses base.yaml once, not once
#: per scenario that extends it (28 parses for the hindcast's 11 files); bounded, and a
#: changed file is parsed again (its text is the key)
_PARSED: dict[tuple[str, str, str], dict[str, Any]] = {}
_PARSED_KEPT = 64


def read_yaml_mapping(path: Path, what: str = "a scenario") -> dict[str, Any]:
    """A YAML file loaded safely and within bounds, as a mapping; else one ScenarioError."""
    where = printable_path(path)
    text = _read_text(path, where)
    key = (where, what, text)
    if key not in _PARSED:
        if len(_PARSED) >= _PARSED_KEPT:
            _PARSED.pop(next(iter(_PARSED)))
        _PARSED[key] = _parse_mapping(text, where, what)
    return copy.deepcopy(_PARSED[key])  # callers may change what they get


def _parse_mapping(text: str, where: str, what: str) -> dict[str, Any]:
    loader = None
    try:
        loader = _UniqueKeyLoader(text)  # its reader refuses control characters at once
        node = loader.get_single_node()
        if node is not None:
            _measure(node)
        data = None if node is None else loader.construct_document(node)
    except _LimitError as exc:
        raise ScenarioError([f"{where}: {_yaml_where(exc)}{exc.problem}"]) from None
    except yaml.constructor.ConstructorError as exc:
        if "merg" in str(exc.problem):
            raise ScenarioError([f"{where}: {_yaml_where(exc)}merge key '<<': "
                                 f"{exc.problem}"]) from None
        raise ScenarioError([f"{where}: {_yaml_where(exc)}unsupported YAML tag "
                             f"({exc.problem}); only plain YAML data is allowed"]) from None
    except yaml.YAMLError as exc:
        msg = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ScenarioError([f"{where}: {_yaml_where(exc)}YAML syntax error: {msg}"]) from None
    except (ValueError, TypeError, OverflowError, RecursionError) as exc:
        raise ScenarioError([f"{where}: a value cannot be read ({type(exc).__name__})"]
                            ) from None
    finally:
        if loader is not None:
            loader.dispose()
    if data is None:
        raise ScenarioError([f"{where}: file is empty; {what} must be a YAML mapping"])
    if not isinstance(data, dict):
        raise ScenarioError([f"{where}: top level is a {type(data).__name__}; "
                             f"{what} must be a YAML mapping of fields"])
    return data



def _yaml_where(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    return f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""

