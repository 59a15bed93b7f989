"""Logs without secrets: the signature of a signed link never reaches a log line.

A signed `file_url` (or `thumbnail_url`) works for anyone who has it until it expires,
so an access log that keeps it hands the video to whoever reads the logs.
"""

import logging
import re

from gunicorn import glogging

# `signature` of our signed links (and X-Amz-Signature of presigned S3 ones), and the
# single-use `ticket` of the event stream.
_SECRET_PARAMETER = re.compile(r"(signature|ticket)=[^&\s\"']+", re.IGNORECASE)


def redact(text: str) -> str:
    return _SECRET_PARAMETER.sub(r"\1=[redacted]", text)


class RedactSecrets(logging.Filter):
    """Rewrites a record whose message carries a secret query parameter."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


class GunicornLogger(glogging.Logger):
    """Gunicorn's logger (`--logger-class storycraft.logs.GunicornLogger`), redacting."""

    def setup(self, cfg) -> None:
        super().setup(cfg)
        for logger in (self.access_log, self.error_log):
            logger.addFilter(RedactSecrets())
            # uvicorn's worker writes its own loggers' lines through these handlers.
            for handler in logger.handlers:
                handler.addFilter(RedactSecrets())
