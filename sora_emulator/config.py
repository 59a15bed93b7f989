"""Settings of the emulator: command line first, then EMULATOR_* environment variables.

EMULATOR_MODELS (JSON) or EMULATOR_MODELS_FILE (a file of it) give the model catalog; its
format is in `sora_emulator.catalog`. A models file is read again whenever it changes
(its modification time or size), on both protocols, so a test can add or remove a model
of a running emulator; a change that does not parse is logged and the last good catalog
stays. EMULATOR_OPENROUTER_WEBHOOK_URL / _SECRET are the OpenRouter side's workspace
default callback URL and signing secret (see `sora_emulator.openrouter`).
"""

import logging
import os
import tempfile
import threading
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

logger = logging.getLogger("sora_emulator")


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
    # dicts are accepted and checked. Unset: read from `models_file`, else Sora 2.
    models: Mapping[str, ModelOffer] | None = None
    # A JSON file of the catalog, read again when it changes (see `current_models`).
    models_file: Path | None = None
    # Where jobs are kept across restarts; unset keeps them in memory only.
    state_dir: Path | None = None
    # OpenRouter side: the workspace default callback URL (a job's `callback_url` wins) and
    # the signing secret of `X-OpenRouter-Signature` (unset: events go out unsigned).
    openrouter_webhook_url: str = ""
    openrouter_webhook_secret: str = ""
    _models_seen: list = field(default_factory=list, init=False, repr=False, compare=False)

    def __post_init__(self):
        set_field = object.__setattr__
        if self.models_file is not None:
            set_field(self, "models_file", Path(self.models_file))
        if self.models is None and self.models_file is not None:
            models = models_from_file(self.models_file)
            self._models_seen.extend([_file_stamp(self.models_file), threading.Lock()])
        else:
            models = SORA_MODELS if self.models is None else self.models
        set_field(self, "models", parse_models(models))
        if self.state_dir is not None:
            set_field(self, "state_dir", Path(self.state_dir))
        if self.cache_dir is not None:
            set_field(self, "cache_dir", Path(self.cache_dir))
        elif self.state_dir is not None:
            set_field(self, "cache_dir", self.state_dir / "cache")
        else:
            set_field(self, "cache_dir", _default_cache_dir())

    def current_models(self) -> Mapping[str, ModelOffer]:
        """The catalog, read again from `models_file` if the file changed since."""
        if not self._models_seen:
            return self.models
        stamp, lock = self._models_seen
        if _file_stamp(self.models_file) == stamp:
            return self.models
        with lock:
            new_stamp = _file_stamp(self.models_file)
            if new_stamp != self._models_seen[0]:
                self._models_seen[0] = new_stamp
                try:
                    object.__setattr__(self, "models", models_from_file(self.models_file))
                    logger.info("reloaded the models file %s", self.models_file)
                except ConfigError as error:
                    logger.warning("kept the previous models: %s", error)
        return self.models

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
            "openrouter_webhook_url": env.get("EMULATOR_OPENROUTER_WEBHOOK_URL", "").strip(),
            "openrouter_webhook_secret": env.get("EMULATOR_OPENROUTER_WEBHOOK_SECRET", "").strip(),
        }
        overrides = {key: value for key, value in overrides.items() if value is not None}
        if "models" not in overrides and "models_file" not in overrides:
            inline, path = env.get("EMULATOR_MODELS", "").strip(), env.get("EMULATOR_MODELS_FILE")
            if inline and path:
                raise ConfigError("Set EMULATOR_MODELS or EMULATOR_MODELS_FILE, not both.")
            if inline:
                values["models"] = models_from_json(inline, "EMULATOR_MODELS")
            elif path:
                values["models_file"] = path
        values.update(overrides)
        return cls(**values)


def _file_stamp(path: Path) -> tuple[int, int] | None:
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size
