"""A page with a real EventSource sees its video move to completed without polling."""

import time

import pytest

from testing import PASSWORD, person, serve_test_web
from videos.models import JobStatus, VideoJob
from videos.services.polling import refresh_job

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

# What a frontend does: log in, a ticket with its bearer token, then EventSource on /events.
OPEN_STREAM = """async ([email, password]) => {
  window.statuses = [];
  const login = await fetch("/auth/login", {
    method: "POST",
    headers: {"Content-Type": "application/json"},
    body: JSON.stringify({email, password}),
  }).then((response) => response.json());
  const access = window.access = login.access;
  const ticket = await fetch("/auth/stream-ticket", {
    method: "POST", headers: {Authorization: "Bearer " + access},
  }).then((response) => response.json());
  const source = new EventSource("/events?ticket=" + encodeURIComponent(ticket.ticket));
  source.addEventListener("job", (event) => {
    const job = JSON.parse(event.data);
    window.statuses.push(job.status);
    window.lastJob = job;
    window.lastEventId = event.lastEventId;
  });
  await new Promise((resolve, reject) => {
    source.onopen = resolve;
    source.onerror = reject;
  });
  window.source = source;
}"""

ORDER = """async () => {
  const access = window.access;
  const response = await fetch("/videos", {
    method: "POST",
    headers: {Authorization: "Bearer " + access, "Content-Type": "application/json"},
    body: JSON.stringify({prompt: "A paper boat, watched live", seconds: 4, format: "16:9"}),
  });
  return (await response.json()).id;
}"""


@pytest.fixture(scope="module")
def web(tmp_path_factory, django_db_setup, django_db_blocker, sora_emulator):
    with serve_test_web(tmp_path_factory.mktemp("web"), django_db_blocker, sora_emulator) as url:
        yield url


def test_a_page_sees_its_order_go_from_queued_to_completed_without_polling(
    chromium, web, sora_provider, screenshot
):
    context = chromium.new_context(base_url=web)  # the ASGI web process, not live_server
    page = context.new_page()
    page.set_default_timeout(20_000)
    requests = []
    page.on("request", lambda request: requests.append((request.method, request.url)))
    ann = person("ann")
    page.goto("/healthz")

    page.evaluate(OPEN_STREAM, [ann.email, PASSWORD])
    job_id = page.evaluate(ORDER)
    page.wait_for_function("window.statuses.includes('queued')")
    # The worker's part, done here: ask the provider until the video is stored.
    deadline = time.monotonic() + 30
    while VideoJob.objects.get(pk=job_id).status != JobStatus.COMPLETED:
        assert time.monotonic() < deadline, "the video did not complete"
        refresh_job(job_id=job_id, download_now=True)
        time.sleep(0.15)
    page.wait_for_function("window.statuses.includes('completed')")

    statuses = page.evaluate("window.statuses")
    assert statuses[0] == "queued" and statuses[-1] == "completed", statuses
    assert "in_progress" in statuses, statuses
    order = [status for i, status in enumerate(statuses) if status not in statuses[:i]]
    assert order.index("queued") < order.index("in_progress") < order.index("completed")
    last_job = page.evaluate("window.lastJob")
    assert last_job["id"] == job_id and last_job["file_url"].startswith(f"{web}/videos/")
    assert int(page.evaluate("window.lastEventId")) > 0
    # One ticket, one stream, one order: the page never asked about the job again.
    asked = [(method, url.removeprefix(web).split("?")[0]) for method, url in requests]
    assert asked == [
        ("GET", "/healthz"),
        ("POST", "/auth/login"),
        ("POST", "/auth/stream-ticket"),
        ("GET", "/events"),
        ("POST", "/videos"),
    ], asked
    context.close()
