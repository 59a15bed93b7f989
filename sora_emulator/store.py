"""The emulator's jobs: in memory, and with a state directory also one JSON file per job.

A job's file is written whole to a temporary name and renamed over the old one, so a
crash leaves either the old or the new version. Deleting a job removes its file, so a
restarted emulator loads exactly the jobs that still exist, and their progress goes on
from their original creation time.
"""

import json
import logging
import os
import secrets
import string
import threading
import time
from pathlib import Path

from sora_emulator.jobs import SLOW_FACTOR, ApiError, Job, Received, marker

logger = logging.getLogger("sora_emulator")


class JobStore:
    """Jobs in creation order. Safe to use from the server's threads."""

    def __init__(self, job_seconds: float, state_dir: Path | None = None):
        self.job_seconds = job_seconds
        self.jobs_dir = Path(state_dir) / "jobs" if state_dir is not None else None
        self._jobs: dict[str, Job] = {}
        self._first_attempts: set[tuple[str, str]] = set()
        self._lock = threading.Lock()
        self._next_number = 0
        if self.jobs_dir is not None:
            self._load()

    def first_attempt(self, marker_name: str, prompt: str) -> bool:
        """True once per (marker, prompt): the 429/500 markers fail only the first try."""
        with self._lock:
            key = (marker_name, prompt)
            if key in self._first_attempts:
                return False
            self._first_attempts.add(key)
            return True

    def create(
        self,
        prompt: str,
        model: str,
        seconds: str,
        size: str,
        *,
        received: Received,
        remixed_from: str | None = None,
        webhook_pending: bool = False,
        protocol: str = "openai",
        **extra,
    ) -> Job:
        """A new job; `extra` are further Job fields (the OpenRouter side's)."""
        duration = self.job_seconds * (SLOW_FACTOR if marker(prompt, "slow") else 1)
        created = time.time()
        if protocol == "openrouter":
            # OpenRouter's format, `gen-vid-<timestamp>-<20 alphanumerics>`.
            job_id = f"gen-vid-{int(created)}-{_alphanumerics(20)}"
        else:
            job_id = "video_" + secrets.token_hex(16)
        job = Job(
            id=job_id,
            prompt=prompt,
            model=model,
            seconds=seconds,
            size=size,
            created=created,
            duration=duration,
            fails=marker(prompt, "fail") or marker(prompt, "cancel"),
            cancelled=marker(prompt, "cancel"),
            expired_on_completion=marker(prompt, "expire"),
            received=received,
            remixed_from_video_id=remixed_from,
            webhook_pending=webhook_pending,
            protocol=protocol,
            **extra,
        )
        with self._lock:
            job.number = self._next_number
            self._save(job)
            self._next_number += 1
            self._jobs[job.id] = job
        return job

    def find(self, video_id: str, protocol: str = "openai") -> Job | None:
        """The job made on that protocol's API, else None."""
        with self._lock:
            job = self._jobs.get(video_id)
        return job if job is not None and job.protocol == protocol else None

    def get(self, video_id: str) -> Job:
        """An OpenAI-side job, or the OpenAI-shaped 404."""
        job = self.find(video_id)
        if job is None:
            raise ApiError(
                404, f"Video with id '{video_id}' not found.", param="video_id", code="not_found"
            )
        return job

    def delete(self, video_id: str) -> Job:
        job = self.get(video_id)
        with self._lock:
            if self._jobs.pop(video_id, None) is not None and self.jobs_dir is not None:
                self._path(video_id).unlink(missing_ok=True)
        job.deleted = True
        return job

    def webhook_sent(self, job: Job) -> None:
        """Note that the job's event went out, so a restart does not send it again."""
        with self._lock:
            if self._jobs.get(job.id) is job:
                job.webhook_pending = False
                self._save(job)

    def webhooks_owed(self) -> list[Job]:
        with self._lock:
            return [job for job in self._jobs.values() if job.webhook_pending]

    def page(self, *, after: str | None, limit: int, order: str) -> tuple[list[Job], bool]:
        with self._lock:
            jobs = [job for job in self._jobs.values() if job.protocol == "openai"]
        if order == "desc":
            jobs.reverse()
        if after is not None:
            ids = [job.id for job in jobs]
            if after not in ids:
                raise ApiError(
                    400,
                    f"Invalid 'after': no video with id '{after}'.",
                    param="after",
                    code="invalid_value",
                )
            jobs = jobs[ids.index(after) + 1 :]
        return jobs[:limit], len(jobs) > limit

    def all(self) -> list[Job]:
        """Every job of both protocols, in creation order (for tests)."""
        with self._lock:
            return list(self._jobs.values())

    # Files; called with the lock held
    def _path(self, video_id: str) -> Path:
        return self.jobs_dir / f"{video_id}.json"

    def _save(self, job: Job) -> None:
        if self.jobs_dir is None:
            return
        path = self._path(job.id)
        temporary = path.with_suffix(".json.tmp")
        temporary.write_text(json.dumps(job.to_dict()), encoding="utf-8")
        os.replace(temporary, path)

    def _load(self) -> None:
        self.jobs_dir.mkdir(parents=True, exist_ok=True)
        loaded = []
        for path in self.jobs_dir.glob("*.json"):
            try:
                loaded.append(Job.from_dict(json.loads(path.read_text(encoding="utf-8"))))
            except (OSError, ValueError, TypeError, KeyError) as error:
                logger.warning("skipped the unreadable job file %s: %s", path, error)
        for job in sorted(loaded, key=lambda job: job.number):
            self._jobs[job.id] = job
        self._next_number = max((job.number for job in loaded), default=-1) + 1


def _alphanumerics(count: int) -> str:
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(count))
