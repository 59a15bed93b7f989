"""Settings of the emulator: command line first, then EMULATOR_* environment variables."""

import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from sora_emulator.catalog import (
    SORA_MODELS,
    ConfigError,
    ModelOffer,
    models_from_file,
    models_from_json,
    parse_models,
)


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
    # Where encoded files are kept: unset means `<state_dir>/cache`, or a temporary folder.
    cache_dir: Path | None = None
    # Seconds the create endpoint waits before answering: lets tests see a read timeout.
    create_delay: float = 0.0
    # The `openai-poll-after-ms` hint; 0 means "a fifth of the job time, 200 ms to 10 s".
    poll_after_ms: int = 0
    # Model id -> its seconds and sizes (see sora_emulator.catalog); plain JSON-shaped
    # dicts are accepted and checked.
    models: Mapping[str, ModelOffer] = field(default_factory=lambda: dict(SORA_MODELS))
    # Where jobs are kept across restarts; unset keeps them in memory only.
    state_dir: Path | None = None

    def __post_init__(self):
        set_field = object.__setattr__
        set_field(self, "models", parse_models(self.models))
        if self.state_dir is not None:
            set_field(self, "state_dir", Path(self.state_dir))
        if self.cache_dir is not None:
            set_field(self, "cache_dir", Path(self.cache_dir))
        elif self.state_dir is not None:
            set_field(self, "cache_dir", self.state_dir / "cache")
        else:
            set_field(self, "cache_dir", _default_cache_dir())

    @classmethod
    def from_env(cls, **overrides) -> "EmulatorSettings":
        """Settings from EMULATOR_* variables; overrides that are not None win.

        Raises ConfigError when the model catalog is malformed."""
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
            "cache_dir": env.get("EMULATOR_CACHE_DIR") or None,
            "state_dir": env.get("EMULATOR_STATE_DIR") or None,
        }
        overrides = {key: value for key, value in overrides.items() if value is not None}
        if "models" not in overrides:
            models = _models_from_env(env)
            if models is not None:
                values["models"] = models
        values.update(overrides)
        return cls(**values)


def _models_from_env(env: Mapping[str, str]) -> dict[str, ModelOffer] | None:
    inline, path = env.get("EMULATOR_MODELS", "").strip(), env.get("EMULATOR_MODELS_FILE")
    if inline and path:
        raise ConfigError("Set EMULATOR_MODELS or EMULATOR_MODELS_FILE, not both.")
    if inline:
        return models_from_json(inline, "EMULATOR_MODELS")
    if path:
        return models_from_file(path)
    return None
