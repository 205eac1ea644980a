"""Start the real `stacklens` binary for end-to-end tests.

Every test server gets a fresh temporary data directory and port 0; the bound
port is read back from the file named by `--port-file`, so tests never race for
fixed ports and never sleep for a fixed time.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path
from typing import IO, Iterable, List, Optional

import httpx

REPO = Path(__file__).resolve().parents[2]
BINARY = Path(os.environ.get("STACKLENS_BINARY", REPO / "build" / "stacklens"))


class StackLensServer:
    def __init__(self, data_dir: Path, extra_args: Iterable[str] = (), wrapper: Iterable[str] = (),
                 binary: Optional[Path] = None) -> None:
        self.binary = Path(binary) if binary else BINARY
        self.data_dir = Path(data_dir)
        self.extra_args = list(extra_args)
        self.wrapper = list(wrapper)  # a command that runs the server (it must exec it: same pid)
        self.proc: Optional[subprocess.Popen[bytes]] = None
        self.port = 0
        self.log_path = self.data_dir.parent / (self.data_dir.name + ".log")
        self._log_file: Optional[IO[bytes]] = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run an admin subcommand on this server's data directory."""
        return subprocess.run(
            [str(self.binary), *args, "--data-dir", str(self.data_dir)],
            capture_output=True, text=True, check=check, timeout=60,
        )

    def create_key(self, scopes: str = "traces:write,traces:read,prompts:read,prompts:write",
                   project: str = "default") -> str:
        out = self.cli("keys", "create", "--project", project, "--scopes", scopes).stdout
        return out.strip().splitlines()[-1]

    def start(self, timeout: float = 30.0) -> "StackLensServer":
        self.data_dir.mkdir(parents=True, exist_ok=True)
        port_file = self.data_dir.parent / (self.data_dir.name + ".port")
        if port_file.exists():
            port_file.unlink()
        self._log_file = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [*self.wrapper, str(self.binary), "serve", "--data-dir", str(self.data_dir), "--listen", "127.0.0.1",
             "--port", "0", "--port-file", str(port_file), *self.extra_args],
            stdout=self._log_file, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"stacklens exited with {self.proc.returncode}: {self.log()}")
            if port_file.exists() and port_file.read_text().strip():
                self.port = int(port_file.read_text().strip())
                try:
                    if httpx.get(self.url + "/health", timeout=2).status_code == 200:
                        return self
                except httpx.TransportError:
                    pass
            time.sleep(0.02)
        raise RuntimeError("stacklens did not become healthy: " + self.log())

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-4000:]
        except OSError:
            return ""

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30.0) -> int:
        if self.proc is None:
            return 0
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        code = self.proc.wait(timeout=timeout)
        self.proc = None
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None
        return code

    def kill(self) -> None:
        self.stop(signal.SIGKILL)


def bootstrap_lines(output: str) -> List[str]:
    return [line for line in output.splitlines() if line.strip()]


class SingleNode(StackLensServer):
    """One `stacklens serve` on its own data directory even in the cluster pass, where every
    StackLensServer becomes a cluster (stacklens_cluster.use_cluster_target): the source of
    `stacklens migrate`. The methods are StackLensServer's as defined above, before any patch."""

    start = StackLensServer.start
    stop = StackLensServer.stop
    log = StackLensServer.log
    cli = StackLensServer.cli
