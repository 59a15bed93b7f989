"""Helpers only the video tests use; the people and their orders are in testing.py."""

from videos.provider.base import ProviderVideo


def provider_video(**fields) -> ProviderVideo:
    """What the provider says about a video, with only the fields a test cares about."""
    values = {
        "id": "video_x",
        "status": "in_progress",
        "progress": 0,
        "model": "sora-2",
        "seconds": 4,
        "size": "1280x720",
        "created_at": None,
        "completed_at": None,
        "expires_at": None,
        "error_code": None,
        "error_message": None,
        "poll_after_seconds": None,
        "request_id": None,
        **fields,
    }
    return ProviderVideo(**values)
