"""Reading jobs on behalf of a user: another user's job is simply not found."""

from django.http import Http404

from videos.models import VideoJob


def jobs_of(user):
    return VideoJob.objects.filter(owner=user)


def job_of(user, job_id) -> VideoJob:
    try:
        return jobs_of(user).get(pk=job_id)
    except VideoJob.DoesNotExist:
        raise Http404("No such video.") from None


def job_by_id(job_id) -> VideoJob:
    """Only for callers that proved their right to the job another way (a signed link)."""
    try:
        return VideoJob.objects.get(pk=job_id)
    except VideoJob.DoesNotExist:
        raise Http404("No such video.") from None
