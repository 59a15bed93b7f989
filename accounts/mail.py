"""Where account email goes when no SMTP server is configured."""

import logging

from django.core.mail.backends.filebased import EmailBackend

logger = logging.getLogger(__name__)


class FileBackend(EmailBackend):
    """Django's file backend (one file per connection under EMAIL_FILE_PATH) that also
    logs where each message went, so a developer running `make run` can find the link."""

    def send_messages(self, email_messages) -> int:
        sent = super().send_messages(email_messages)
        for message in email_messages[:sent]:
            # _fname is FileBackend's own (set by open()), private, so not in the stubs.
            logger.info("email %r to %s written to %s", message.subject, message.to, self._fname)  # type: ignore[attr-defined]
        return sent
