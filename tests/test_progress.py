"""Progress on stderr: shown on a terminal, silent when stderr is not one and with ``citykg -q``; stdout
never changes."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
from pathlib import Path

import pytest

from citykg import progress

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = {
    "synth": lambda out: ["synth", "--cities", "1500", "-o", str(out / "world")],
    "build": lambda out: ["--project", str(ROOT), "--build-dir", str(out / "build"), "build", "--formats", "nq"],
}
SHOWN = {"synth": "synthesising 1,500 cities", "build": "validating"}


def run(args: list[str], *, tty: bool) -> tuple[str, str]:
    """Run citykg with stderr on a pseudo-terminal (or a pipe); returns (stdout, stderr)."""
    command = [sys.executable, "-m", "citykg", *args]
    if not tty:
        done = subprocess.run(command, capture_output=True, text=True, check=True, timeout=300)
        return done.stdout, done.stderr
    master, slave = pty.openpty()
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=slave, text=True)
    os.close(slave)
    err = b""
    while True:
        ready, _, _ = select.select([master], [], [], 300)
        if not ready:
            break
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        err += chunk
    out = child.stdout.read() if child.stdout else ""
    assert child.wait(timeout=300) == 0
    os.close(master)
    return out, err.decode("utf-8", "replace")


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_progress_only_on_a_terminal_and_never_with_q(name: str, tmp_path: Path) -> None:
    shown_out, shown = run(COMMANDS[name](tmp_path / "a"), tty=True)
    assert SHOWN[name] in shown
    piped_out, piped = run(COMMANDS[name](tmp_path / "b"), tty=False)
    assert SHOWN[name] not in piped and "\r" not in piped
    _, quiet = run(["-q", *COMMANDS[name](tmp_path / "c")], tty=True)
    assert SHOWN[name] not in quiet and "\r" not in quiet.replace("\r\n", "\n")
    strip = lambda text: text.replace(str(tmp_path / "a"), "X").replace(str(tmp_path / "b"), "X")  # noqa: E731
    assert strip(shown_out).split("built in")[0] == strip(piped_out).split("built in")[0]


def test_bar_and_step_write_nothing_when_quiet(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    class Terminal:
        text = ""

        def isatty(self) -> bool:
            return True

        def write(self, text: str) -> int:
            self.text += text
            return len(text)

        def flush(self) -> None:
            pass

    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    with progress.step("step one"):
        pass
    assert "step one" in terminal.text
    terminal.text = ""
    progress.set_quiet(True)
    try:
        with progress.step("step two"), progress.bar(10, "bar") as bar:
            bar.update(5)
    finally:
        progress.set_quiet(False)
    assert terminal.text == ""
