"""`python -m core validate/score ...` draw progress on stderr only when it is a terminal.

The commands run as real processes whose stderr is a pseudo-terminal (os.openpty) or a pipe.
Their quiet spell (core.common.progress.QUIET_FOR_S, one second: a quick run prints nothing)
is set to zero in the child so that a small folder draws its line too.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from core.cli import main
from core.common.progress import QUIET_FOR_S, REDRAW_EVERY_S, TerminalProgress

ROOT = Path(__file__).resolve().parents[3]
ERASE = "\r\x1b[K"
RUN = (
    "import sys, core.common.progress as p; p.QUIET_FOR_S = 0; p.REDRAW_EVERY_S = 0; "
    "from core.cli import main; sys.exit(main(sys.argv[1:]))"
)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("progress") / "data"
    assert main(["demo", str(folder), "--accounts", "40", "--format", "parquet"]) == 0
    return folder


def _read_all(fd: int) -> str:
    chunks = []
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # the terminal's other end closed: all was read
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks).decode("utf-8", "replace")


def _on_terminal(*args: str) -> tuple[int, str, str]:
    """Exit status, stdout (a pipe) and stderr (a pseudo-terminal) of one command."""
    leader, follower = os.openpty()
    try:
        proc = subprocess.run(
            [sys.executable, "-c", RUN, *args],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=follower,
            text=True,
            timeout=300,
            check=False,
        )
    finally:
        os.close(follower)
    try:
        terminal = _read_all(leader)
    finally:
        os.close(leader)
    return proc.returncode, proc.stdout, terminal


def _on_pipe(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", RUN, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.mark.parametrize("command", ["validate", "score"])
def test_a_terminal_sees_progress_then_a_clean_line(data_dir: Path, command: str):
    status, out, terminal = _on_terminal(command, str(data_dir))
    assert status == 0, terminal
    assert "%] Checking accounts" in terminal
    assert "%] Checking events.parquet" in terminal
    if command == "score":
        assert "%] Computing health score of every account" in terminal
        assert "account_id" in out
    else:
        assert "is valid" in out
    assert terminal.endswith(ERASE), "the progress line is erased when the command ends"


@pytest.mark.parametrize("command", ["validate", "score"])
def test_a_pipe_sees_no_progress(data_dir: Path, command: str):
    proc = _on_pipe(command, str(data_dir))
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""


def test_bad_data_on_a_terminal_keeps_its_report(data_dir: Path, tmp_path: Path):
    bad = tmp_path / "bad"
    bad.mkdir()
    for file in data_dir.iterdir():
        (bad / file.name).write_bytes(file.read_bytes())
    (bad / "touches.csv").write_text(
        "account_id,channel,timestamp\nnobody,call,2026-01-01\n", encoding="utf-8"
    )
    (bad / "touches.parquet").unlink()
    status, _out, terminal = _on_terminal("validate", str(bad))
    assert status == 1
    report = terminal.rsplit(ERASE, 1)[-1]
    assert "nobody" in report, "the report follows the erased progress line, whole"


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class Screen:
    """A stream that says it is a terminal and keeps what was written."""

    def __init__(self) -> None:
        self.text = ""

    def write(self, text: str) -> int:
        self.text += text
        return len(text)

    def flush(self) -> None:
        """Nothing is buffered."""


def test_short_runs_stay_quiet_and_redraws_are_spaced():
    clock, screen = Clock(), Screen()
    progress = TerminalProgress(screen, clock)  # type: ignore[arg-type]
    progress(0.5, "Checking events.parquet")
    assert screen.text == ""
    clock.now = QUIET_FOR_S
    progress(0.5, "Checking events.parquet")
    assert screen.text == f"{ERASE}[ 50%] Checking events.parquet"
    clock.now += REDRAW_EVERY_S / 2
    progress(0.6, "Checking touches.parquet")
    assert "touches" not in screen.text
    clock.now += REDRAW_EVERY_S
    progress(0.6, "Checking touches.parquet")
    assert screen.text.endswith(f"{ERASE}[ 60%] Checking touches.parquet")
    progress.clear()
    assert screen.text.endswith(ERASE)
