"""Reading jobs on behalf of a user: another user's job is simply not found."""

from django.db.models import F
from django.http import Http404
from rest_framework.exceptions import NotAuthenticated, PermissionDenied

from accounts.authentication import confirm_token_user
from videos.models import VideoJob
from videos.services.files import VIDEO, link_is_valid


def jobs_of(user):
    return VideoJob.objects.filter(owner=user)


def job_of(user, job_id) -> VideoJob:
    try:
        return jobs_of(user).get(pk=job_id)
    except VideoJob.DoesNotExist:
        raise Http404("No such video.") from None


def job_of_token_user(request, job_id) -> VideoJob:
    """job_of in one query for a view authenticated by OwnerCheckedJWTAuthentication: the
    job comes with its owner's is_active, so an active owner's user row is never loaded."""
    try:
        job = VideoJob.objects.annotate(owner_is_active=F("owner__is_active")).get(
            pk=job_id, owner_id=request.user.pk
        )
    except VideoJob.DoesNotExist:
        job = None
    if job is None or not job.owner_is_active:
        confirm_token_user(request)  # 401 for a deactivated or unknown user, as usual
    if job is None:
        raise Http404("No such video.")
    return job


def job_by_id(job_id) -> VideoJob:
    """Only for callers that proved their right to the job another way (a signed link)."""
    try:
        return VideoJob.objects.get(pk=job_id)
    except VideoJob.DoesNotExist:
        raise Http404("No such video.") from None


def job_for_download(
    *, user, job_id, expires: str | None, signature: str | None, what: str = VIDEO
) -> VideoJob:
    """The job whose file (or poster image) may be fetched: by a valid signed link (no
    header, for a `<video src>` or `<img src>`), or by its owner's token."""
    if expires is not None or signature is not None:
        if not link_is_valid(job_id, expires=expires, signature=signature, what=what):
            raise PermissionDenied("This link is invalid or has expired.")
        return job_by_id(job_id)
    if not user.is_authenticated:
        raise NotAuthenticated()
    return job_of(user, job_id)
