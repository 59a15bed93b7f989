"""Conditional GETs: one reading of If-None-Match, and one answer to it, for every view
that sends an ETag."""

import hashlib
import json
from collections.abc import Callable

from django.http import HttpResponseBase, HttpResponseNotModified
from django.utils.http import parse_etags
from rest_framework.response import Response


def etag_matches(if_none_match: str, etag: str) -> bool:
    return if_none_match.strip() == "*" or etag in parse_etags(if_none_match)


def content_etag(body) -> str:
    """A strong ETag that changes when a JSON body's content does."""
    digest = hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode())
    return '"' + digest.hexdigest()[:32] + '"'


def conditional_response(
    request, *, etag: str, body: Callable[[], object], cache_control: str
) -> HttpResponseBase:
    """304 when the client holds this version (`body` is then never built), else the body;
    either way with the ETag and `cache_control`."""
    if etag_matches(request.headers.get("If-None-Match", ""), etag):
        response: HttpResponseBase = HttpResponseNotModified()
    else:
        response = Response(body())
    response["ETag"] = etag
    response["Cache-Control"] = cache_control
    return response
