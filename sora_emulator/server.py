"""The HTTP side: OpenAI Videos API routes on a stdlib ThreadingHTTPServer.

Every route is served under `/v1` (OpenAI) and `/openai/v1` (Azure OpenAI v1); either
accepts an `Authorization: Bearer` or an `api-key` header with any key. OpenRouter's video
API is served under `/api/v1` (see `sora_emulator.openrouter`), with any Bearer key."""

import dataclasses
import email.parser
import email.policy
import hashlib
import json
import logging
import re
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from sora_emulator import jobs, media, openrouter
from sora_emulator.config import EmulatorSettings
from sora_emulator.jobs import ApiError, Received, marker
from sora_emulator.openrouter import OpenRouterError, OpenRouterWebhooks
from sora_emulator.store import JobStore
from sora_emulator.webhooks import WebhookScheduler

logger = logging.getLogger("sora_emulator")

CHUNK_SIZE = 64 * 1024
MAX_BODY = 50 * 1024 * 1024
ROUTE = re.compile(
    r"^(?P<base>/v1|/openai/v1)/videos(?:/(?P<id>[^/]+)(?P<rest>/content|/remix)?)?$"
)


class EmulatorServer(ThreadingHTTPServer):
    daemon_threads = True
    # socketserver listens with a backlog of 5: a pool of kept-alive clients connecting at
    # once lost SYNs and waited a second for the retransmit.
    request_queue_size = 128

    def __init__(self, address, settings: EmulatorSettings):
        self.settings = settings
        self.store = JobStore(job_seconds=settings.job_seconds, state_dir=settings.state_dir)
        self.webhooks = WebhookScheduler(
            settings.webhook_url, settings.webhook_secret, on_sent=self.store.webhook_sent
        )
        self.openrouter_webhooks = OpenRouterWebhooks(
            settings.openrouter_webhook_url,
            settings.openrouter_webhook_secret,
            on_sent=self.store.webhook_sent,
        )
        super().__init__(address, Handler)
        # Jobs loaded from the state directory whose event has not gone out yet.
        for job in self.store.webhooks_owed():
            self.webhooks_of(job).schedule(job)

    @property
    def models(self):
        """The catalog now (a models file is read again when it changed)."""
        return self.settings.current_models()

    def webhooks_of(self, job) -> WebhookScheduler:
        return self.openrouter_webhooks if job.protocol == "openrouter" else self.webhooks

    @property
    def base_url(self) -> str:
        """The OpenAI-style base URL, http://host:port/v1."""
        host, port = self.server_address[:2]
        return f"http://{host}:{port}/v1"

    @property
    def azure_base_url(self) -> str:
        """The Azure OpenAI v1-style base URL, http://host:port/openai/v1."""
        host, port = self.server_address[:2]
        return f"http://{host}:{port}/openai/v1"

    @property
    def openrouter_base_url(self) -> str:
        """The OpenRouter-style base URL, http://host:port/api/v1."""
        host, port = self.server_address[:2]
        return f"http://{host}:{port}{openrouter.BASE_PATH}"

    def poll_after_ms(self, job) -> int:
        if self.settings.poll_after_ms:
            return self.settings.poll_after_ms
        return int(min(10_000, max(200, job.duration * 1000 / 5)))

    def stop(self) -> None:
        self.cancel_webhooks()
        self.shutdown()
        self.server_close()

    def cancel_webhooks(self) -> None:
        self.webhooks.cancel_all()
        self.openrouter_webhooks.cancel_all()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body leave in separate writes; with Nagle on, a kept-alive client's
    # delayed ACK held every answer back ~40 ms (see `make bench`, the batch benchmark).
    disable_nagle_algorithm = True
    server: EmulatorServer

    def log_message(self, format, *args):
        logger.debug("%s %s", self.address_string(), format % args)

    # Dispatch
    def do_GET(self):
        self._dispatch("GET")

    def do_POST(self):
        self._dispatch("POST")

    def do_DELETE(self):
        self._dispatch("DELETE")

    def _dispatch(self, method: str) -> None:
        self.request_id = "req_" + secrets.token_hex(16)
        url = urlsplit(self.path)
        self.query = {key: values[-1] for key, values in parse_qs(url.query).items()}
        if url.path.startswith(openrouter.BASE_PATH + "/"):
            return self._openrouter_dispatch(method, url.path.rstrip("/"))
        try:
            body = self._read_body()
            bearer, api_key = self.headers.get("authorization"), self.headers.get("api-key")
            if not (bearer or api_key):
                raise ApiError(
                    401,
                    "You didn't provide an API key. Provide it in an Authorization header "
                    "(Bearer auth) or an api-key header.",
                )
            self.auth_style = "both" if bearer and api_key else "bearer" if bearer else "api-key"
            self._route(method, url.path.rstrip("/"), body)
        except ApiError as error:
            self._send_json(error.status, error.body(), error.headers)
        except Exception:
            logger.exception("emulator error on %s %s", method, self.path)
            error = ApiError(500, "The emulator had an internal error.")
            self._send_json(500, error.body())

    def _route(self, method: str, path: str, body: bytes) -> None:
        match = ROUTE.match(path)
        if match:
            self.base_path = match["base"]
            video_id, rest = match["id"], match["rest"]
            if video_id is None and method == "POST":
                return self._create(body)
            if video_id is None and method == "GET":
                return self._list()
            if video_id is not None and rest is None and method == "GET":
                return self._retrieve(video_id)
            if video_id is not None and rest is None and method == "DELETE":
                return self._delete(video_id)
            if rest == "/content" and method == "GET":
                return self._content(video_id)
            if rest == "/remix" and method == "POST":
                return self._remix(video_id, body)
        raise ApiError(404, f"Invalid URL ({method} {path})")

    # Endpoints
    def _create(self, body: bytes) -> None:
        fields = self._fields(body)
        prompt, model, seconds, size = jobs.validate_order(fields, self.server.models)
        if self.server.settings.create_delay:
            time.sleep(self.server.settings.create_delay)
        if marker(prompt, "reject"):
            raise ApiError(
                400,
                "Your request was blocked by our moderation system.",
                code="moderation_blocked",
            )
        if marker(prompt, "429") and self.server.store.first_attempt("429", prompt):
            raise ApiError(
                429,
                "Rate limit reached for videos per minute. Please try again in 1s.",
                code="rate_limit_exceeded",
                headers={"retry-after": "1", "retry-after-ms": "1000"},
            )
        if marker(prompt, "500") and self.server.store.first_attempt("500", prompt):
            raise ApiError(500, "The server had an error while processing your request.")
        picture = self._input_reference(model, size)
        received = self._received(
            prompt, fields.get("model"), fields.get("seconds"), fields.get("size")
        )
        if picture is not None:
            received = dataclasses.replace(received, image=hashlib.sha256(picture).hexdigest())
        job = self.server.store.create(
            prompt,
            model,
            seconds,
            size,
            received=received,
            webhook_pending=self.server.webhooks.enabled,
            first_frame=(
                media.store_picture(picture, self.server.settings) if picture is not None else None
            ),
        )
        self.server.webhooks.schedule(job)
        self._send_json(200, job.state(time.time()))

    def _input_reference(self, model: str, size: str) -> bytes | None:
        """The `input_reference` picture of a create, checked as OpenAI checks it: a
        picture whose size is the order's."""
        picture = self.files.get("input_reference")
        if picture is None:
            return None
        model_id = jobs.model_id(model, self.server.models)
        if not self.server.models[model_id].frame_images:
            raise ApiError(
                400,
                f"Model '{model}' does not support input_reference.",
                param="input_reference",
                code="unsupported_parameter",
            )
        try:
            picture_size = media.picture_size(picture)
        except media.PictureError as error:
            raise ApiError(
                400,
                f"Invalid input_reference: {error}.",
                param="input_reference",
                code="invalid_image",
            ) from None
        if picture_size != size:
            # Word for word what OpenAI answers (param and code null), as developers quote
            # it, e.g. help.apiyi.com "sora-2-api-inpaint-image-size-error-solution".
            raise ApiError(400, "Inpaint image must match the requested width and height")
        return picture

    def _retrieve(self, video_id: str) -> None:
        job = self.server.store.get(video_id)
        hint = {"openai-poll-after-ms": str(self.server.poll_after_ms(job))}
        self._send_json(200, job.state(time.time()), hint)

    def _list(self) -> None:
        limit_text = self.query.get("limit", "20")
        if not limit_text.isdigit() or not 0 <= int(limit_text) <= 100:
            raise ApiError(
                400,
                f"Invalid 'limit': expected an integer between 0 and 100, got '{limit_text}'.",
                param="limit",
                code="invalid_value",
            )
        order = self.query.get("order", "desc")
        if order not in ("asc", "desc"):
            raise jobs.invalid_value("order", order, ("asc", "desc"))
        page, has_more = self.server.store.page(
            after=self.query.get("after"), limit=int(limit_text), order=order
        )
        now = time.time()
        data = [job.state(now) for job in page]
        self._send_json(
            200,
            {
                "object": "list",
                "data": data,
                "first_id": data[0]["id"] if data else None,
                "last_id": data[-1]["id"] if data else None,
                "has_more": has_more,
            },
        )

    def _delete(self, video_id: str) -> None:
        job = self.server.store.delete(video_id)
        self.server.webhooks.cancel(job.id)
        self._send_json(200, {"id": job.id, "object": "video.deleted", "deleted": True})

    def _remix(self, video_id: str, body: bytes) -> None:
        source = self.server.store.get(video_id)
        prompt = jobs.validate_prompt(self._fields(body))
        if source.state(time.time())["status"] != "completed":
            raise ApiError(
                400,
                f"Video '{video_id}' is not completed and cannot be remixed.",
                param="video_id",
                code="invalid_value",
            )
        job = self.server.store.create(
            prompt,
            source.model,
            source.seconds,
            source.size,
            received=self._received(prompt, None, None, None),
            remixed_from=source.id,
            webhook_pending=self.server.webhooks.enabled,
        )
        self.server.webhooks.schedule(job)
        self._send_json(200, job.state(time.time()))

    def _content(self, video_id: str) -> None:
        job = self.server.store.get(video_id)
        variant = self.query.get("variant", "video")
        if variant not in media.CONTENT_TYPES:
            raise jobs.invalid_value("variant", variant, tuple(media.CONTENT_TYPES))
        state = job.state(time.time())
        if state["status"] != "completed":
            raise ApiError(
                404,
                f"Video '{video_id}' is not completed; its content is not available.",
                param="video_id",
                code="not_found",
            )
        if time.time() >= state["expires_at"]:
            raise ApiError(
                404,
                f"The content of video '{video_id}' has expired.",
                param="video_id",
                code="not_found",
            )
        self._stream(job, variant)

    def _stream(self, job, variant: str) -> None:
        path = media.media_file(
            job.prompt,
            job.size,
            int(job.seconds),
            variant,
            self.server.settings,
            first_frame=job.first_frame,
        )
        self.send_response(200)
        self.send_header("content-type", media.CONTENT_TYPES[variant])
        self.send_header("transfer-encoding", "chunked")
        self.send_header("x-request-id", self.request_id)
        self.end_headers()
        with open(path, "rb") as source:
            while chunk := source.read(CHUNK_SIZE):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        self.wfile.write(b"0\r\n\r\n")

    # OpenRouter (/api/v1)
    def _openrouter_dispatch(self, method: str, path: str) -> None:
        self.base_path = openrouter.BASE_PATH
        try:
            body = self._read_body()
            if path == openrouter.BASE_PATH + "/videos/models" and method == "GET":
                # Listing models needs no key on OpenRouter.
                return self._send_json(200, openrouter.models_list(self.server.models))
            authorization = self.headers.get("authorization", "")
            if not authorization.lower().startswith("bearer ") or not authorization[7:].strip():
                raise OpenRouterError(401, "No auth credentials found")
            match = openrouter.ROUTE.match(path)
            if match:
                video_id, rest = match["id"], match["rest"]
                if video_id is None and method == "POST":
                    return self._openrouter_submit(body)
                if video_id is not None and rest is None and method == "GET":
                    return self._openrouter_poll(video_id)
                if rest == "/content" and method == "GET":
                    return self._openrouter_content(video_id)
            raise OpenRouterError(404, f"Not Found ({method} {path})")
        except ApiError as error:
            if not isinstance(error, OpenRouterError):
                error = OpenRouterError(error.status, error.message, headers=error.headers)
            self._send_json(error.status, error.body(), error.headers)
        except Exception:
            logger.exception("emulator error on %s %s", method, self.path)
            self._send_json(500, OpenRouterError(500, "Internal Server Error").body())

    def _openrouter_job(self, video_id: str):
        job = self.server.store.find(video_id, protocol="openrouter")
        if job is None:
            raise OpenRouterError(404, f"Video generation job '{video_id}' not found")
        return job

    def _openrouter_submit(self, body: bytes) -> None:
        if not self.headers.get("content-type", "").startswith("application/json"):
            raise openrouter.bad_request("Send the request as JSON (application/json).")
        try:
            fields = json.loads(body or b"{}")
        except ValueError:
            raise openrouter.bad_request("The request body is not valid JSON.") from None
        if not isinstance(fields, dict):
            raise openrouter.bad_request("The request body must be a JSON object.")
        order = openrouter.validate_order(fields, self.server.models)
        if self.server.settings.create_delay:
            time.sleep(self.server.settings.create_delay)
        openrouter.check_markers(order.prompt, self.server.store)
        picture = order.first_frame
        duration = fields.get("duration")
        received = Received(
            prompt=order.prompt,
            model=fields.get("model"),
            seconds=None if duration is None else str(duration),
            size=fields.get("size"),
            auth="bearer",
            base_path=openrouter.BASE_PATH,
            body=order.body,
            image=hashlib.sha256(picture).hexdigest() if picture is not None else None,
        )
        offer = self.server.models[order.model]
        scheduler = self.server.openrouter_webhooks
        job = self.server.store.create(
            order.prompt,
            order.model,
            order.seconds,
            order.size,
            received=received,
            protocol="openrouter",
            webhook_pending=bool(order.callback_url or scheduler.url),
            generation_id=f"gen-{int(time.time())}-{secrets.token_hex(10)}",
            callback_url=order.callback_url,
            public_base=f"http://{self.headers.get('host') or self._host()}",
            cost_usd=str(offer.cost(order.size, order.seconds)),
            first_frame=(
                media.store_picture(picture, self.server.settings) if picture is not None else None
            ),
        )
        scheduler.schedule(job)
        self._send_json(202, openrouter.response(job, time.time()))

    def _openrouter_poll(self, video_id: str) -> None:
        self._send_json(200, openrouter.response(self._openrouter_job(video_id), time.time()))

    def _openrouter_content(self, video_id: str) -> None:
        job = self._openrouter_job(video_id)
        index = self.query.get("index", "0")
        if index != "0":
            raise openrouter.bad_request(f"index {index} is out of range: the job has 1 output.")
        state = job.state(time.time())
        current = openrouter.status(job, time.time())
        if current == "expired" or (current == "completed" and time.time() >= state["expires_at"]):
            raise OpenRouterError(410, f"The output of video job '{video_id}' has expired.")
        if current != "completed":
            raise OpenRouterError(
                409, f"Video job '{video_id}' is {current}; its content is not available."
            )
        self._stream(job, "video")

    def _host(self) -> str:
        host, port = self.server.server_address[:2]
        return f"{host}:{port}"

    # Plumbing
    def _received(self, prompt: str, model, seconds, size) -> Received:
        return Received(
            prompt=prompt,
            model=model,
            seconds=seconds,
            size=size,
            auth=self.auth_style,
            base_path=self.base_path,
        )

    def _read_body(self) -> bytes:
        length = int(self.headers.get("content-length") or 0)
        if length > MAX_BODY:
            self.close_connection = True
            raise ApiError(413, "Request body too large.")
        return self.rfile.read(length) if length else b""

    def _fields(self, body: bytes) -> dict:
        """Form fields of a multipart/form-data or JSON body; files go to `self.files`."""
        self.files = {}
        content_type = self.headers.get("content-type", "")
        if content_type.startswith("multipart/form-data"):
            head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
            message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
            if not message.is_multipart():
                raise ApiError(400, "Could not parse the multipart form body.")
            fields = {}
            for part in message.iter_parts():
                name = part.get_param("name", header="content-disposition")
                if name and part.get_filename() is None:
                    fields[name] = part.get_payload(decode=True).decode("utf-8", "replace")
                elif name:
                    self.files[name] = part.get_payload(decode=True)
            return fields
        if content_type.startswith("application/json"):
            try:
                fields = json.loads(body or b"{}")
            except ValueError:
                raise ApiError(400, "We could not parse the JSON body of your request.") from None
            if not isinstance(fields, dict):
                raise ApiError(400, "The JSON body of your request must be an object.")
            return fields
        raise ApiError(
            400, "Unsupported content type: send multipart/form-data or application/json."
        )

    def _send_json(self, status: int, payload: dict, headers: dict | None = None) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.send_header("x-request-id", self.request_id)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)


def make_server(host: str, port: int, settings: EmulatorSettings) -> EmulatorServer:
    return EmulatorServer((host, port), settings)


def serve_in_thread(
    port: int = 0, host: str = "127.0.0.1", **settings
) -> tuple[EmulatorServer, str]:
    """Start an emulator in a daemon thread; returns the server (call .stop()) and its /v1 URL.

    `settings` are EmulatorSettings fields, e.g. `models={...}` or `state_dir=...`; the
    Azure-style URL is `server.azure_base_url`."""
    server = make_server(host, port, EmulatorSettings(**settings))
    thread = threading.Thread(target=server.serve_forever, name="sora-emulator", daemon=True)
    thread.start()
    return server, server.base_url
