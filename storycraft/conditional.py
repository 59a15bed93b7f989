"""Conditional GETs: one reading of If-None-Match for every view that sends an ETag."""

from django.utils.http import parse_etags


def etag_matches(if_none_match: str, etag: str) -> bool:
    return if_none_match.strip() == "*" or etag in parse_etags(if_none_match)
