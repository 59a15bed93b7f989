"""The provider gets the user's prompt with the style's look added; we keep the user's own."""

import uuid

import pytest

from catalog.styles import STYLE_ADDITIONS, STYLES, provider_prompt
from testing import api_for, order, person
from videos.models import VideoJob

pytestmark = pytest.mark.django_db


def sent_prompt(sora_emulator, job_id) -> str:
    """The prompt the emulator received for this job's provider video."""
    stored = VideoJob.objects.get(pk=job_id)
    return sora_emulator.server.store.get(stored.provider_video_id).received.prompt


def test_one_video_sends_its_style_with_the_prompt(sora_provider, sora_emulator):
    alice = person("alice", credits=80)
    prompt = f"A red fox crossing a snowy road {uuid.uuid4().hex[:8]}"
    response = order(api_for(alice), prompt=prompt, style="80s", seconds=4, format="16:9")
    assert response.status_code == 201, response.json()
    job = response.json()
    assert sent_prompt(sora_emulator, job["id"]) == f"{prompt}\n\nStyle: {STYLE_ADDITIONS['80s']}"
    assert job["prompt"] == prompt
    assert VideoJob.objects.get(pk=job["id"]).prompt == prompt


def test_a_batch_sends_each_style_with_the_prompt(sora_provider, sora_emulator):
    alice = person("alice", credits=400)
    prompt = f"A paper boat on a river {uuid.uuid4().hex[:8]}"
    response = api_for(alice).post(
        "/videos/batch", {"prompt": prompt, "seconds": 4, "format": "16:9"}, format="json"
    )
    assert response.status_code == 201, response.json()
    jobs = response.json()["jobs"]
    assert sorted(job["style"] for job in jobs) == sorted(STYLES)
    for job in jobs:
        assert sent_prompt(sora_emulator, job["id"]) == provider_prompt(prompt, job["style"])
        assert job["prompt"] == prompt
        assert VideoJob.objects.get(pk=job["id"]).prompt == prompt
    sent = {job["style"]: sent_prompt(sora_emulator, job["id"]) for job in jobs}
    assert sent["none"] == prompt
    assert all(STYLE_ADDITIONS[style] in sent[style] for style in STYLES if style != "none")
