"""A newcomer's client, generated from /schema, does the whole round trip through typed
calls and gets a typed Error for every refusal; nothing here speaks HTTP by hand."""

import re
import time
import uuid
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import mail

pytestmark = [pytest.mark.client, pytest.mark.django_db(transaction=True)]

MP4_BRAND = b"ftyp"


def _cursor(next_url: str | None) -> str | None:
    return parse_qs(urlsplit(next_url).query)["cursor"][0] if next_url else None


def test_a_generated_client_does_the_whole_round_trip(
    storycraft_client, live_server, sora_provider
):
    sc = storycraft_client
    # The package exists only once the fixture has generated it, so not at module level.
    from storycraft_client.api.auth import (
        auth_login_create,
        auth_logout_create,
        auth_me_retrieve,
        auth_refresh_create,
        auth_register_create,
        auth_verify_email_create,
    )
    from storycraft_client.api.videos import (
        videos_batch_create,
        videos_create,
        videos_file_retrieve,
        videos_list,
        videos_pull_create,
        videos_retrieve,
        videos_thumbnail_retrieve,
    )
    from storycraft_client.api.wallet import wallet_retrieve
    from storycraft_client.models import (
        BatchOrderRequest,
        Error,
        LoginRequest,
        LogoutRequest,
        RefreshRequest,
        RegisterRequest,
        TokenRequest,
        VideoOrderRequest,
        VideoStatusEnum,
        VideoStyleEnum,
    )
    from storycraft_client.types import File

    public = sc.Client(base_url=live_server.url, raise_on_unexpected_status=True)

    # Register: the token pair and the user, whose welcome credits wait for the emailed
    # verification link.
    registered = auth_register_create.sync(
        client=public,
        body=RegisterRequest(email="newcomer@example.com", password="a long good passphrase"),
    )
    assert (registered.user.email_verified, registered.user.credits_) == (False, 0)
    [message] = mail.outbox
    token = re.search(r"verify-email\?token=(\S+)", message.body).group(1)
    verified = auth_verify_email_create.sync(client=public, body=TokenRequest(token=token))
    assert (verified.email_verified, verified.credits_) == (True, 200)
    api = sc.AuthenticatedClient(
        base_url=live_server.url, token=registered.access, raise_on_unexpected_status=True
    )
    assert auth_me_retrieve.sync(client=api).email == "newcomer@example.com"

    # Order; its file is a typed 409 until the video is stored.
    job = videos_create.sync(
        client=api,
        body=VideoOrderRequest(prompt="A paper boat on a rainy street", seconds=4, format_="16:9"),
    )
    assert job.status == VideoStatusEnum.QUEUED and job.cost == 80
    not_ready = videos_file_retrieve.sync(job_id=job.id, client=api)
    assert isinstance(not_ready, Error) and not_ready.code == "not_ready"

    # Wait, asking the provider now rather than waiting for the worker.
    deadline = time.monotonic() + 30
    while job.status != VideoStatusEnum.COMPLETED:
        assert job.status != VideoStatusEnum.FAILED, job.error
        assert time.monotonic() < deadline, f"still {job.status} after 30 s"
        time.sleep(0.5)
        job = videos_pull_create.sync(job_id=job.id, client=api)
    assert job.error is None

    # Download: whole, then one Range of it.
    whole = videos_file_retrieve.sync_detailed(job_id=job.id, client=api)
    assert whole.status_code == 200 and isinstance(whole.parsed, File)
    video = whole.parsed.payload.read()
    assert video[4:8] == MP4_BRAND
    part = videos_file_retrieve.sync_detailed(job_id=job.id, client=api, range_="bytes=0-99")
    assert part.status_code == 206
    assert part.parsed.payload.read() == video[:100]

    # Its poster, as the image it is (the emulator's thumbnail is a WebP).
    poster = videos_thumbnail_retrieve.sync_detailed(job_id=job.id, client=api)
    assert poster.status_code == 200 and poster.headers["content-type"] == "image/webp"
    assert isinstance(poster.parsed, File)
    image = poster.parsed.payload.read()
    assert image[:4] == b"RIFF" and image[8:12] == b"WEBP"

    # A batch of five styles is more than the wallet holds (120 left): a typed 402.
    refused = videos_batch_create.sync(
        client=api, body=BatchOrderRequest(prompt="A lighthouse in a storm", seconds=4)
    )
    assert isinstance(refused, Error) and refused.code == "insufficient_credits"
    batch = videos_batch_create.sync(
        client=api,
        body=BatchOrderRequest(
            prompt="A lighthouse in a storm",
            seconds=4,
            format_="9:16",
            styles=[VideoStyleEnum.EIGHTIES],
        ),
    )
    assert [batch_job.style for batch_job in batch.jobs] == ["80s"]
    assert wallet_retrieve.sync(client=api).available == 40

    # Pages of one: both jobs, newest first, each once.
    seen, cursor = [], None
    while True:
        page = videos_list.sync(client=api, page_size=1, cursor=cursor or sc.types.UNSET)
        seen += [listed.id for listed in page.results]
        cursor = _cursor(page.next_)
        if cursor is None:
            break
    assert seen == [batch.jobs[0].id, job.id]

    # Another id is a typed 404.
    missing = videos_retrieve.sync(job_id=uuid.uuid4(), client=api)
    assert isinstance(missing, Error) and missing.code == "not_found"

    # Refresh, then replay the rotated token: refused, and its whole family with it.
    pair = auth_refresh_create.sync(client=public, body=RefreshRequest(refresh=registered.refresh))
    assert pair.access and pair.refresh != registered.refresh
    reused = auth_refresh_create.sync(
        client=public, body=RefreshRequest(refresh=registered.refresh)
    )
    assert isinstance(reused, Error) and reused.code == "token_not_valid"
    revoked = auth_refresh_create.sync(client=public, body=RefreshRequest(refresh=pair.refresh))
    assert isinstance(revoked, Error) and revoked.code == "token_not_valid"

    # Log in again, then log out everywhere: that refresh token is refused after.
    session = auth_login_create.sync(
        client=public,
        body=LoginRequest(email="newcomer@example.com", password="a long good passphrase"),
    )
    logged_out = auth_logout_create.sync_detailed(
        client=public, body=LogoutRequest(refresh=session.refresh, everywhere=True)
    )
    assert logged_out.status_code == 205
    after = auth_refresh_create.sync(client=public, body=RefreshRequest(refresh=session.refresh))
    assert isinstance(after, Error) and after.code == "token_not_valid"
