"""A Postgres server of a test's own, started and stopped at will, from pgserver's bundled binaries."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import tempfile
import warnings
from pathlib import Path

# pgserver's import warns that XDG_RUNTIME_DIR is unset, which says nothing about this test.
warnings.filterwarnings("ignore", module="platformdirs")

import pgserver  # noqa: E402
from pgserver._commands import POSTGRES_BIN_PATH  # noqa: E402

RUN_AS = "pgserver"  # Postgres refuses to run as root; pgserver itself uses this account then


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PrivatePostgres:
    """initdb into a fresh directory, then pg_ctl start/stop on 127.0.0.1 and a free TCP port.

    Stopping it under a running bot is how a test sees a database outage that really is one: connections
    refused, the pool's connections broken. The port stays the same across restarts, as a real server's.
    """

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="checkback-pg-"))
        self.pgdata = self.root / "data"
        self.port = free_port()
        self.user: str | None = None
        if os.geteuid() == 0:
            import stat

            from pgserver.utils import (
                ensure_folder_permissions,
                ensure_prefix_permissions,
                ensure_user_exists,
            )

            ensure_user_exists(RUN_AS)
            ensure_prefix_permissions(POSTGRES_BIN_PATH)
            readable = stat.S_IRGRP | stat.S_IROTH
            ensure_folder_permissions(POSTGRES_BIN_PATH, readable | stat.S_IXGRP | stat.S_IXOTH)
            ensure_folder_permissions(POSTGRES_BIN_PATH.parent / "lib", readable)
            self.root.chmod(0o755)
            self.user = RUN_AS
        assert pgserver is not None  # the package whose binaries these are

    @property
    def dsn(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, binary: str, *args: str) -> None:
        subprocess.run(
            [str(POSTGRES_BIN_PATH / binary), *args],
            check=True,
            capture_output=True,
            timeout=60,
            user=self.user,
        )

    def init(self) -> None:
        self.pgdata.mkdir()
        if self.user is not None:
            shutil.chown(self.pgdata, self.user, self.user)
        self._run("initdb", "-D", str(self.pgdata), "--auth=trust", "--encoding=utf8", "-U", "postgres")

    def start(self) -> None:
        options = f"-h 127.0.0.1 -p {self.port} -k {self.pgdata} -c fsync=off"
        self._run(
            "pg_ctl",
            "-D",
            str(self.pgdata),
            "-w",
            "-t",
            "30",
            "-o",
            options,
            "-l",
            str(self.pgdata / "log"),
            "start",
        )

    def stop(self) -> None:
        """A fast shutdown: sessions are terminated, as when a managed database fails over or restarts."""
        self._run("pg_ctl", "-D", str(self.pgdata), "-w", "-t", "30", "-m", "fast", "stop")

    def destroy(self) -> None:
        try:
            self.stop()
        except subprocess.CalledProcessError:
            pass  # already stopped
        shutil.rmtree(self.root, ignore_errors=True)

    async def astart(self) -> None:
        await asyncio.to_thread(self.start)

    async def astop(self) -> None:
        await asyncio.to_thread(self.stop)
