from django.http import HttpResponseNotModified
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from storycraft.conditional import etag_matches
from storycraft.pagination import NewestFirstCursorPagination
from videos import selectors
from videos.models import JobStatus
from videos.serializers import (
    BatchOrderSerializer,
    BatchSerializer,
    ErrorSerializer,
    RemixSerializer,
    VideoJobSerializer,
    VideoOrderSerializer,
)
from videos.services import files, lifecycle
from videos.services.ordering import order_batch, order_video
from videos.services.polling import refresh_job
from videos.services.remix import remix_video

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


class JobFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=JobStatus.choices, required=False)
    batch = serializers.UUIDField(required=False)


class VideoListView(APIView):
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
        order = VideoOrderSerializer(data=request.data)
        order.is_valid(raise_exception=True)
        job = order_video(
            user=request.user, spec=order.to_spec(), idempotency_key=_idempotency_key(request)
        )
        body = VideoJobSerializer(job, context={"request": request}).data
        return Response(body, status=status.HTTP_201_CREATED)


class BatchView(APIView):
    @extend_schema(
        request=BatchOrderSerializer,
        parameters=[IDEMPOTENCY_HEADER],
        responses={201: BatchSerializer},
    )
    def post(self, request):
        order = BatchOrderSerializer(data=request.data)
        order.is_valid(raise_exception=True)
        batch, jobs = order_batch(
            user=request.user, specs=order.to_specs(), idempotency_key=_idempotency_key(request)
        )
        body = BatchSerializer({"id": batch.id, "jobs": jobs}, context={"request": request}).data
        return Response(body, status=status.HTTP_201_CREATED)


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
    @extend_schema(request=None, responses={200: VideoJobSerializer})
    def post(self, request, job_id):
        job = selectors.job_of(request.user, job_id)
        job = refresh_job(job_id=job.id, download_now=True)
        return Response(VideoJobSerializer(job, context={"request": request}).data)


class VideoCancelView(APIView):
    @extend_schema(
        request=None,
        responses={200: VideoJobSerializer, 404: ErrorSerializer, 409: ErrorSerializer},
        description="Cancel a queued or in-progress video: its credits come back and the "
        "provider's job is deleted. 409 `not_cancellable` once downloading or finished.",
    )
    def post(self, request, job_id):
        job = selectors.job_of(request.user, job_id)
        job = lifecycle.cancel_job(job_id=job.id)
        return Response(VideoJobSerializer(job, context={"request": request}).data)


class VideoRemixView(APIView):
    @extend_schema(
        request=RemixSerializer,
        parameters=[IDEMPOTENCY_HEADER],
        responses={
            201: VideoJobSerializer,
            400: OpenApiResponse(
                description="Invalid prompt or style (field errors), or `remix_not_supported`."
            ),
            402: ErrorSerializer,
            404: ErrorSerializer,
            409: ErrorSerializer,
            422: ErrorSerializer,
            503: ErrorSerializer,
        },
        description="A new video made from a completed one at the provider: same model, "
        "seconds, size and price, `remixed_from` set; charged and refunded like any order. "
        "409 `not_ready` unless the source is completed; 400 `remix_not_supported` when its "
        "model cannot remix.",
    )
    def post(self, request, job_id):
        source = selectors.job_of(request.user, job_id)
        remix = RemixSerializer(data=request.data)
        remix.is_valid(raise_exception=True)
        job = remix_video(
            user=request.user,
            source=source,
            prompt=remix.validated_data["prompt"],
            style=remix.validated_data["style"],
            idempotency_key=_idempotency_key(request),
        )
        body = VideoJobSerializer(job, context={"request": request}).data
        return Response(body, status=status.HTTP_201_CREATED)


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


class VideoThumbnailView(APIView):
    """The poster image, for its owner's bearer token or for anyone holding a valid
    signed `thumbnail_url`."""

    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[
            OpenApiParameter("expires", int, description="From thumbnail_url."),
            OpenApiParameter("signature", str, description="From thumbnail_url."),
        ],
        responses={
            (200, "image/webp"): bytes,
            (200, "image/jpeg"): bytes,
            302: None,
            401: ErrorSerializer,
            403: ErrorSerializer,
            404: ErrorSerializer,
            409: ErrorSerializer,
        },
    )
    def get(self, request, job_id):
        job = selectors.job_for_download(
            user=request.user,
            job_id=job_id,
            expires=request.query_params.get("expires"),
            signature=request.query_params.get("signature"),
            what=files.THUMBNAIL,
        )
        return files.thumbnail_response(job)
