"""Issue 21's story end to end, every piece in its own process as under `make run`: the
emulator (`python -m sora_emulator`, its OpenRouter side at /api/v1, its models from a file
it reads again when it changes), StoryCraft's web server (gunicorn on the test database)
and the operator's commands (`manage.py ...`). The operator adds an `openrouter` endpoint,
syncs and enables a model; a user orders at 16:9 and 1:1, gets the videos and is charged,
a failure is refunded; a model that leaves the provider's list is retired by the next sync
and refused while a job in flight on it finishes; the margin report shows the day; the
wallets reconcile."""

import io
import json
import os
import uuid
from decimal import Decimal

import av
import httpx
import pytest
from django.utils import timezone

from benchmarks.stack import emulator_process
from catalog.models import CatalogModel
from testing import PASSWORD, gunicorn, person, run_python, served_env, staff, wait_until
from videos.models import VideoJob

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

# What the provider sells, in its USD per second. At 30 % and 0.01 USD a credit:
# 0.10 -> 13 credits/s exactly, 0.15 -> 19.5 -> 20, 0.05 -> 6.5 -> 7. OpenRouter prices by
# resolution (`per-video-second-1080p`), so the square size has a resolution of its own.
VEO = "emu/veo-3.1"
WAN = "emu/wan-2.6"
OFFER = {
    VEO: {
        "name": "Emulated Veo 3.1",
        "seconds": [4, 8],
        "sizes": ["1280x720", "720x1280", "1080x1080"],
        "usd_per_second": {"1280x720": "0.10", "720x1280": "0.10", "1080x1080": "0.15"},
    },
    WAN: {"seconds": [4], "sizes": ["1280x720"], "usd_per_second": "0.05"},
}


def offer(path, models: dict) -> None:
    """Write the emulator's models file with a new modification time (an editor's save)."""
    path.write_text(json.dumps(models))
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))


def manage(env: dict, *args: str) -> str:
    """Run `manage.py ARGS` as the operator does; its output, or the test fails with it."""
    finished = run_python(["manage.py", *args], env)
    assert finished.returncode == 0, finished.stdout + finished.stderr
    return finished.stdout


def unique(prompt: str) -> str:
    return f"{prompt} #{uuid.uuid4().hex[:8]}"


@pytest.fixture
def stack(tmp_path):
    """The emulator and StoryCraft's web server, sharing the test database."""
    models_file = tmp_path / "models.json"
    offer(models_file, OFFER)
    with emulator_process(
        tmp_path,
        EMULATOR_MODELS_FILE=models_file,
        EMULATOR_JOB_SECONDS=1,
        EMULATOR_CACHE_DIR=tmp_path / "emulator-cache",
    ) as emulator_url:
        env = served_env(
            tmp_path,
            OPENROUTER_API_KEY="sk-or-end-to-end",
            CREDIT_VALUE_USD="0.01",
            DEFAULT_MARGIN_PERCENT="50",  # the endpoint's own --margin 30 must win
            Q_SYNC="true",  # downloads run in the request that sees a video completed
            PULL_MIN_INTERVAL_SECONDS="0",
        )
        # The Procfile's web process: the ASGI app under uvicorn workers.
        with gunicorn(
            tmp_path,
            env,
            "--worker-class",
            "live.worker.UvicornWorker",
            app="storycraft.asgi:application",
        ) as web_url:
            yield {
                "env": env,
                "web": web_url,
                "router": emulator_url.removesuffix("/v1") + "/api/v1",
                "models_file": models_file,
            }


def test_an_openrouter_endpoint_from_sync_to_margin_report(stack):
    env, web = stack["env"], stack["web"]
    operator = staff("operator")
    person("alice", credits=1000)
    user = httpx.Client(base_url=web, timeout=60)
    login = user.post("/auth/login", json={"email": "alice@example.com", "password": PASSWORD})
    assert login.status_code == 200, login.text
    user.headers["Authorization"] = f"Bearer {login.json()['access']}"

    def order(**body):
        return user.post("/videos", json={"seconds": 4, **body})

    def pull_until_finished(job_id) -> dict:
        def finished():
            job = user.post(f"/videos/{job_id}/pull").json()
            return job if job["status"] in ("completed", "failed") else None

        return wait_until(finished, timeout=60)

    def on_sale() -> list[str]:
        return [model["id"] for model in httpx.get(f"{web}/models").json()["results"]]

    # The operator: the endpoint (its key only named), then the provider's list.
    said = manage(
        env,
        "catalog_endpoint",
        "openrouter",
        "--protocol=openrouter",
        f"--base-url={stack['router']}",
        "--key-env=OPENROUTER_API_KEY",
        "--margin=30",
        f"--by={operator.email}",
    )
    assert "Endpoint openrouter:" in said
    said = manage(env, "sync_catalog", "openrouter", f"--by={operator.email}")
    assert "openrouter: 2 listed; 2 new (disabled)" in said, said
    assert "1080x1080 (1:1) 0.15 USD/s → 20 credits/s (margin 30 %)" in said, said
    prices = {
        model.model_id: (
            model.enabled,
            [(s.size, s.format, s.upstream_usd_per_second, s.credits_per_second) for s in sizes],
        )
        for model in CatalogModel.objects.filter(endpoint__name="openrouter")
        for sizes in [model.sizes.all()]
    }
    assert prices == {
        VEO: (
            False,
            [
                ("1280x720", "16:9", Decimal("0.10"), 13),
                ("720x1280", "9:16", Decimal("0.10"), 13),
                ("1080x1080", "1:1", Decimal("0.15"), 20),
            ],
        ),
        WAN: (False, [("1280x720", "16:9", Decimal("0.05"), 7)]),
    }
    assert VEO not in on_sale()
    refused = order(model=VEO, format="16:9", prompt=unique("too early"))
    assert refused.status_code == 400, refused.text

    manage(env, "catalog_model", VEO, "--enable", f"--by={operator.email}")
    manage(env, "catalog_model", WAN, "--enable", f"--by={operator.email}")
    assert {VEO, WAN} <= set(on_sale())
    veo = next(m for m in httpx.get(f"{web}/models").json()["results"] if m["id"] == VEO)
    assert veo["can_remix"] is False

    # The user: 16:9 and 1:1 complete, download, settle; the provider's cost is kept.
    for format_, size, usd in [("16:9", "1280x720", "0.40"), ("1:1", "1080x1080", "0.60")]:
        created = order(model=VEO, format=format_, prompt=unique("a heron over the marsh"))
        assert created.status_code == 201, created.text
        assert (created.json()["size"], created.json()["cost"]) == (
            size,
            4 * (13 if format_ == "16:9" else 20),
        )
        done = pull_until_finished(created.json()["id"])
        assert (done["status"], done["charge_status"]) == ("completed", "settled"), done
        video = httpx.get(done["file_url"], timeout=60)
        assert video.status_code == 200
        with av.open(io.BytesIO(video.content)) as container:
            stream = container.streams.video[0]
            width, height = (int(side) for side in size.split("x"))
            assert (stream.codec_context.width, stream.codec_context.height) == (width, height)
            assert abs(float(container.duration / av.time_base) - 4) < 0.5
        job = VideoJob.objects.get(pk=done["id"])
        assert (job.provider_cost_usd, job.provider_cost_estimated) == (Decimal(usd), False)

    # A failure upstream is refunded.
    failing = order(model=VEO, format="16:9", prompt=unique("[emulator:fail] a storm"))
    assert failing.status_code == 201, failing.text
    failed = pull_until_finished(failing.json()["id"])
    assert (failed["status"], failed["charge_status"]) == ("failed", "refunded"), failed

    # WAN leaves the provider's list while a job on it is in flight.
    in_flight = order(model=WAN, format="16:9", prompt=unique("a lantern in the rain"))
    assert in_flight.status_code == 201, in_flight.text
    assert in_flight.json()["cost"] == 28
    offer(stack["models_file"], {VEO: OFFER[VEO]})
    said = manage(env, "sync_catalog", "openrouter")
    assert "1 retired upstream" in said and "disabled (was enabled)" in said, said
    wan = CatalogModel.objects.get(model_id=WAN)
    assert wan.enabled is False and wan.retired_upstream_at is not None
    assert WAN not in on_sale() and VEO in on_sale()
    refused = order(model=WAN, format="16:9", prompt=unique("too late"))
    assert refused.status_code == 400, refused.text
    assert f'"{WAN}" is not a model you can order' in refused.json()["model"][0]
    assert VideoJob.objects.get(pk=in_flight.json()["id"]).status in ("queued", "in_progress")
    finished = pull_until_finished(in_flight.json()["id"])
    assert (finished["status"], finished["charge_status"]) == ("completed", "settled"), finished
    assert VideoJob.objects.get(pk=finished["id"]).provider_cost_usd == Decimal("0.20")

    # 1000 - 52 - 80 - 28: the failure gave its 52 back.
    assert user.get("/wallet").json() == {
        "balance": 840,
        "reserved": 0,
        "available": 840,
        "owed": 0,
    }

    # The day: VEO sold 132 credits (1.32 USD) that cost 1.00; WAN 28 (0.28) for 0.20.
    report = manage(env, "margin_report", "--days=1").splitlines()
    day = timezone.localdate().isoformat()
    assert report == [
        "day\tmodel\tjobs\tcredits\tvalue USD\tcost USD\tmargin USD\t%",
        f"{day}\t{VEO}\t2\t132\t1.32\t1.00\t0.32\t24.2",
        f"{day}\t{WAN}\t1\t28\t0.28\t0.20\t0.08\t28.6",
        "total\tall models\t3\t160\t1.60\t1.20\t0.40\t25.0",
    ], report
    assert "no drift" in manage(env, "reconcile_wallets")
