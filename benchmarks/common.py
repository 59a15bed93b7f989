"""Shared plumbing: an isolated environment, heap peaks, results and their table."""

import gc
import os
import secrets
import tempfile
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Variables that could point the benchmark at a developer's services or files.
_FOREIGN = (
    "DATABASE_URL",
    "MEDIA_ROOT",
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "OPENAI_AUTH_STYLE",
    "REDIS_URL",
    "S3_BUCKET",
    "S3_ENDPOINT_URL",
    "S3_ACCESS_KEY",
    "S3_SECRET_KEY",
)


def prepare_environment() -> Path:
    """A private temporary directory and Django settings that never touch a developer's setup.

    Must run before anything imports Django settings.
    """
    workdir = Path(tempfile.mkdtemp(prefix="storycraft-bench-"))
    for name in _FOREIGN:
        os.environ.pop(name, None)
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "storycraft.settings",
            "STORYCRAFT_DOTENV": "/dev/null",
            "VAR_DIR": str(workdir / "var"),
            "STORAGE_BACKEND": "local",
            "DEBUG": "false",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(48),
            "JWT_SECRET": secrets.token_urlsafe(48),
        }
    )
    (workdir / "var" / "media").mkdir(parents=True)
    return workdir


def heap_peak(work: Callable[[], Any]) -> tuple[int, Any]:
    """(peak Python heap in bytes above the level at the start, work's result).

    tracemalloc sees every thread of the process, so anything running alongside
    (an in-thread emulator, say) is counted too: the numbers err on the high side.
    """
    gc.collect()
    tracemalloc.start()
    try:
        start, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        result = work()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return max(peak - start, 0), result


def size_text(count: float) -> str:
    for unit in ("B", "KiB", "MiB"):
        if abs(count) < 1024 or unit == "MiB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1024
    raise AssertionError("unreachable")


def time_text(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


@dataclass
class Result:
    name: str
    measured: float
    baseline: float
    target: float  # the ratio measured / baseline must not exceed this (see at_least)
    unit: Callable[[float], str] = size_text
    note: str = ""
    # Interleaved pairs: the median of the per-pair ratios, and their range.
    low: float | None = None
    high: float | None = None
    median_ratio: float | None = None
    # Rates (requests/s): the ratio must reach the target instead.
    at_least: bool = False

    @property
    def ratio(self) -> float:
        if self.median_ratio is not None:
            return self.median_ratio
        return self.measured / self.baseline if self.baseline else float("inf")

    def ratio_text(self) -> str:
        if self.low is None:
            return f"{self.ratio:.3f}"
        return f"{self.ratio:.3f} ({self.low:.2f}-{self.high:.2f})"

    def as_json(self) -> dict:
        return {
            "name": self.name,
            "measured": self.measured,
            "baseline": self.baseline,
            "ratio": self.ratio,
            "ratio_min": self.low,
            "ratio_max": self.high,
            "target": self.target,
            "passed": self.passed,
            "note": self.note,
        }

    @property
    def passed(self) -> bool:
        return self.ratio >= self.target if self.at_least else self.ratio <= self.target

    def row(self) -> tuple[str, ...]:
        return (
            self.name,
            self.unit(self.measured),
            self.unit(self.baseline),
            self.ratio_text(),
            f"{'>=' if self.at_least else '<='} {self.target:g}",
            "PASS" if self.passed else "FAIL",
        )


HEADER = ("benchmark", "measured", "baseline", "ratio (min-max)", "target", "result")


def table(results: list[Result]) -> str:
    rows = [HEADER, *(result.row() for result in results)]
    widths = [max(len(row[column]) for row in rows) for column in range(len(HEADER))]
    lines = []
    for number, row in enumerate(rows):
        cells = [
            cell.ljust(width) if column == 0 else cell.rjust(width)
            for column, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
        if number == 0:
            lines.append("  ".join("-" * width for width in widths))
    return "\n".join(lines)


def markdown(results: list[Result]) -> str:
    """The table as Markdown, with each result's note under it."""
    lines = [
        "| " + " | ".join(HEADER) + " |",
        "|" + "---|" * len(HEADER),
    ]
    for result in results:
        lines.append("| " + " | ".join(result.row()) + " |")
    notes = [f"- {result.name}: {result.note}" for result in results if result.note]
    return "\n".join(lines + (["", *notes] if notes else []))
