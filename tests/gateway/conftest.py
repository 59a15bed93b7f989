"""A real LiteLLM proxy in front of the Sora emulator, for the `gateway` tests.

    litellm_gateway    (session) RunningGateway: .base_url (LiteLLM's /v1), .api_key (its
                       master key), .routes, .emulator (.base_url, .server), .log_path,
                       .provider(**options) -> OpenAIVideoProvider through the gateway
    gateway_provider   OpenAIVideoProvider(base_url=litellm_gateway.base_url, ...), closed after

LiteLLM runs from its own cached virtualenv (`make gateway`, scripts/tool_venv.py) as a
separate process on a free 127.0.0.1 port (testing.started_process), with a generated
config whose model_list has one route per entry of GATEWAY_ROUTES, each to
`openai/<upstream model>` at the emulator. Without that virtualenv the tests fail (never
skip; testing.tool_executable): under CI=true .ci/run should have installed it; elsewhere
the message says to run `make gateway`.
"""

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

import pytest

from sora_emulator import serve_in_thread
from sora_emulator.catalog import SORA_MODELS, ModelOffer
from testing import free_port, log_tail, started_process, tool_executable
from videos.provider import OpenAIVideoProvider

# (the model name clients order by at the gateway, the model id the emulator is asked for).
# LiteLLM routes each as `openai/<upstream>` to the emulator's /v1.
GATEWAY_ROUTES: list[tuple[str, str]] = [
    ("sora-2", "sora-2"),
    ("sora-2-pro", "sora-2-pro"),
    ("veo-3.1-fast", "veo-3.1-fast"),
]
# A model that is not Sora: other lengths, other sizes and a square one.
VEO = ModelOffer(seconds=("5", "10"), sizes=("1344x768", "768x1344", "768x768"))
# Keyword arguments for the emulator behind the gateway (serve_in_thread).
GATEWAY_EMULATOR_OPTIONS: dict = {"job_seconds": 1, "models": {**SORA_MODELS, "veo-3.1-fast": VEO}}
# The emulator accepts any key; the gateway sends this one upstream.
UPSTREAM_API_KEY = "sk-emulator-upstream"
START_TIMEOUT = float(os.environ.get("GATEWAY_START_TIMEOUT") or 120)


def litellm_config(routes, upstream_base_url: str, master_key: str) -> dict:
    """LiteLLM's proxy config (written as JSON, which YAML reads as it is)."""
    return {
        "model_list": [
            {
                "model_name": name,
                "litellm_params": {
                    "model": f"openai/{upstream}",
                    "api_base": upstream_base_url,
                    "api_key": UPSTREAM_API_KEY,
                },
            }
            for name, upstream in routes
        ],
        # Clients authenticate with the master key (Authorization: Bearer, api-key or
        # x-litellm-api-key); LiteLLM refuses to start without one. Upstream it sends the
        # route's api_key, never the client's.
        "general_settings": {"master_key": master_key},
    }


def _proxy_environment(workdir: Path) -> dict:
    """A small environment: the test run's DATABASE_URL, REDIS_URL or OPENAI_* must not reach
    LiteLLM (a DATABASE_URL alone makes it try to run Prisma migrations)."""
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TZ", "SSL_CERT_FILE", "REQUESTS_CA_BUNDLE")
    env = {name: os.environ[name] for name in keep if name in os.environ}
    env.update(
        {
            "LITELLM_LOCAL_MODEL_COST_MAP": "True",  # no download of the price list (offline)
            "LITELLM_TELEMETRY": "False",
            "TMPDIR": str(workdir),
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


@dataclass
class RunningEmulator:
    server: object
    base_url: str


@dataclass
class RunningGateway:
    base_url: str
    api_key: str
    routes: list[tuple[str, str]]
    emulator: RunningEmulator
    log_path: Path

    def provider(self, **options):
        options.setdefault("read_timeout", 30.0)
        return OpenAIVideoProvider(base_url=self.base_url, api_key=self.api_key, **options)

    def log(self) -> str:
        return log_tail(self.log_path)


@pytest.fixture(scope="session")
def gateway_emulator(tmp_path_factory):
    """The emulator behind the gateway (its own: the gateway's routes decide its models)."""
    server, base_url = serve_in_thread(
        cache_dir=tmp_path_factory.mktemp("gateway-emulator-cache"), **GATEWAY_EMULATOR_OPTIONS
    )
    yield RunningEmulator(server, base_url)
    server.stop()


@pytest.fixture(scope="session")
def litellm_gateway(gateway_emulator, tmp_path_factory):
    executable = tool_executable("gateway", marker="gateway")
    workdir = tmp_path_factory.mktemp("litellm")
    master_key = "sk-gateway-" + secrets.token_hex(12)
    config = workdir / "config.yaml"
    config.write_text(
        json.dumps(litellm_config(GATEWAY_ROUTES, gateway_emulator.base_url, master_key), indent=2)
    )
    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    log_path = workdir / "litellm.log"
    with started_process(
        [str(executable), "--config", str(config), "--host", "127.0.0.1", "--port", str(port)],
        ready=f"{origin}/health/readiness",
        log=log_path,
        cwd=workdir,  # LiteLLM reads a .env from its working directory
        env=_proxy_environment(workdir),
        timeout=START_TIMEOUT,
        what="LiteLLM",
    ):
        yield RunningGateway(
            base_url=f"{origin}/v1",
            api_key=master_key,
            routes=list(GATEWAY_ROUTES),
            emulator=gateway_emulator,
            log_path=log_path,
        )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """A failing gateway test shows the end of LiteLLM's log beside its traceback."""
    report = yield
    gateway = getattr(item, "funcargs", {}).get("litellm_gateway")
    if report.failed and gateway is not None:
        report.sections.append(("LiteLLM log (last lines)", gateway.log()))
    return report


@pytest.fixture
def gateway_provider(litellm_gateway):
    provider = litellm_gateway.provider()
    yield provider
    provider.close()
