"""A signed link's signature never reaches an access log, under runserver or gunicorn."""

import re
import uuid
from pathlib import Path

import httpx
import pytest

from storycraft.logs import redact
from testing import ROOT, asgi_web, gunicorn, runserver, served_env, wait_until
from videos.models import VideoJob
from videos.services.files import signed_file_path

ENTRYPOINT = (ROOT / "docker" / "entrypoint.sh").read_text()


@pytest.fixture
def server_env(tmp_path):
    return served_env(
        tmp_path,
    )


def signed_link() -> tuple[str, str]:
    """A signed file link as the API hands it out, and its signature."""
    path = signed_file_path(VideoJob(id=uuid.uuid4()))
    return path, re.search(r"signature=([^&]+)", path).group(1)


def fetch(base_url: str, path: str) -> None:
    # The link also comes back as the Referer of a page that played it.
    httpx.get(f"{base_url}{path}", headers={"Referer": f"{base_url}{path}"})


def logged(log: Path, *requests: str) -> None:
    """Wait until the server has logged these requests: it writes its access line after
    the answer is sent, so stopping it the moment the answer arrives could lose it."""
    wait_until(lambda: all(f"GET {request}" in log.read_text() for request in requests))


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_runserver_logs_the_request_without_its_signature(tmp_path, server_env):
    path, signature = signed_link()
    with runserver(tmp_path, server_env) as base_url:
        fetch(base_url, path)
        logged(tmp_path / "runserver.log", "/videos/")
    log = (tmp_path / "runserver.log").read_text()
    assert f"GET {path.split('signature=')[0]}signature=[redacted] HTTP/1.1" in log
    assert signature not in log


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_gunicorn_logs_the_request_without_its_signature(tmp_path, server_env):
    (logger_class,) = re.findall(r"--logger-class (\S+)", ENTRYPOINT)
    path, signature = signed_link()
    with gunicorn(tmp_path, server_env, "--logger-class", logger_class) as base_url:
        fetch(base_url, path)
        logged(tmp_path / "web.access.log", "/videos/")
    access_log = (tmp_path / "web.access.log").read_text()
    assert f"GET {path.split('signature=')[0]}signature=[redacted] HTTP/1.1" in access_log
    assert signature not in access_log + (tmp_path / "web.error.log").read_text()


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            '"GET /videos/1/file?expires=9&signature=AbC-_1 HTTP/1.1" 200',
            '"GET /videos/1/file?expires=9&signature=[redacted] HTTP/1.1" 200',
        ),
        ("/x?signature=a&expires=9", "/x?signature=[redacted]&expires=9"),
        ("/events?ticket=t0k3n", "/events?ticket=[redacted]"),
        (
            "https://s3/b/k?X-Amz-Signature=f00d&x=1",
            "https://s3/b/k?X-Amz-Signature=[redacted]&x=1",
        ),
        ("GET /videos?status=queued HTTP/1.1", "GET /videos?status=queued HTTP/1.1"),
    ],
)
def test_redact_hides_only_the_secret_parameters(line, expected):
    assert redact(line) == expected


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_asgi_web_process_logs_links_and_stream_tickets_redacted(tmp_path, server_env):
    path, signature = signed_link()
    ticket = "a-stream-ticket-nobody-should-read"
    with asgi_web(tmp_path, server_env) as base_url:
        fetch(base_url, path)
        httpx.get(f"{base_url}/events?ticket={ticket}")
        logged(tmp_path / "web.access.log", "/videos/", "/events")
    access_log = (tmp_path / "web.access.log").read_text()
    assert f"GET {path.split('signature=')[0]}signature=[redacted] HTTP/1.1" in access_log
    assert "GET /events?ticket=[redacted] HTTP/1.1" in access_log
    everything = access_log + (tmp_path / "web.error.log").read_text()
    assert signature not in everything and ticket not in everything
