"""Reading jobs on behalf of a user: another user's job is simply not found."""

from videos.exceptions import InvalidLink, VideoNotFound
from videos.models import VideoJob
from videos.services.files import VIDEO, link_is_valid


def jobs_of(user):
    return VideoJob.objects.filter(owner=user)


def job_of(user, job_id) -> VideoJob:
    try:
        return jobs_of(user).get(pk=job_id)
    except VideoJob.DoesNotExist:
        raise VideoNotFound() from None


def job_by_id(job_id) -> VideoJob:
    """Only for callers that proved their right to the job another way (a signed link)."""
    try:
        return VideoJob.objects.get(pk=job_id)
    except VideoJob.DoesNotExist:
        raise VideoNotFound() from None


def job_for_download(
    *, user, job_id, expires: str | None, signature: str | None, what: str = VIDEO
) -> VideoJob:
    """The job whose file (or poster image) may be fetched: by a valid signed link (no
    header, for a `<video src>` or `<img src>`), or by its owner (the view asks an
    anonymous caller without a link to authenticate)."""
    if expires is not None or signature is not None:
        if not link_is_valid(job_id, expires=expires, signature=signature, what=what):
            raise InvalidLink()
        return job_by_id(job_id)
    if not user.is_authenticated:
        raise VideoNotFound()
    return job_of(user, job_id)
