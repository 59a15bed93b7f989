"""JWT authentication that, for a read, leaves the owner check to the view's own query.

simplejwt's JWTAuthentication loads the user row on every request to refuse a deleted
or deactivated user. The polled reads (GET /videos/{id} and GET /videos) already join
their owner's `is_active` in their own query, so loading the row as well would double
their cost. For a read, `StatelessReadJWTAuthentication` verifies the token exactly as
JWTAuthentication does but leaves `request.user` a TokenUser (its id from the token, no
query); the view then calls `check_owner_standing` with what its query saw, and that is
the one place the owner is checked: seen active, nothing more; otherwise the full check,
which answers 401 as JWTAuthentication would have. A write (POST...) acts on behalf of
the user, so it loads and checks the user row as JWTAuthentication always does.
"""

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework.permissions import SAFE_METHODS
from rest_framework_simplejwt.authentication import (
    JWTAuthentication,
    JWTStatelessUserAuthentication,
)
from rest_framework_simplejwt.settings import api_settings


class StatelessReadJWTAuthentication(JWTStatelessUserAuthentication):
    """For reads, a token user whose standing the view checks with `check_owner_standing`."""

    def authenticate(self, request):
        if request.method not in SAFE_METHODS:
            return JWTAuthentication().authenticate(request)
        return super().authenticate(request)

    def get_user(self, validated_token):
        if api_settings.CHECK_REVOKE_TOKEN:
            # The password-hash claim needs the row: no shortcut to take.
            return JWTAuthentication().get_user(validated_token)
        return super().get_user(validated_token)


def check_owner_standing(request, *, seen_active: bool) -> None:
    """The owner check of a view authenticated by StatelessReadJWTAuthentication.
    `seen_active`: the view's own query showed the token's user active (a row of theirs
    joined to `is_active`). Otherwise JWTAuthentication's full check of that user (exists,
    active) runs: AuthenticationFailed (401) when they may no longer use the API."""
    if seen_active or not isinstance(request.user, api_settings.TOKEN_USER_CLASS):
        return  # checked in the view's query, or the user row was loaded and checked
    JWTAuthentication().get_user(request.auth)


class StatelessReadJWTScheme(SimpleJWTScheme):
    """In the schema, the same bearer token as every other endpoint: it refers to the
    jwtAuth component that JWTAuthentication registers, rather than registering a second
    component of that name (drf-spectacular warns about two identities for one name)."""

    # The base extension takes a class and a list; SimpleJWTScheme's unannotated strings
    # narrow both to str for mypy.
    target_class = StatelessReadJWTAuthentication  # type: ignore[assignment]
    name: list[str] = []  # type: ignore[assignment]  # registers no component of its own

    def get_security_requirement(self, auto_schema):
        return {SimpleJWTScheme.name: []}
