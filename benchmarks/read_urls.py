"""B1's baselines beside the real URLs: the same rows straight from the ORM as a
JsonResponse, with no authentication, serializer or conditional GET. Bench-only
(benchmarks.read_settings); production's URL module never includes it."""

from django.http import JsonResponse
from django.urls import path

from storycraft.urls import handler404, handler500  # noqa: F401
from storycraft.urls import urlpatterns as production
from videos.models import VideoJob

# The model fields behind VideoJobSerializer's answer.
FIELDS = (
    "id", "status", "progress", "prompt", "style", "model", "seconds", "size", "format",
    "cost", "charge_status", "error_code", "error_message", "file", "thumbnail",
    "remixed_from_id", "batch_id", "created_at", "updated_at", "completed_at",
    "input_image", "image_from_video_id",
)  # fmt: skip


def bare_detail(request, job_id):
    return JsonResponse(VideoJob.objects.filter(pk=job_id).values(*FIELDS).first())


def bare_page(request, owner_id):
    jobs = VideoJob.objects.filter(owner_id=owner_id).order_by("-created_at", "-id")
    return JsonResponse({"results": list(jobs.values(*FIELDS)[:20])})


urlpatterns = [
    path("bare/videos/<uuid:job_id>", bare_detail),
    path("bare/owners/<uuid:owner_id>/videos", bare_page),
    *production,
]
