import time

import pytest

from sora_emulator import serve_in_thread
from sora_emulator.tests.helpers import client, create, unique, wait_until_finished


@pytest.fixture
def http(sora_emulator):
    with client(sora_emulator.base_url) as http:
        yield http


def test_a_job_moves_through_progress_to_completed(tmp_path):
    server, base_url = serve_in_thread(job_seconds=2, cache_dir=tmp_path)
    try:
        with client(base_url) as http:
            video_id = create(http).json()["id"]
            seen = []
            while not seen or seen[-1][0] != "completed":
                video = http.get(f"videos/{video_id}").json()
                seen.append((video["status"], video["progress"]))
                time.sleep(0.1)
    finally:
        server.stop()
    statuses = [status for status, _ in seen]
    assert statuses[0] == "queued"
    assert "in_progress" in statuses
    progress = [value for _, value in seen]
    assert progress == sorted(progress)
    assert seen[-1] == ("completed", 100)


def test_a_completed_job_expires_a_day_later(http):
    video = wait_until_finished(http, create(http).json()["id"])
    assert video["status"] == "completed"
    assert video["expires_at"] == video["completed_at"] + 24 * 3600


def test_retrieve_gives_a_poll_hint(http):
    response = http.get(f"videos/{create(http).json()['id']}")
    assert int(response.headers["openai-poll-after-ms"]) > 0


def test_a_fail_prompt_fails_part_way(http):
    video = wait_until_finished(http, create(http, prompt=unique("[emulator:fail]")).json()["id"])
    assert video["status"] == "failed"
    assert video["error"]["code"] == "generation_failed"
    assert 0 < video["progress"] < 100


def test_a_slow_prompt_takes_five_times_longer(http):
    video = create(http, prompt=unique("[emulator:slow]")).json()
    time.sleep(1.2)
    assert http.get(f"videos/{video['id']}").json()["status"] != "completed"


def test_content_is_404_until_completed(http):
    video_id = create(http).json()["id"]
    assert http.get(f"videos/{video_id}/content").status_code == 404


def test_expired_content_is_404(http):
    video_id = create(http, prompt=unique("[emulator:expire]")).json()["id"]
    video = wait_until_finished(http, video_id)
    assert video["status"] == "completed"
    assert video["expires_at"] <= time.time()
    assert http.get(f"videos/{video_id}/content").status_code == 404


def test_delete_forgets_the_video(http):
    video_id = create(http).json()["id"]
    response = http.delete(f"videos/{video_id}")
    assert response.json() == {"id": video_id, "object": "video.deleted", "deleted": True}
    assert http.get(f"videos/{video_id}").status_code == 404
    assert http.delete(f"videos/{video_id}").status_code == 404


def test_remix_points_at_its_source(http):
    source = create(http, model="sora-2-pro", size="1024x1792").json()
    assert http.post(f"videos/{source['id']}/remix", json={"prompt": "again"}).status_code == 400
    wait_until_finished(http, source["id"])
    remix = http.post(f"videos/{source['id']}/remix", json={"prompt": "now in blue"}).json()
    assert remix["remixed_from_video_id"] == source["id"]
    assert (remix["model"], remix["size"]) == ("sora-2-pro", "1024x1792")


def test_list_pages_newest_first(tmp_path):
    server, base_url = serve_in_thread(job_seconds=1, cache_dir=tmp_path)
    try:
        with client(base_url) as http:
            ids = [create(http).json()["id"] for _ in range(5)]
            first = http.get("videos", params={"limit": 2}).json()
            second = http.get("videos", params={"limit": 2, "after": first["last_id"]}).json()
            last = http.get("videos", params={"limit": 2, "after": second["last_id"]}).json()
            ascending = http.get("videos", params={"order": "asc"}).json()
            empty = http.get("videos", params={"limit": 0}).json()
            bad = http.get("videos", params={"limit": 101})
    finally:
        server.stop()
    assert first["object"] == "list"
    assert [v["id"] for v in first["data"]] == ids[::-1][:2]
    assert (first["first_id"], first["last_id"], first["has_more"]) == (ids[4], ids[3], True)
    assert [v["id"] for v in second["data"]] == [ids[2], ids[1]]
    assert [v["id"] for v in last["data"]] == [ids[0]] and last["has_more"] is False
    assert [v["id"] for v in ascending["data"]] == ids
    assert empty["data"] == [] and empty["has_more"] is True
    assert bad.status_code == 400 and bad.json()["error"]["param"] == "limit"
