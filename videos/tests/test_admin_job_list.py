"""The job list support reads at 2 a.m.: status, charge, error and age first, the prompt
searchable and shortened, the poster small."""

import re

import pytest

from testing import held_jobs, person

pytestmark = pytest.mark.django_db

LONG_PROMPT = "A lighthouse keeper climbs the stairs at dawn " * 5


def columns(page: str) -> list[str]:
    """The job list's columns, in order, as the first row shows them."""
    row = page[page.index("<tbody>") : page.index("</tr>", page.index("<tbody>"))]
    return re.findall(r'class="field-([a-z_]+)', row)


def test_status_charge_error_and_age_come_first(client, sam):
    held_jobs(person("alice"), cost=80, status="in_progress", progress=40)
    page = client.get("/admin/videos/videojob/").content.decode()
    assert columns(page)[:4] == ["status_and_progress", "charge", "error_code", "age"]
    assert "In Progress 40 %" in page and "80 held" in page


def test_the_prompt_is_shortened_and_searchable(client, sam):
    alice = person("alice")
    held_jobs(alice, prompt=LONG_PROMPT)
    held_jobs(alice, prompt="A red fox in the snow")
    found = client.get("/admin/videos/videojob/?q=keeper").content.decode()
    assert "A lighthouse keeper climbs the stairs at dawn A lighthouse …</span>" in found
    assert f'title="{LONG_PROMPT}"' in found
    assert "red fox" not in found


def test_the_poster_is_a_small_thumbnail(client, sam):
    [job] = held_jobs(
        person("alice"), status="completed", file="videos/x.mp4", thumbnail="videos/x.webp"
    )
    page = client.get("/admin/videos/videojob/").content.decode()
    assert f'<img src="/videos/{job.pk}/thumbnail?expires=' in page
    assert 'height="36"' in page
