"""Small helpers shared by the video tests: people, their wallets and their API calls."""

import time
import uuid

from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.models import User
from catalog.models import DEFAULT_ENDPOINT, ProviderEndpoint
from videos.models import VideoJob
from videos.provider.base import ProviderVideo
from wallet.models import LedgerEntry
from wallet.selectors import wallet_totals
from wallet.services import HoldRequest, deduct_credits, grant_credits, reserve_credits


def person(name: str, *, credits: int | None = None) -> User:
    user = User.objects.create_user(email=f"{name}@example.com", password="correct horse 42")
    if credits is not None:
        difference = credits - wallet_totals(user=user)["available"]
        if difference > 0:
            grant_credits(user=user, amount=difference, reason="test setup")
        elif difference < 0:
            deduct_credits(user=user, amount=-difference, reason="test setup")
    return user


def api_for(user: User) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return client


def order(client: APIClient, **body):
    body.setdefault("prompt", "A lighthouse at dawn")
    body.setdefault("seconds", 4)
    if "size" not in body:
        body.setdefault("format", "16:9")
    headers = {}
    if "idempotency_key" in body:
        headers["HTTP_IDEMPOTENCY_KEY"] = body.pop("idempotency_key")
    return client.post("/videos", body, format="json", **headers)


def entries_of(user: User, *kinds: str) -> list[LedgerEntry]:
    entries = LedgerEntry.objects.filter(wallet__user=user).order_by("id")
    if kinds:
        entries = entries.filter(kind__in=kinds)
    return list(entries)


def available(user: User) -> int:
    return wallet_totals(user=user)["available"]


def wait_until(condition, *, timeout: float = 30.0, interval: float = 0.2):
    """Call `condition` until it returns something truthy; fail after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(interval)


def pull_until_finished(client: APIClient, job_id) -> dict:
    """Pull the job (as its owner would) until it completes or fails; its last state."""

    def finished():
        job = client.post(f"/videos/{job_id}/pull").json()
        return job if job["status"] in ("completed", "failed") else None

    return wait_until(finished)


def finished_order(client: APIClient, **body) -> dict:
    """Order a video and wait until it is completed, stored and settled."""
    job = pull_until_finished(client, order(client, **body).json()["id"])
    assert job["status"] == "completed", job
    return job


def held_jobs(owner: User, count: int = 1, *, cost: int = 1, **fields) -> list[VideoJob]:
    """Jobs written straight to the database with their credits held, without the
    provider: for tests about lists, queries and the back office."""
    if count == 0:
        return []
    job_ids = [uuid.uuid4() for _ in range(count)]
    holds = reserve_credits(
        user=owner,
        holds=[
            HoldRequest(amount=cost, key=f"video:{job_id}", video_id=job_id) for job_id in job_ids
        ],
    )
    defaults = {
        "prompt": "A lighthouse at dawn",
        "style": "default",
        "model": "sora-2",
        "upstream_model": "sora-2",
        "endpoint": ProviderEndpoint.objects.get(name=DEFAULT_ENDPOINT),
        "seconds": 4,
        "size": "1280x720",
        "format": "16:9",
        **fields,
    }
    return VideoJob.objects.bulk_create(
        VideoJob(id=job_id, owner=owner, cost=cost, hold=hold, **defaults)
        for job_id, hold in zip(job_ids, holds, strict=True)
    )


def provider_video(**fields) -> ProviderVideo:
    """What the provider says about a video, with only the fields a test cares about."""
    values = {
        "id": "video_x",
        "status": "in_progress",
        "progress": 0,
        "model": "sora-2",
        "seconds": 4,
        "size": "1280x720",
        "created_at": None,
        "completed_at": None,
        "expires_at": None,
        "error_code": None,
        "error_message": None,
        "poll_after_seconds": None,
        "request_id": None,
        **fields,
    }
    return ProviderVideo(**values)
