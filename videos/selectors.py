"""Reading jobs on behalf of a user: another user's job is simply not found."""

import functools
import uuid
from datetime import timedelta
from typing import TYPE_CHECKING, TypedDict, cast

from django.db import connection
from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from videos.exceptions import InvalidLink, VideoNotFound
from videos.models import ACTIVE_STATUSES, ChargeStatus, JobStatus, VideoJob
from videos.services.files import VIDEO, link_is_valid

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


class OwnerStanding(TypedDict):
    owner_is_active: bool


def jobs_of(user):
    return VideoJob.objects.filter(owner=user)


def jobs_of_active_owner(owner_id):
    """The jobs of `owner_id` while that user is active, the owner's standing checked by
    a join in the jobs' own query (no user row): for a view that authenticated the token
    without loading its user (accounts.authentication)."""
    return VideoJob.objects.filter(owner_id=owner_id, owner__is_active=True)


def job_of(user, job_id) -> VideoJob:
    try:
        return jobs_of(user).get(pk=job_id)
    except VideoJob.DoesNotExist:
        raise VideoNotFound() from None


def job_with_owner_standing(owner_id, job_id) -> "WithAnnotations[VideoJob, OwnerStanding] | None":
    """The owner's job, annotated with the owner's `owner_is_active`, in one indexed query
    (no user row): for a view that authenticated the token without loading its user.
    None when the owner has no such job."""
    sql, slots = _standing_sql(connection.vendor)
    pk = VideoJob._meta.pk
    values = {"job": job_id, "owner": owner_id}
    params = [pk.get_db_prep_value(values[slot], connection) for slot in slots]
    job = next(iter(VideoJob.objects.raw(sql, params)), None)
    return cast("WithAnnotations[VideoJob, OwnerStanding] | None", job)  # the SQL selects it


_SLOTS = {uuid.UUID(int=1): "job", uuid.UUID(int=2): "owner"}


@functools.cache
def _standing_sql(vendor: str) -> tuple[str, tuple[str, ...]]:
    """The ORM's SQL for job_with_owner_standing, compiled once per process: every client
    polls GET /videos/{id}, and compiling the query cost as much as running it (B1 in
    `make bench`). Per database vendor (`vendor` is the cache key); which parameter is
    which is found by compiling it with marker ids."""
    job, owner = _SLOTS
    query = VideoJob.objects.annotate(owner_is_active=F("owner__is_active")).filter(
        pk=job, owner_id=owner
    )
    sql, params = query.query.sql_with_params()
    return sql, tuple(_SLOTS[uuid.UUID(str(param))] for param in params)


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


# Unfinished for longer than this, a job is stuck: support should look at it.
STUCK_AFTER = timedelta(minutes=15)


def attention_conditions(now) -> dict[str, Q]:
    """What makes a job need support's attention, by name (the admin's filter, the dashboard)."""
    return {
        "stuck": Q(status__in=ACTIVE_STATUSES, created_at__lt=now - STUCK_AFTER),
        "failed_today": Q(status=JobStatus.FAILED, updated_at__gte=now - timedelta(days=1)),
        "cancelled_today": Q(status=JobStatus.CANCELLED, updated_at__gte=now - timedelta(days=1)),
        "unsettled": Q(charge_status=ChargeStatus.PENDING),
    }


def attention_counts() -> dict[str, int]:
    """How many jobs meet each attention condition, and the credits still held, in one query."""
    conditions = attention_conditions(timezone.now())
    return VideoJob.objects.filter(Q(*conditions.values(), _connector=Q.OR)).aggregate(
        **{name: Count("pk", filter=condition) for name, condition in conditions.items()},
        held_credits=Sum("cost", filter=conditions["unsettled"], default=0),
    )
