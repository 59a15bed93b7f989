"""`make run` stops within 5 s of Ctrl-C or SIGTERM and leaves no process behind, the
worker's whole tree (qcluster's sentinel, workers, pusher, monitor) included.

`make run` for real, in a copy of the repository (its .env, SQLite database and emulator
state stay there) on free ports. Its processes are found in /proc: every descendant of
`make`, recorded with its start time before the signal (an orphan's parent becomes 1, so
it must be known before), and whatever else still runs in one of their sessions after.
"""

import contextlib
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests import make_run

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc (Linux)"),
    pytest.mark.skipif(not shutil.which("make"), reason="no make"),
]

STOP_SECONDS = 5


def _stat(pid: int) -> tuple[str, int, int, int] | None:
    """(state, parent, session, start time) of a process, None once it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = text.rsplit(")", 1)[1].split()  # the command name may hold spaces and ")"
    return fields[0], int(fields[1]), int(fields[3]), int(fields[19])


def _processes() -> dict[int, tuple[str, int, int, int]]:
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := _stat(int(entry.name))):
            found[int(entry.name)] = stat
    return found


def _tree(root: int) -> dict[int, tuple[str, int, int, int]]:
    """root and its descendants."""
    processes = _processes()
    tree, frontier = {}, [root]
    while frontier:
        pid = frontier.pop()
        if pid in processes:
            tree[pid] = processes[pid]
            frontier += [child for child, stat in processes.items() if stat[1] == pid]
    return tree


def _survivors(tree: dict[int, tuple[str, int, int, int]]) -> list[int]:
    """Processes of the tree still running (same pid and start time), or new ones in its
    sessions; zombies are dead already."""
    sessions = {stat[2] for stat in tree.values()}
    return [
        pid
        for pid, (state, _parent, session, started) in _processes().items()
        if state != "Z"
        and ((pid in tree and tree[pid][3] == started) or session in sessions)
        and pid != os.getpid()
        and session != os.getsid(0)
    ]


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return "?"


@pytest.fixture(scope="module")
def repository(tmp_path_factory) -> Path:
    return make_run.copy_repository(tmp_path_factory.mktemp("make-run"))


@pytest.mark.parametrize(
    ("signum", "to_group"),
    [(signal.SIGINT, True), (signal.SIGTERM, False)],
    ids=["ctrl-c-to-the-process-group", "sigterm-to-make"],
)
def test_make_run_stops_within_5_s_and_leaves_no_process(repository, tmp_path, signum, to_group):
    log = tmp_path / "make-run.log"
    make, ports = make_run.start(repository, log)
    tree = {}
    try:
        make_run.wait_until_everything_runs(make, f"http://127.0.0.1:{ports['PORT']}", log)
        tree = _tree(make.pid)
        workers = [pid for pid in tree if "manage.py worker" in _cmdline(pid)]
        # main process, sentinel, pusher, monitor and the workers: the tree that outlived
        # a SIGKILL of its parent before
        assert len(workers) >= 5, [_cmdline(pid) for pid in tree]

        started = time.monotonic()
        if to_group:
            os.killpg(make.pid, signum)  # what a terminal does on Ctrl-C
        else:
            make.send_signal(signum)
        with contextlib.suppress(subprocess.TimeoutExpired):
            make.wait(timeout=30)
        stopped_after = time.monotonic() - started
        assert make.returncode is not None, "make run still runs 30 s after the signal"
        time.sleep(0.5)  # a process that was killed may take a moment to be gone
        survivors = _survivors(tree)
        assert not survivors, [_cmdline(pid) for pid in survivors]
        assert stopped_after <= STOP_SECONDS, (
            f"stopped after {stopped_after:.1f} s: {log.read_text()[-3000:]}"
        )
        text = log.read_text()
        assert "SIGKILL" not in text, text[-3000:]  # each process stopped of its own accord
        assert "Worker stopped." in text
    finally:
        # Leave the machine clean whatever happened above.
        if make.poll() is None:
            os.killpg(make.pid, signal.SIGKILL)
            make.wait(timeout=10)
        for pid in _survivors(tree):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
