"""The resource limits a job runs under."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    cpu_seconds: int = 10
    memory_mb: int | None = 1024        # address space per process
    processes: int = 64                 # watchdog on the job's processes (+ RLIMIT_NPROC under bwrap)
    file_size_mb: int = 16              # largest file a job may write
    open_files: int = 256
    output_bytes: int = 64 * 1024       # per stream; the head and the tail are kept
    work_mb: int = 256                  # size of the work folder tmpfs (bwrap)
    tmp_mb: int = 64                    # size of the private /tmp (bwrap)

    def rlimits(self) -> dict:
        return {"cpu_seconds": self.cpu_seconds, "memory_mb": self.memory_mb, "processes": self.processes,
                "file_size_mb": self.file_size_mb, "open_files": self.open_files}


NO_LIMITS = Limits(cpu_seconds=10**6, memory_mb=None, processes=0, file_size_mb=10**6, open_files=65536)
