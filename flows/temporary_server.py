"""Prefect's temporary server for a `proofs run` with no server configured.

Prefect would start it on the flow's first call and wait for it (4-8 s measured);
started here, in the background, it comes up during our imports and warm-up.

It is also shielded from the terminal: Ctrl-C reaches every process of the
terminal's process group, and a server killed by it left the interrupted run
retrying its last API calls for minutes. In a process group of its own, the
server records the interrupted run and is stopped by Prefect at exit; if the
batch process is killed outright, the kernel stops the server with it
(``PR_SET_PDEATHSIG``, tied to the thread that started it, which therefore
lives as long as the process).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import threading
from collections.abc import Iterator

#: prctl(2) option: the signal a child gets when the thread that forked it ends.
_PR_SET_PDEATHSIG = 1


def start_in_background() -> threading.Event | None:
    """Start the temporary server unless ``PREFECT_API_URL`` names one; the event is set
    once it answers (or once starting it failed: the flow then starts it itself and
    reports what goes wrong)."""
    if os.environ.get("PREFECT_API_URL"):
        return None
    ready = threading.Event()

    def start_and_stay() -> None:
        try:
            _start()
        except Exception:
            pass
        finally:
            ready.set()
        threading.Event().wait()  # the server's parent-death signal is tied to this thread

    threading.Thread(target=start_and_stay, name="prefect-server", daemon=True).start()
    return ready


def _start() -> None:
    from prefect.settings import get_current_settings

    settings = get_current_settings()
    if settings.api.url or not settings.server.ephemeral.enabled:
        return
    # automations cannot outlive a temporary server: its trigger service would only cost
    # CPU on every event (about 6 ms per task run, measured)
    os.environ.setdefault("PREFECT_SERVER_SERVICES_TRIGGERS_ENABLED", "false")
    from prefect.server.api import server

    with _shielded_subprocesses(server):
        server.SubprocessASGIServer().start()


@contextlib.contextmanager
def _shielded_subprocesses(module) -> Iterator[None]:
    """Make ``module``'s ``subprocess.Popen`` start children in their own process group,
    stopped by the kernel when this thread's process dies."""
    original = module.subprocess
    prctl = _prctl()

    def set_parent_death_signal() -> None:
        if prctl is not None:
            prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)

    class Shielded:
        def __getattr__(self, name: str):
            return getattr(original, name)

        @staticmethod
        def Popen(*args, **kwargs):  # subprocess.Popen's name
            kwargs.setdefault("process_group", 0)
            kwargs.setdefault("preexec_fn", set_parent_death_signal)
            return original.Popen(*args, **kwargs)

    module.subprocess = Shielded()
    try:
        yield
    finally:
        module.subprocess = original


def _prctl():
    try:
        function = ctypes.CDLL("libc.so.6", use_errno=True).prctl
    except (OSError, AttributeError):  # not Linux/glibc: the group alone shields the server
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_ulong]
    return function
