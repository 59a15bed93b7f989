"""drf-spectacular hooks."""


def drop_trailing_slash_twins(endpoints: list, **kwargs) -> list:
    """Document each path once: `route()` serves `/x` and `/x/`, the schema shows `/x`."""
    slashless = {path for path, *_ in endpoints if not path.endswith("/")}
    return [
        endpoint
        for endpoint in endpoints
        if not (endpoint[0].endswith("/") and endpoint[0].rstrip("/") in slashless)
    ]
