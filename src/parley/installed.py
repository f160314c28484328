"""Versions of installed distributions, read from their metadata files.

The answer of ``importlib.metadata.version``, without its import: that pulls in email,
zipfile, csv and pathlib, about 25 ms of a command's start on this machine, and
every batch writes versions into its manifest (and ``parley --version`` needs one).
A distribution is looked for as importlib.metadata looks: the ``sys.path`` entries in
order, a ``NAME-VERSION.dist-info`` or ``NAME.egg-info`` folder whose name matches
(PEP 503 normalised), its ``Version:`` header.  Anything this does not find (a zipped
egg, a custom finder) is asked of importlib.metadata after all.
"""

from __future__ import annotations

import os
import re
import sys

_METADATA_FILES = {"dist-info": "METADATA", "egg-info": "PKG-INFO"}


def installed_version(name: str) -> str | None:
    """The version of the installed distribution ``name``, or None when it is not installed."""
    found = _from_folders(name)
    if found is not None:
        return found
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return None


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _from_folders(name: str) -> str | None:
    wanted = _normal(name)
    for entry in sys.path:
        try:
            folders = sorted(os.listdir(entry or "."))
        except OSError:  # not a folder (a zip), or gone
            continue
        for folder in folders:
            stem, _, kind = folder.rpartition(".")
            if kind in _METADATA_FILES and _normal(stem.partition("-")[0]) == wanted:
                found = _header_version(os.path.join(entry or ".", folder, _METADATA_FILES[kind]))
                if found is not None:
                    return found
    return None


def _header_version(path: str) -> str | None:
    """The ``Version:`` header of a metadata file (headers end at the first blank line)."""
    try:
        with open(path, encoding="utf-8") as lines:
            for line in lines:
                if not line.strip():
                    return None
                key, _, value = line.partition(":")
                if key.strip().lower() == "version":
                    return value.strip()
    except (OSError, UnicodeDecodeError):
        return None
    return None
