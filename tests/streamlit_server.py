"""A real ``streamlit run`` on 127.0.0.1 at a free port: for the browser tests and the benchmarks.

One class, so the tests (``tests/conftest.py``) and the scripts in
``benchmarks/`` start, probe and stop servers the same way.
"""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"
#: Seconds to wait for a server's /_stcore/health to answer "ok".
STARTUP_TIMEOUT = 60.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def page_url_path(script: str | Path) -> str:
    """Streamlit's URL path for a page file: ``pages/9_About_the_model.py`` -> ``About_the_model``."""
    stem = Path(script).stem
    return re.sub(r"^[0-9]+[_ -]*", "", stem).replace(" ", "_")


class StreamlitServer:
    """One ``streamlit run`` process on 127.0.0.1, its output kept in a log file."""

    def __init__(self, script: str | Path):
        path = Path(script)
        self.script = path if path.is_absolute() else REPO_ROOT / path
        if not self.script.exists():
            raise FileNotFoundError(self.script)
        self.port = free_port()
        self.url = f"http://{HOST}:{self.port}"
        self.log = tempfile.NamedTemporaryFile(prefix="streamlit-", suffix=".log", delete=False)
        command = [
            sys.executable, "-m", "streamlit", "run", str(self.script),
            "--server.headless", "true",
            "--server.address", HOST,
            "--server.port", str(self.port),
            "--browser.gatherUsageStats", "false",
            # other people edit the sources while tests run: never rerun on a save
            "--server.fileWatcherType", "none",
            "--server.runOnSave", "false",
        ]
        self.process = subprocess.Popen(
            command, cwd=REPO_ROOT, stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )

    def output(self) -> str:
        self.log.flush()
        return Path(self.log.name).read_text(errors="replace")[-4000:]

    def wait_healthy(self, timeout: float = STARTUP_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        health = f"{self.url}/_stcore/health"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"streamlit run {self.script.name} exited with {self.process.returncode}:\n{self.output()}"
                )
            try:
                with urllib.request.urlopen(health, timeout=2) as response:
                    if response.status == 200 and response.read().strip() == b"ok":
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{health} did not answer within {timeout:.0f} s:\n{self.output()}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.log.close()
        Path(self.log.name).unlink(missing_ok=True)
