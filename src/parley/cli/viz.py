"""``parley viz``: its options, checked before the server starts; :func:`parley.viz.launch`
serves the page."""

from __future__ import annotations

import argparse

from parley.cli.common import host, path_text, port

DEFAULT_PORT = 8765
DEFAULT_HOST = "127.0.0.1"


def register(sub) -> None:
    """Add ``parley viz [SCENARIO] [--port] [--host] [--no-open]``."""
    from parley.viz import DEFAULT_SCENARIO

    p = sub.add_parser(
        "viz", help="interactive browser view of one scenario (Mesa SolaraViz)",
        description="Serve a SolaraViz page for one scenario: stance sliders, step/play/reset, "
                    "live charts and the month-by-month event log.")
    p.add_argument("scenario", nargs="?", default=DEFAULT_SCENARIO, type=path_text,
                   help=f"scenario YAML file (default {DEFAULT_SCENARIO})")
    p.add_argument("--port", type=port, default=DEFAULT_PORT,
                   help=f"port to serve on, 1 to 65535 (default {DEFAULT_PORT})")
    p.add_argument("--host", type=host, default=DEFAULT_HOST,
                   help=f"address to listen on (default {DEFAULT_HOST})")
    p.add_argument("--no-open", action="store_true", help="do not open a web browser")
    p.set_defaults(func=run_viz)


def run_viz(args: argparse.Namespace) -> int:
    from parley.viz import launch

    return launch(args)
