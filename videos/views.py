from django.http import HttpResponseNotModified
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from storycraft.conditional import etag_matches
from storycraft.pagination import NewestFirstCursorPagination
from videos import selectors
from videos.models import JobStatus
from videos.serializers import (
    BatchOrderSerializer,
    BatchSerializer,
    VideoJobSerializer,
    VideoOrderSerializer,
)
from videos.services import files
from videos.services.idempotency import Answer, answer_once, request_fingerprint
from videos.services.ordering import order_batch, order_video
from videos.services.pulls import pull_job

IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    description="Retry-safe key: the same key and body returns the first answer.",
)


def _idempotency_key(request) -> str | None:
    key = request.headers.get("Idempotency-Key", "").strip()
    if len(key) > 255 or not key.isascii() or not key.isprintable():
        raise serializers.ValidationError(
            {"Idempotency-Key": ["At most 255 printable ASCII characters."]}
        )
    return key or None


def _answered_once(request, *, operation: str, run) -> Response:
    """Run an order once per Idempotency-Key; a retry gets the first answer again."""
    key = _idempotency_key(request)
    answer = answer_once(
        user=request.user,
        key=key,
        fingerprint=request_fingerprint(operation=operation, body=request.data),
        run=lambda: run(key),
    )
    response = Response(answer.body, status=answer.status)
    if answer.replayed:
        response["Idempotent-Replayed"] = "true"
    return response


class JobFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=JobStatus.choices, required=False)
    batch = serializers.UUIDField(required=False)


def _has_idempotency_key(request) -> bool:
    return bool(request.headers.get("Idempotency-Key", "").strip())


class _OrderThrottled(APIView):
    """Orders count against the user's ORDER_THROTTLE_RATE (429 with Retry-After)."""

    throttle_scope = "order"
    # With a key, an order is safe to run again when the database connection is lost
    # under it: the key finds whatever the first run created.
    retry_on_lost_connection = staticmethod(_has_idempotency_key)

    def get_throttles(self):
        return [ScopedRateThrottle()] if self.request.method == "POST" else []


class VideoListView(_OrderThrottled):
    pagination_class = NewestFirstCursorPagination  # also tells the schema the list is paged

    @extend_schema(parameters=[JobFilterSerializer], responses={200: VideoJobSerializer(many=True)})
    def get(self, request):
        filters = JobFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        jobs = selectors.jobs_of(request.user)
        if "status" in filters.validated_data:
            jobs = jobs.filter(status=filters.validated_data["status"])
        if "batch" in filters.validated_data:
            jobs = jobs.filter(batch_id=filters.validated_data["batch"])
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(jobs, request, view=self)
        data = VideoJobSerializer(page, many=True, context={"request": request}).data
        return paginator.get_paginated_response(data)

    @extend_schema(
        request=VideoOrderSerializer,
        parameters=[IDEMPOTENCY_HEADER],
        responses={201: VideoJobSerializer},
    )
    def post(self, request):
        def run(key: str | None) -> Answer:
            order = VideoOrderSerializer(data=request.data)
            order.is_valid(raise_exception=True)
            job = order_video(user=request.user, spec=order.to_spec(), idempotency_key=key)
            body = VideoJobSerializer(job, context={"request": request}).data
            return Answer(status.HTTP_201_CREATED, body)

        return _answered_once(request, operation="order_video", run=run)


class BatchView(_OrderThrottled):
    @extend_schema(
        request=BatchOrderSerializer,
        parameters=[IDEMPOTENCY_HEADER],
        responses={201: BatchSerializer},
    )
    def post(self, request):
        def run(key: str | None) -> Answer:
            order = BatchOrderSerializer(data=request.data)
            order.is_valid(raise_exception=True)
            batch, jobs = order_batch(
                user=request.user, specs=order.to_specs(), idempotency_key=key
            )
            body = BatchSerializer({"id": batch.id, "jobs": jobs}, context={"request": request})
            return Answer(status.HTTP_201_CREATED, body.data)

        return _answered_once(request, operation="order_batch", run=run)


class VideoDetailView(APIView):
    @extend_schema(responses={200: VideoJobSerializer, 304: None})
    def get(self, request, job_id):
        job = selectors.job_of(request.user, job_id)
        etag = files.job_etag(job)
        # Clients poll this: an unchanged job costs one query and no serialization.
        if etag_matches(request.headers.get("If-None-Match", ""), etag):
            response = HttpResponseNotModified()
        else:
            response = Response(VideoJobSerializer(job, context={"request": request}).data)
        response["ETag"] = etag
        response["Cache-Control"] = "private, no-cache"
        return response


class VideoPullView(APIView):
    retry_on_lost_connection = True  # a pull is idempotent: run again on a new connection

    @extend_schema(request=None, responses={200: VideoJobSerializer})
    def post(self, request, job_id):
        job = selectors.job_of(request.user, job_id)
        job = pull_job(job_id=job.id)
        return Response(VideoJobSerializer(job, context={"request": request}).data)


class VideoFileView(APIView):
    """The MP4, for its owner's bearer token or for anyone holding a valid signed link."""

    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[
            OpenApiParameter("expires", int, description="From file_url."),
            OpenApiParameter("signature", str, description="From file_url."),
        ],
        responses={(200, "video/mp4"): bytes, 206: bytes, 302: None},
    )
    def get(self, request, job_id):
        job = selectors.job_for_download(
            user=request.user,
            job_id=job_id,
            expires=request.query_params.get("expires"),
            signature=request.query_params.get("signature"),
        )
        return files.file_response(request, job)
