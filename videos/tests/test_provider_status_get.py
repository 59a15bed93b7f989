"""Status GETs (`retrieve`) go straight to httpcore's pool, not through httpx's client:
the same requests, answers, retries and errors."""

import gzip
import json
import socket
import threading
import uuid
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from videos.provider import ProviderNotFound, ProviderUnavailable, build_provider

BODY = {
    "id": "video_1",
    "object": "video",
    "status": "in_progress",
    "progress": 40,
    "model": "sora-2",
    "seconds": "4",
    "size": "720x1280",
    "created_at": 1_700_000_000,
}


@contextmanager
def serving(answers: list[tuple[int, dict, bytes]]):
    """A server that gives `answers` in turn (the last one again when they run out);
    yields (base URL, the requests it got as (path, headers))."""
    seen = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            seen.append((self.path, dict(self.headers)))
            status, headers, body = answers[min(len(seen), len(answers)) - 1]
            self.send_response(status)
            for name, value in {**headers, "content-length": str(len(body))}.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/v1", seen
    finally:
        server.shutdown()
        server.server_close()


def counting(provider):
    """Counts the GETs that went straight to httpcore."""
    calls = []
    fast_get = provider._fast.get
    provider._fast.get = lambda path: calls.append(path) or fast_get(path)
    return calls


def test_retrieve_answers_as_the_httpx_client_did(sora_emulator):
    provider = build_provider(base_url=sora_emulator.base_url, api_key="sk-test")
    calls = counting(provider)
    video = provider.create(f"a heron #{uuid.uuid4().hex[:8]}", "sora-2", 4, "720x1280")
    fast = provider.retrieve(video.id)
    provider._fast = None  # the httpx path, as before
    slow = provider.retrieve(video.id)
    provider.close()
    assert calls == [f"videos/{video.id}"]  # create went over httpx, retrieve did not
    assert fast.request_id != slow.request_id
    assert {**vars(fast), "request_id": None} == {**vars(slow), "request_id": None}
    assert fast.poll_after_seconds is not None


def test_retrieve_sends_the_clients_headers():
    answer = (200, {"content-type": "application/json"}, json.dumps(BODY).encode())
    with serving([answer]) as (base_url, seen):
        provider = build_provider(base_url=base_url, api_key="k", auth_style="api-key")
        provider.retrieve("video_1")
        provider.close()
    path, headers = seen[0]
    headers = {name.lower(): value for name, value in headers.items()}
    assert path == "/v1/videos/video_1"
    assert headers["api-key"] == "k"
    assert headers["user-agent"] == "StoryCraft"
    assert "authorization" not in headers


def test_retrieve_retries_a_503_then_reads_a_gzipped_answer():
    slept = []
    answers = [
        (503, {"retry-after-ms": "10"}, b"{}"),
        (
            200,
            {"content-type": "application/json", "content-encoding": "gzip", "x-request-id": "r2"},
            gzip.compress(json.dumps(BODY).encode()),
        ),
    ]
    with serving(answers) as (base_url, seen):
        provider = build_provider(base_url=base_url, api_key="k", sleep=slept.append)
        video = provider.retrieve("video_1")
        provider.close()
    assert slept == [0.01]  # the server's retry-after-ms
    assert len(seen) == 2
    assert (video.status, video.progress, video.seconds, video.request_id) == (
        "in_progress",
        40,
        4,
        "r2",
    )


def test_retrieve_reads_the_error_of_a_404():
    body = json.dumps({"error": {"message": "gone", "code": "video_not_found"}}).encode()
    with serving([(404, {"content-type": "application/json"}, body)]) as (base_url, _):
        provider = build_provider(base_url=base_url, api_key="k")
        with pytest.raises(ProviderNotFound) as raised:
            provider.retrieve("video_1")
        provider.close()
    assert (raised.value.status_code, raised.value.code, raised.value.message) == (
        404,
        "video_not_found",
        "gone",
    )


def test_a_refused_connection_is_retried_then_unavailable():
    slept = []
    provider = build_provider(
        base_url="http://127.0.0.1:9/v1", api_key="k", max_retries=2, sleep=slept.append
    )
    with pytest.raises(ProviderUnavailable) as raised:
        provider.retrieve("video_1")
    assert len(slept) == 2
    assert isinstance(raised.value.__cause__, httpx.ConnectError)


def test_a_silent_server_is_a_read_timeout_retried_then_unavailable():
    listener = socket.create_server(("127.0.0.1", 0))  # accepts (backlog), never answers
    port = listener.getsockname()[1]
    slept = []
    provider = build_provider(
        base_url=f"http://127.0.0.1:{port}/v1",
        api_key="k",
        read_timeout=0.2,
        max_retries=1,
        sleep=slept.append,
    )
    try:
        with pytest.raises(ProviderUnavailable) as raised:
            provider.retrieve("video_1")
    finally:
        listener.close()
    assert len(slept) == 1
    assert isinstance(raised.value.__cause__, httpx.ReadTimeout)


def test_a_hang_up_fails_as_httpx_fails_it():
    """httpcore's error becomes httpx's of the same type, exactly as the httpx client's."""
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def hang_up():
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            connection.recv(65536)  # the request, then no answer at all
            connection.close()

    threading.Thread(target=hang_up, daemon=True).start()
    base_url = f"http://127.0.0.1:{listener.getsockname()[1]}/v1"
    causes = []
    try:
        for fast in (True, False):
            provider = build_provider(base_url=base_url, api_key="k", max_retries=0)
            if not fast:
                provider._fast = None  # the httpx client
            with pytest.raises(ProviderUnavailable) as raised:
                provider.retrieve("video_1")
            provider.close()
            causes.append(type(raised.value.__cause__))
    finally:
        stop.set()
        listener.close()
    assert causes == [httpx.RemoteProtocolError, httpx.RemoteProtocolError]


def test_a_proxy_from_the_environment_or_a_query_keeps_httpx(monkeypatch):
    assert build_provider(base_url="http://provider.test/v1", api_key="k")._fast is not None
    assert build_provider(base_url="http://provider.test/v1?x=1", api_key="k")._fast is None
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.test:3128")
    assert build_provider(base_url="http://provider.test/v1", api_key="k")._fast is None
    monkeypatch.setenv("NO_PROXY", "provider.test")
    assert build_provider(base_url="http://provider.test/v1", api_key="k")._fast is not None


@pytest.mark.parametrize(
    "provider_id",
    ["video_1", "dmlkZW9fMQ==;model_id=sora-2", "a b", "ä-€", "100%"],
)
def test_the_request_target_is_the_one_httpx_sends(provider_id):
    answer = (200, {"content-type": "application/json"}, json.dumps(BODY).encode())
    with serving([answer]) as (base_url, seen):
        provider = build_provider(base_url=base_url, api_key="k")
        provider.retrieve(provider_id)
        provider._fast = None  # the httpx client, as before
        provider.retrieve(provider_id)
        provider.close()
    (fast_path, fast_headers), (httpx_path, httpx_headers) = seen
    assert fast_path == httpx_path
    assert fast_headers == httpx_headers
