"""Routes that answer with and without a trailing slash (the frontend uses both)."""

from django.urls import path


def route(pattern: str, view, name: str | None = None) -> list:
    pattern = pattern.rstrip("/")
    return [path(pattern, view, name=name), path(pattern + "/", view)]
