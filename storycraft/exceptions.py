"""The kernel's error vocabulary: what a service or selector raises when it refuses.

An exception says what went wrong in words (`message`) and as a stable machine `code`, and,
where waiting helps, how long to wait (`retry_after`, seconds). It knows nothing of HTTP:
the same refusal may come from the API, the admin, a management command or a worker. Each
app defines its own in `<app>/exceptions.py` (as django-oscar and HackSoft's styleguide do);
which HTTP status each one gets is decided at the API edge (see storycraft/errors.py).

This module imports nothing, so that any app may build on it.
"""


class DomainError(Exception):
    """A refusal by a service or selector: a message for people, a code for programs."""

    code = "error"
    default_message = "The request was refused."
    retry_after: int | None = None  # seconds after which trying again may succeed

    def __init__(self, message: str | None = None):
        self.message = message if message is not None else self.default_message
        super().__init__(self.message)


class NotFound(DomainError):
    """What was asked for does not exist, or is not the asker's to see."""

    code = "not_found"
    default_message = "Not found."
