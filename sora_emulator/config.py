"""Settings of the emulator: command line first, then EMULATOR_* environment variables."""

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path


def _default_cache_dir() -> Path:
    return Path(tempfile.gettempdir()) / "sora-emulator-cache"


@dataclass(frozen=True)
class EmulatorSettings:
    """How the emulator behaves. Every field has an EMULATOR_* environment variable."""

    job_seconds: float = 10.0
    webhook_url: str = ""
    webhook_secret: str = ""
    # Output: frames per second, x264 quality (lower crf = larger files) and, when set, a
    # constant bitrate in kbit/s padded with filler so benchmarks can ask for big files.
    fps: int = 12
    crf: int = 30
    bitrate_kbps: int = 0
    cache_dir: Path = field(default_factory=_default_cache_dir)
    # Seconds the create endpoint waits before answering: lets tests see a read timeout.
    create_delay: float = 0.0
    # The `openai-poll-after-ms` hint; 0 means "a fifth of the job time, 200 ms to 10 s".
    poll_after_ms: int = 0

    @classmethod
    def from_env(cls, **overrides) -> "EmulatorSettings":
        env = os.environ
        values = {
            "job_seconds": float(env.get("EMULATOR_JOB_SECONDS") or 10),
            "webhook_url": env.get("EMULATOR_WEBHOOK_URL", "").strip(),
            "webhook_secret": env.get("EMULATOR_WEBHOOK_SECRET", "").strip(),
            "fps": int(env.get("EMULATOR_FPS") or 12),
            "crf": int(env.get("EMULATOR_CRF") or 30),
            "bitrate_kbps": int(env.get("EMULATOR_BITRATE_KBPS") or 0),
            "create_delay": float(env.get("EMULATOR_CREATE_DELAY") or 0),
            "poll_after_ms": int(env.get("EMULATOR_POLL_AFTER_MS") or 0),
        }
        if env.get("EMULATOR_CACHE_DIR"):
            values["cache_dir"] = Path(env["EMULATOR_CACHE_DIR"])
        values.update({key: value for key, value in overrides.items() if value is not None})
        values["cache_dir"] = Path(values.get("cache_dir", _default_cache_dir()))
        return cls(**values)
