"""JWT authentication for read views that check the owner's standing themselves.

simplejwt's JWTAuthentication loads the user row on every request to refuse a deleted
or deactivated user. A view whose own query already joins the owner (GET /videos/{id}
and GET /videos, polled by every client) can do that check in the same query: for a
read, this class verifies the token exactly as JWTAuthentication does but leaves
`request.user` a TokenUser (its id from the token, no query). Such a view must call
`confirm_token_user` whenever its query did not show an active owner; it answers 401 as
JWTAuthentication would have. A write (POST...) acts on behalf of the user, so it loads
and checks the user row as JWTAuthentication always does.
"""

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework.permissions import SAFE_METHODS
from rest_framework_simplejwt.authentication import (
    JWTAuthentication,
    JWTStatelessUserAuthentication,
)
from rest_framework_simplejwt.settings import api_settings


class OwnerCheckedJWTAuthentication(JWTStatelessUserAuthentication):
    def authenticate(self, request):
        if request.method not in SAFE_METHODS:
            return JWTAuthentication().authenticate(request)
        return super().authenticate(request)

    def get_user(self, validated_token):
        if api_settings.CHECK_REVOKE_TOKEN:
            # The password-hash claim needs the row: no shortcut to take.
            return JWTAuthentication().get_user(validated_token)
        return super().get_user(validated_token)


def confirm_token_user(request) -> None:
    """JWTAuthentication's full check of the token's user (exists, active): raises
    AuthenticationFailed (401) when that user may no longer use the API."""
    if request.auth is not None:
        JWTAuthentication().get_user(request.auth)


class OwnerCheckedJWTScheme(SimpleJWTScheme):
    """In the schema, the same bearer token as every other endpoint: it refers to the
    jwtAuth component that JWTAuthentication registers, rather than registering a second
    component of that name (drf-spectacular warns about two identities for one name)."""

    # The base extension takes a class and a list; SimpleJWTScheme's unannotated strings
    # narrow both to str for mypy.
    target_class = OwnerCheckedJWTAuthentication  # type: ignore[assignment]
    name: list[str] = []  # type: ignore[assignment]  # registers no component of its own

    def get_security_requirement(self, auto_schema):
        return {SimpleJWTScheme.name: []}
