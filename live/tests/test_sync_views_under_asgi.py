"""The rest of the API (sync DRF views) works unchanged in the ASGI web process."""

import httpx
import pytest

from accounts.models import User
from wallet.services import grant_credits

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_sign_up_order_and_read_a_video_through_the_asgi_server(web):
    with httpx.Client(base_url=web, timeout=30) as client:
        signed_up = client.post(
            "/auth/register", json={"email": "asgi@example.com", "password": "a long passphrase"}
        )
        assert signed_up.status_code == 201, signed_up.text
        auth = {"Authorization": f"Bearer {signed_up.json()['access']}"}
        # The welcome credits wait for the emailed link, which no worker sends here.
        grant_credits(
            user=User.objects.get(email="asgi@example.com"), amount=200, reason="test setup"
        )
        ordered = client.post(
            "/videos",
            json={"prompt": "An ASGI lighthouse", "seconds": 4, "format": "16:9"},
            headers=auth,
        )
        assert ordered.status_code == 201, ordered.text
        job = client.get(f"/videos/{ordered.json()['id']}", headers=auth)
        assert job.status_code == 200 and job.json()["status"] in ("queued", "in_progress")
        assert client.get("/wallet", headers=auth).json()["reserved"] == 80
        assert client.get("/nowhere").json()["code"] == "not_found"
