"""`parley viz` never leaves its server behind (issue 24): the server is started as a child
that Linux signals when its parent dies, so a SIGKILL or SIGTERM of `parley viz` stops the
server too (before, one still served 1 h 46 min after its parent was killed)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import parley

SRC = Path(parley.__file__).resolve().parents[1]
PARENT = textwrap.dedent("""
    import sys, time
    from parley.viz import start_server
    server = start_server([sys.executable, "-c", "import time; time.sleep(120)"], {})
    print(server.pid, flush=True)
    time.sleep(120)
""")


def running(pid: int) -> bool:
    """True while ``pid`` runs (a zombie waiting for its new parent to reap it has ended)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_the_server_dies_with_a_killed_parent(sig):
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    parent = subprocess.Popen([sys.executable, "-c", PARENT], stdout=subprocess.PIPE,
                              text=True, env=env)
    server = int(parent.stdout.readline())
    assert running(server)
    os.kill(parent.pid, sig)
    parent.wait(timeout=10)
    deadline = time.monotonic() + 2.0
    while running(server) and time.monotonic() < deadline:
        time.sleep(0.05)
    alive = running(server)
    if alive:
        os.kill(server, signal.SIGKILL)
    assert not alive, "the viz server outlived its parent by more than 2 s"
