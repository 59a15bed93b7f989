"""Helpers only the accounts tests use; alice and PASSWORD are in testing.py."""

from testing import PASSWORD


def post(client, path: str, body: dict, **extra):
    return client.post(path, body, content_type="application/json", **extra)


def login(client, email: str = "alice@example.com", password: str = PASSWORD, **extra):
    return post(client, "/auth/login", {"email": email, "password": password}, **extra)
