import re
from pathlib import Path

import pytest
import yaml


def test_schema_is_openapi_3_json(client):
    response = client.get("/schema?format=json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.")
    assert "/auth/login" in document["paths"]


def test_schema_is_openapi_3_yaml_by_default(client):
    response = client.get("/schema")
    assert response.status_code == 200
    document = yaml.safe_load(response.content)
    assert document["openapi"].startswith("3.")


def test_schema_lists_each_path_once(client):
    paths = client.get("/schema?format=json").json()["paths"]
    assert "/auth/login/" not in paths
    assert {"/auth/register", "/auth/refresh", "/auth/logout", "/auth/me"} <= set(paths)


@pytest.mark.django_db
def test_docs_serve_swagger_ui_from_our_own_static_files(client):
    response = client.get("/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assets = re.findall(r"""(?:src|href)=["']([^"']+\.(?:js|css))["']""", html)
    assert assets, html
    for url in assets:
        assert url.startswith("/static/"), url
        assert client.get(url).status_code == 200, url
    assert "cdn" not in html.lower()


@pytest.mark.parametrize(
    "path, method, statuses",
    [
        ("/videos/{job_id}/cancel", "post", {"200", "404", "409"}),
        ("/videos/{job_id}/remix", "post", {"201", "400", "402", "404", "409", "422", "503"}),
        ("/videos/{job_id}/thumbnail", "get", {"200", "302", "401", "403", "404", "409"}),
        ("/wallet/usage", "get", {"200", "400", "401"}),
    ],
)
def test_schema_documents_cancel_remix_thumbnail_and_usage(client, path, method, statuses):
    operation = client.get("/schema?format=json").json()["paths"][path][method]
    assert statuses <= set(operation["responses"])


def test_schema_shows_the_new_job_fields(client):
    job = client.get("/schema?format=json").json()["components"]["schemas"]["VideoJob"]
    assert {"thumbnail_url", "remixed_from"} <= set(job["properties"])
    assert "cancelled" in str(client.get("/schema?format=json").json())


# --- The Markdown documentation: README.md and docs/*.md -------------------------------

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^ {0,3}(```|~~~).*?^ {0,3}\1[^\n]*$", re.M | re.S)
INLINE_CODE = re.compile(r"(`+)(?:(?!\1).)+?\1")
LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE = re.compile(r"^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)", re.M)
HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$", re.M)


def _prose(text):
    """The text a reader sees as Markdown: no fenced blocks (a `#` comment in a shell block
    is no heading, a `[x](y)` in code no link)."""
    return FENCE.sub("", text)


def github_slug(heading):
    """GitHub's anchor for a heading: its rendered text, lower-cased, every character but
    letters, digits, `_`, `-` and spaces dropped, spaces turned into `-`."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link renders as its text
    text = re.sub(r"<[^>]+>", "", text).strip().lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors_of(page):
    """Every anchor GitHub gives the page's headings; a repeated heading gets -1, -2..."""
    seen, anchors = {}, set()
    for _, heading in HEADING.findall(_prose(page.read_text())):
        slug = github_slug(heading)
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        anchors.add(slug if count == 0 else f"{slug}-{count}")
    return anchors


def relative_links(page):
    prose = INLINE_CODE.sub("", _prose(page.read_text()))
    targets = LINK.findall(prose) + REFERENCE.findall(prose)
    return [t for t in targets if not re.match(r"^[a-z][a-z0-9+.-]*:", t, re.I)]


def test_github_slug_follows_githubs_rules():
    assert github_slug("Backup, restore and upgrade") == "backup-restore-and-upgrade"
    assert github_slug("A new endpoint's errors (for developers)") == (
        "a-new-endpoints-errors-for-developers"
    )
    assert github_slug("Live updates (`python -m benchmarks live`, benchmarks/live.py)") == (
        "live-updates-python--m-benchmarks-live-benchmarkslivepy"
    )
    assert github_slug("The `Support` group") == "the-support-group"


def test_anchors_of_numbers_repeated_headings_and_skips_code(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("# Title\n\n## Notes\n\n```sh\n# not a heading\n```\n\n## Notes\n")
    assert anchors_of(page) == {"title", "notes", "notes-1"}


def test_relative_links_skip_code_and_external_addresses(tmp_path):
    page = tmp_path / "page.md"
    page.write_text(
        "[a](docs/a.md#x) and [web](https://example.com) and `[b](b.md)`\n\n"
        "```md\n[c](c.md)\n```\n\n[ref]: other.md\n"
    )
    assert relative_links(page) == ["docs/a.md#x", "other.md"]


@pytest.mark.parametrize("page", PAGES, ids=lambda page: str(page.relative_to(ROOT)))
def test_every_relative_link_reaches_a_file_and_a_heading(page):
    broken = []
    for target in relative_links(page):
        path, _, anchor = target.partition("#")
        resolved = (ROOT / path.lstrip("/")) if path.startswith("/") else (page.parent / path)
        resolved = resolved.resolve() if path else page
        if not resolved.exists() or not resolved.is_relative_to(ROOT):
            broken.append(f"{target}: no such file")
        elif anchor and resolved.suffix == ".md" and anchor not in anchors_of(resolved):
            broken.append(f"{target}: no heading #{anchor} in {resolved.relative_to(ROOT)}")
    assert not broken, broken


def test_readme_is_short_and_gives_the_two_commands():
    readme = (ROOT / "README.md").read_text()
    assert len(readme.splitlines()) <= 250
    lines = readme.splitlines()
    assert any(line.startswith("make run ") for line in lines)
    assert any(line.startswith("make test ") for line in lines)


def _shell_blocks(page):
    return re.findall(r"^```sh\n(.*?)^```$", page.read_text(), re.M | re.S)


def test_the_readme_walkthrough_is_the_start_of_the_full_one():
    """The README's short walkthrough is the beginning of docs/walkthrough.md's, word for
    word, so the two can't drift apart and the full one goes on in the same shell."""
    short = [b for b in _shell_blocks(ROOT / "README.md") if "$API/auth/register" in b]
    full = [b for b in _shell_blocks(ROOT / "docs" / "walkthrough.md") if "$API/auth/register" in b]
    assert len(short) == 1 and len(full) == 1
    assert full[0].startswith(short[0])
    assert len(full[0]) > len(short[0])
