import pytest

from accounts.models import User

PASSWORD = "correct horse battery"


@pytest.fixture
def alice(db) -> User:
    return User.objects.create_user(email="alice@example.com", password=PASSWORD)


def post(client, path: str, body: dict, **extra):
    return client.post(path, body, content_type="application/json", **extra)


def login(client, email: str = "alice@example.com", password: str = PASSWORD, **extra):
    return post(client, "/auth/login", {"email": email, "password": password}, **extra)
