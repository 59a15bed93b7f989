from contextlib import contextmanager

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotAuthenticated
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.authentication import StatelessReadJWTAuthentication, check_owner_standing
from catalog.styles import STYLES
from storycraft.conditional import conditional_response
from storycraft.pagination import NewestFirstCursorPagination
from storycraft.parsers import BoundedJSONParser
from storycraft.proxies import ScopedRateThrottle
from storycraft.schema import errors, etag_parameters
from videos import responses, selectors
from videos.exceptions import OrderNotOnOffer, VideoNotFound
from videos.idempotency import Answer, IdempotencyKey, answer_once, idempotency_key
from videos.models import JobStatus
from videos.serializers import (
    BatchOrderSerializer,
    BatchSerializer,
    BatchUploadOrderSerializer,
    OrderSerializer,
    RemixSerializer,
    VideoJobSerializer,
    VideoOrderSerializer,
    VideoUploadOrderSerializer,
)
from videos.services import files, lifecycle
from videos.services.ordering import order_batch, order_video
from videos.services.pulls import pull_job
from videos.services.remix import remix_video
from videos.services.specs import Order, order_of
from videos.uploads import check_upload, is_multipart, limit_upload

IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    description="Retry-safe key: the same key and body returns the first answer.",
)


def _answered_once(request, *, operation: str, run) -> Response:
    """Run an order once per Idempotency-Key; a retry gets the first answer again."""
    limit = limit_upload(request)
    body = request.data  # an image upload is read here, at most IMAGE_MAX_BYTES of it
    check_upload(limit)
    key = idempotency_key(request, operation=operation, body=body)
    return answer_once(user=request.user, key=key, run=lambda: run(key))


@contextmanager
def _as_field_errors():
    """An order the catalog refuses is answered as the refused field's error, the shape of
    the serializer's own checks."""
    try:
        yield
    except OrderNotOnOffer as error:
        raise serializers.ValidationError({error.field: [error.message]}) from None


# The serializer that reads each kind of order body: the schema shows them, _order_in uses them.
OrderSerializers = dict[str, type[OrderSerializer]]
VIDEO_ORDER: OrderSerializers = {
    "application/json": VideoOrderSerializer,
    "multipart/form-data": VideoUploadOrderSerializer,
}
BATCH_ORDER: OrderSerializers = {
    "application/json": BatchOrderSerializer,
    "multipart/form-data": BatchUploadOrderSerializer,
}


def _order_in(request, serializers_by_type: OrderSerializers) -> Order:
    """The order a request's body asks for (a JSON body, or a form with an image), checked
    against the catalog."""
    media_type = "multipart/form-data" if is_multipart(request) else "application/json"
    parsed = serializers_by_type[media_type](data=request.data)
    parsed.is_valid(raise_exception=True)
    with _as_field_errors():
        return order_of(user=request.user, request=parsed.to_request())


ORDER_BODIES = "A JSON body, or the same fields as multipart/form-data with an `image` file."
ORDER_ERRORS = errors(402, 404, 409, 413, 422, 503)


class JobFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=JobStatus.choices, required=False)
    batch = serializers.UUIDField(required=False)


class _JobsThrottle(ScopedRateThrottle):
    """ORDER_THROTTLE_RATE counts jobs, not requests: a batch of five styles counts five."""

    # Set by ScopedRateThrottle.allow_request (from the rate); the stubs leave them out.
    num_requests: int
    duration: int

    def allow_request(self, request, view) -> bool:
        self.jobs = view.jobs_ordered(request)
        return super().allow_request(request, view)

    def throttle_success(self) -> bool:
        # The base class checked that one more fits; the whole order must.
        if len(self.history) + self.jobs > self.num_requests:
            return self.throttle_failure()
        self.history[:0] = [self.now] * self.jobs
        self.cache.set(self.key, self.history, self.duration)
        return True


class _OrderThrottled(APIView):
    """Orders count against the user's ORDER_THROTTLE_RATE (429 with Retry-After), one
    per job they would make."""

    throttle_scope = "order"
    parser_classes = [BoundedJSONParser, MultiPartParser]

    def initial(self, request, *args, **kwargs):
        # The image's size limit goes in before anything reads the body: the jobs throttle
        # reads a batch's styles from it.
        limit_upload(request)
        super().initial(request, *args, **kwargs)

    def get_throttles(self):
        return [_JobsThrottle()] if self.request.method == "POST" else []

    def jobs_ordered(self, request) -> int:
        return 1


class VideoListView(_OrderThrottled):
    pagination_class = NewestFirstCursorPagination  # also tells the schema the list is paged
    # Clients poll this too: a GET checks the owner's standing in the jobs' own query.
    authentication_classes = [StatelessReadJWTAuthentication]

    @extend_schema(
        summary="Your videos, newest first",
        parameters=[JobFilterSerializer],
        responses={200: VideoJobSerializer(many=True)},
    )
    def get(self, request):
        filters = JobFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        jobs = selectors.jobs_of_active_owner(request.user.pk)
        if "status" in filters.validated_data:
            jobs = jobs.filter(status=filters.validated_data["status"])
        if "batch" in filters.validated_data:
            jobs = jobs.filter(batch_id=filters.validated_data["batch"])
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(jobs, request, view=self)
        # A page of theirs shows an active owner (the query keeps only those).
        check_owner_standing(request, seen_active=bool(page))
        data = VideoJobSerializer(page, many=True, context={"request": request}).data
        return paginator.get_paginated_response(data)

    @extend_schema(
        summary="Order a video",
        request=VIDEO_ORDER,
        parameters=[IDEMPOTENCY_HEADER],
        responses={201: VideoJobSerializer, **ORDER_ERRORS},
        description=f"{ORDER_BODIES} With `image` or `image_from_video` the video starts "
        "on that picture (400 if the model cannot; GET /models says `image_input`); 404 and "
        "409 `not_ready` for an `image_from_video` that is not yours or not completed; 413 "
        "`image_too_large`.",
    )
    def post(self, request):
        def run(key: IdempotencyKey | None) -> Answer:
            order = _order_in(request, VIDEO_ORDER)
            job = order_video(
                user=request.user,
                spec=order.specs[0],
                idempotency=key,
                picture=order.picture,
            )
            body = VideoJobSerializer(job, context={"request": request}).data
            return Answer(status.HTTP_201_CREATED, body)

        return _answered_once(request, operation="order_video", run=run)


class BatchView(_OrderThrottled):
    def jobs_ordered(self, request) -> int:
        # Before validation: a body that is not a list of styles is refused after this.
        data = request.data
        if hasattr(data, "getlist"):  # a form: each style is a field of its own
            chosen = data.getlist("styles") or None
        else:
            chosen = data.get("styles") if isinstance(data, dict) else None
        if chosen is None:
            return len(STYLES)
        return max(len(chosen), 1) if isinstance(chosen, list) else 1

    @extend_schema(
        summary="Order one prompt in several styles",
        request=BATCH_ORDER,
        parameters=[IDEMPOTENCY_HEADER],
        responses={201: BatchSerializer, **ORDER_ERRORS},
        description=f"{ORDER_BODIES} Every style starts on the one picture.",
    )
    def post(self, request):
        def run(key: IdempotencyKey | None) -> Answer:
            order = _order_in(request, BATCH_ORDER)
            batch, jobs = order_batch(
                user=request.user,
                specs=order.specs,
                idempotency=key,
                picture=order.picture,
            )
            body = BatchSerializer({"id": batch.id, "jobs": jobs}, context={"request": request})
            return Answer(status.HTTP_201_CREATED, body.data)

        return _answered_once(request, operation="order_batch", run=run)


class VideoDetailView(APIView):
    # Clients poll this: the owner's standing is checked in the job's own query.
    authentication_classes = [StatelessReadJWTAuthentication]

    @extend_schema(
        summary="One of your videos",
        parameters=etag_parameters(200, 304),
        responses={200: VideoJobSerializer, 304: OpenApiResponse(description="Not modified.")},
    )
    def get(self, request, job_id):
        job = selectors.job_with_owner_standing(request.user.pk, job_id)
        check_owner_standing(request, seen_active=job is not None and job.owner_is_active)
        if job is None:
            raise VideoNotFound()
        # An unchanged job costs one query and no serialization.
        return conditional_response(
            request,
            etag=files.job_etag(job),
            body=lambda: VideoJobSerializer(job, context={"request": request}).data,
            cache_control="private, no-cache",
        )


class VideoPullView(APIView):
    retry_on_lost_connection = True  # a pull is idempotent: run again on a new connection

    @extend_schema(
        summary="Ask the provider about a video now",
        request=None,
        responses={200: VideoJobSerializer},
    )
    def post(self, request, job_id):
        job = selectors.job_of(request.user, job_id)
        job = pull_job(job_id=job.id)
        return Response(VideoJobSerializer(job, context={"request": request}).data)


class VideoCancelView(APIView):
    @extend_schema(
        summary="Cancel a video",
        request=None,
        responses={200: VideoJobSerializer, **errors(409)},
        description="Cancel a queued or in-progress video: its credits come back and the "
        "provider's job is deleted. 409 `not_cancellable` once downloading or finished.",
    )
    def post(self, request, job_id):
        job = selectors.job_of(request.user, job_id)
        job = lifecycle.cancel_job(job_id=job.id)
        return Response(VideoJobSerializer(job, context={"request": request}).data)


class VideoRemixView(_OrderThrottled):
    @extend_schema(
        summary="Remix a finished video",
        request=RemixSerializer,
        parameters=[IDEMPOTENCY_HEADER],
        responses={201: VideoJobSerializer, **errors(402, 409, 422, 503)},
        description="A new video made from a completed one at the provider: same model, "
        "seconds, size and price, `remixed_from` set; charged and refunded like any order. "
        "409 `not_ready` unless the source is completed; 400 `remix_not_supported` when its "
        "model cannot remix.",
    )
    def post(self, request, job_id):
        source = selectors.job_of(request.user, job_id)

        def run(key: IdempotencyKey | None) -> Answer:
            remix = RemixSerializer(data=request.data)
            remix.is_valid(raise_exception=True)
            with _as_field_errors():
                job = remix_video(
                    user=request.user,
                    source=source,
                    prompt=remix.validated_data["prompt"],
                    style=remix.validated_data["style"],
                    idempotency=key,
                )
            body = VideoJobSerializer(job, context={"request": request}).data
            return Answer(status.HTTP_201_CREATED, body)

        # The source is part of what is asked: one key on two sources is a reuse.
        return _answered_once(request, operation=f"remix {source.id}", run=run)


def _signed_link(url_field: str) -> list[OpenApiParameter]:
    """The query of a signed link the job's `url_field` gives."""
    return [
        OpenApiParameter("expires", int, description=f"From {url_field}."),
        OpenApiParameter("signature", str, description=f"From {url_field}."),
    ]


def _downloadable_job(request, job_id, *, what: str):
    expires = request.query_params.get("expires")
    signature = request.query_params.get("signature")
    if expires is None and signature is None and not request.user.is_authenticated:
        raise NotAuthenticated()  # without a signed link, the owner's token is needed
    return selectors.job_for_download(
        user=request.user, job_id=job_id, expires=expires, signature=signature, what=what
    )


class VideoFileView(APIView):
    """The MP4, for its owner's bearer token or for anyone holding a valid signed link."""

    permission_classes = [AllowAny]

    @extend_schema(
        summary="Download the MP4",
        parameters=[
            *_signed_link("file_url"),
            OpenApiParameter(
                "Range",
                str,
                OpenApiParameter.HEADER,
                description="One byte range, `bytes=START-END`: 206 with those bytes.",
            ),
        ],
        responses={
            (200, "video/mp4"): OpenApiResponse(OpenApiTypes.BINARY, description="The MP4."),
            (206, "video/mp4"): OpenApiResponse(
                OpenApiTypes.BINARY, description="The bytes of the one Range asked for."
            ),
            302: OpenApiResponse(description="To the file in S3 storage (a presigned URL)."),
            **errors(401, 403, 404, 409, 416),
        },
    )
    def get(self, request, job_id):
        job = _downloadable_job(request, job_id, what=files.VIDEO)
        return responses.file_response(request, files.video_file(job))


class VideoThumbnailView(APIView):
    """The poster image, for its owner's bearer token or for anyone holding a valid
    signed `thumbnail_url`."""

    permission_classes = [AllowAny]

    @extend_schema(
        summary="The poster image",
        parameters=[
            *_signed_link("thumbnail_url"),
        ],
        responses={
            # One media range, not one entry per format: a generated client (e.g.
            # openapi-python-client) reads one binary type and drops a response with several.
            (200, "image/*"): OpenApiResponse(
                OpenApiTypes.BINARY,
                description="The poster: the provider's own (WebP, JPEG or PNG) or a JPEG of "
                "the first frame; Content-Type says which.",
            ),
            302: OpenApiResponse(description="To the image in S3 storage (a presigned URL)."),
            **errors(401, 403, 404, 409),
        },
    )
    def get(self, request, job_id):
        job = _downloadable_job(request, job_id, what=files.THUMBNAIL)
        return responses.thumbnail_response(files.thumbnail_file(job))


class VideoInputImageView(APIView):
    """The picture the video started from (PNG, fitted to its size), for its owner's
    bearer token or for anyone holding a valid signed `input_image_url`."""

    permission_classes = [AllowAny]

    @extend_schema(
        summary="A video's starting picture",
        parameters=[
            *_signed_link("input_image_url"),
        ],
        responses={
            (200, "image/png"): OpenApiResponse(OpenApiTypes.BINARY, description="The PNG."),
            302: OpenApiResponse(description="To the image in S3 storage (a presigned URL)."),
            **errors(401, 403, 404),
        },
    )
    def get(self, request, job_id):
        job = _downloadable_job(request, job_id, what=files.INPUT_IMAGE)
        return responses.thumbnail_response(files.input_image_file(job))
