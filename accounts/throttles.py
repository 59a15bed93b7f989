"""Limits on the emails anyone can make us send."""

import hashlib

from rest_framework.throttling import SimpleRateThrottle


class PasswordResetEmailThrottle(SimpleRateThrottle):
    """Reset requests per email address asked about, whoever asks and whether or not an
    account has it: nobody can flood one inbox, and the limit reveals nothing."""

    scope = "password_reset_email"

    def get_cache_key(self, request, view):
        email = request.data.get("email") if isinstance(request.data, dict) else None
        if not isinstance(email, str) or not email.strip():
            return None  # the serializer refuses it
        digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()
        return self.cache_format % {"scope": self.scope, "ident": digest}
