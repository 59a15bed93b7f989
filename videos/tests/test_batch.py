import pytest

from testing import api_for, available, entries_of, person, wait_until
from videos.models import Batch, VideoJob

pytestmark = pytest.mark.django_db


def order_batch(client, **body):
    body.setdefault("prompt", "A paper boat on a river")
    body.setdefault("seconds", 4)
    body.setdefault("format", "16:9")
    headers = {}
    if "idempotency_key" in body:
        headers["HTTP_IDEMPOTENCY_KEY"] = body.pop("idempotency_key")
    return client.post("/videos/batch", body, format="json", **headers)


def test_a_batch_orders_all_five_styles_and_completes(sora_provider):
    alice = person("alice", credits=400)
    client = api_for(alice)
    response = order_batch(client)
    assert response.status_code == 201, response.json()
    batch = response.json()
    assert [job["style"] for job in batch["jobs"]] == ["default", "80s", "bleach", "modern", "none"]
    assert {job["batch_id"] for job in batch["jobs"]} == {batch["id"]}
    assert available(alice) == 0
    holds = entries_of(alice, "hold")
    assert len(holds) == 5 and {str(hold.batch_id) for hold in holds} == {batch["id"]}

    def all_completed():
        states = [client.post(f"/videos/{job['id']}/pull").json() for job in batch["jobs"]]
        return all(state["status"] == "completed" for state in states)

    wait_until(all_completed, timeout=60)
    listed = client.get(f"/videos?batch={batch['id']}").json()["results"]
    assert len(listed) == 5 and all(job["charge_status"] == "settled" for job in listed)
    assert len(entries_of(alice, "settle")) == 5
    assert available(alice) == 0


def test_a_batch_that_cannot_be_afforded_whole_creates_nothing(sora_provider):
    alice = person("alice", credits=399)
    response = order_batch(api_for(alice))
    assert response.status_code == 402
    assert response.json()["code"] == "insufficient_credits"
    assert not Batch.objects.exists() and not VideoJob.objects.exists()
    assert available(alice) == 399


def test_a_batch_can_choose_its_styles(sora_provider):
    alice = person("alice", credits=400)
    response = order_batch(api_for(alice), styles=["80s", "none"])
    assert [job["style"] for job in response.json()["jobs"]] == ["80s", "none"]
    assert available(alice) == 400 - 160


@pytest.mark.parametrize(
    ("styles", "words"),
    [([], "at least 1"), (["80s", "80s"], "once"), (["noir"], "not a style")],
)
def test_it_refuses_bad_style_lists(sora_provider, styles, words):
    alice = person("alice", credits=400)
    response = order_batch(api_for(alice), styles=styles)
    assert response.status_code == 400
    assert words in str(response.json()["styles"]).lower()
    assert not Batch.objects.exists()


def test_a_batch_the_provider_refuses_is_refunded_whole(sora_provider):
    alice = person("alice", credits=400)
    response = order_batch(api_for(alice), prompt="[emulator:reject] forbidden boat")
    assert response.status_code == 201
    jobs = response.json()["jobs"]
    assert {(job["status"], job["charge_status"]) for job in jobs} == {("failed", "refunded")}
    assert {job["error"]["code"] for job in jobs} == {"moderation_blocked"}
    assert len(entries_of(alice, "release")) == 5
    assert available(alice) == 400


def test_a_replayed_batch_key_returns_the_first_batch(sora_provider):
    alice = person("alice", credits=800)
    client = api_for(alice)
    first = order_batch(client, idempotency_key="b-1")
    again = order_batch(client, idempotency_key="b-1")
    assert first.json()["id"] == again.json()["id"]
    assert Batch.objects.count() == 1 and VideoJob.objects.count() == 5
    assert available(alice) == 400
    other = order_batch(client, idempotency_key="b-1", seconds=8)
    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"
