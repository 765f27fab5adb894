"""Where an index build spends its time, stage by stage (parse, chunk, figures, embedding,
BM25, writes): process CPU and wall seconds summed per stage, so the build benchmarks can
print each stage's share and chunks per CPU-second without a profiler."""

from __future__ import annotations

import resource
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


def cpu_seconds() -> float:
    """This process's CPU time with its finished children's (a pool's readers)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


@dataclass
class StageTimes:
    cpu: dict[str, float] = field(default_factory=dict)
    wall: dict[str, float] = field(default_factory=dict)
    items: dict[str, int] = field(default_factory=dict)

    def add(self, name: str, cpu: float, wall: float, items: int) -> None:
        self.cpu[name] = self.cpu.get(name, 0.0) + cpu
        self.wall[name] = self.wall.get(name, 0.0) + wall
        self.items[name] = self.items.get(name, 0) + items

    def table(self, chunks: int) -> str:
        """One line per stage: CPU seconds, share of the build's CPU, chunks per CPU-second."""
        total = sum(self.cpu.values()) or 1.0
        lines = [f"{'stage':<18}{'CPU s':>9}{'share':>8}{'wall s':>9}{'chunks/CPU-s':>14}"]
        for name, cpu in sorted(self.cpu.items(), key=lambda kv: -kv[1]):
            rate = f"{chunks / cpu:,.0f}" if cpu > 0 else "—"
            lines.append(
                f"{name:<18}{cpu:>9.1f}{cpu / total:>8.1%}{self.wall[name]:>9.1f}{rate:>14}"
            )
        lines.append(f"{'all stages':<18}{total:>9.1f}{1:>8.0%}{sum(self.wall.values()):>9.1f}")
        return "\n".join(lines)


_local = threading.local()


@contextmanager
def recording() -> Iterator[StageTimes]:
    """Record the stages run on this thread until the block ends."""
    times = StageTimes()
    previous = getattr(_local, "times", None)
    _local.times = times
    try:
        yield times
    finally:
        _local.times = previous


@contextmanager
def stage(name: str, items: int = 0) -> Iterator[None]:
    """Time a stage when this thread is recording; otherwise do nothing."""
    times: StageTimes | None = getattr(_local, "times", None)
    if times is None:
        yield
        return
    cpu, wall = cpu_seconds(), time.perf_counter()
    try:
        yield
    finally:
        times.add(name, cpu_seconds() - cpu, time.perf_counter() - wall, items)
