from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalog import styles
from catalog.models import MAX_PROMPT_LENGTH
from videos.exceptions import PictureNotAccepted
from videos.models import VideoJob
from videos.services import pictures
from videos.services.files import file_url_for, input_image_url_for, thumbnail_url_for
from videos.services.specs import OrderRequest


def _choice(choices, error: str, **kwargs) -> serializers.ChoiceField:
    return serializers.ChoiceField(
        choices=choices, error_messages={"invalid_choice": error}, **kwargs
    )


@extend_schema_field(OpenApiTypes.INT)
class _Seconds(serializers.Field):
    """Taken as given and checked against the chosen model (videos.services.specs), so
    that any wrong value gets the same answer: what that model offers."""

    def to_internal_value(self, data):
        return data

    def to_representation(self, value):
        return value


class OrderSerializer(serializers.Serializer):
    """Parses an order; videos.services.specs checks it against the catalog."""

    prompt = serializers.CharField(max_length=MAX_PROMPT_LENGTH, trim_whitespace=True)
    seconds = _Seconds(help_text="A length the model offers (GET /models).")
    format = serializers.CharField(
        required=False, max_length=8, help_text='An aspect the model offers, e.g. "16:9".'
    )
    size = serializers.CharField(
        required=False, max_length=16, help_text="A size the model offers, e.g. 1280x720."
    )
    model = serializers.CharField(
        required=False,
        max_length=100,
        help_text="A model id from GET /models; default: its default.",
    )
    image_from_video = serializers.UUIDField(
        required=False,
        help_text="One of your completed videos: its last frame is this video's first.",
    )

    def validate_image(self, upload) -> pictures.StartPicture:
        try:
            return pictures.read_upload(upload)
        except PictureNotAccepted as error:
            raise serializers.ValidationError(error.message) from None

    def chosen_styles(self) -> list[str]:
        raise NotImplementedError  # each order serializer says which styles it orders

    def to_request(self) -> OrderRequest:
        data = self.validated_data
        return OrderRequest(
            prompt=data["prompt"],
            seconds=data["seconds"],
            styles=self.chosen_styles(),
            model=data.get("model"),
            format=data.get("format"),
            size=data.get("size"),
            image=data.get("image"),
            image_from_video=data.get("image_from_video"),
        )


class VideoOrderSerializer(OrderSerializer):
    # A declared field, which DRF's metaclass takes off the class; not Field.style.
    style = _choice(  # type: ignore[assignment]
        styles.STYLES,
        '"{input}" is not a style. Use one of: ' + ", ".join(styles.STYLES) + ".",
        default=styles.DEFAULT_STYLE,
    )

    def chosen_styles(self) -> list[str]:
        return [self.validated_data["style"]]


class BatchOrderSerializer(OrderSerializer):
    styles = serializers.ListField(
        child=_choice(
            styles.STYLES,
            '"{input}" is not a style. Use any of: ' + ", ".join(styles.STYLES) + ".",
        ),
        min_length=1,
        max_length=len(styles.STYLES),
        required=False,
        help_text="Default: all five styles.",
    )

    def chosen_styles(self) -> list[str]:
        return self.validated_data.get("styles") or list(styles.STYLES)


IMAGE_HELP = (
    "The picture the video starts on (its first frame): PNG, JPEG or WebP, at most "
    "IMAGE_MAX_BYTES (10 MiB by default) and 4096 pixels a side; scaled and centre-cropped "
    "to the video's size."
)


class VideoUploadOrderSerializer(VideoOrderSerializer):
    """POST /videos as multipart/form-data: the same fields and a picture."""

    image = serializers.FileField(required=False, help_text=IMAGE_HELP)


class BatchUploadOrderSerializer(BatchOrderSerializer):
    """POST /videos/batch as multipart/form-data: every style starts on the one picture."""

    image = serializers.FileField(required=False, help_text=IMAGE_HELP)


class RemixSerializer(serializers.Serializer):
    """Parses a remix; videos.services.specs checks the prompt against the source's model."""

    prompt = serializers.CharField(max_length=MAX_PROMPT_LENGTH, trim_whitespace=True)
    # A declared field, which DRF's metaclass takes off the class; not Field.style.
    style = _choice(  # type: ignore[assignment]
        styles.STYLES,
        '"{input}" is not a style. Use one of: ' + ", ".join(styles.STYLES) + ".",
        default=styles.DEFAULT_STYLE,
    )


class VideoErrorSerializer(serializers.Serializer):
    """Why a job failed: `code` from the provider or ours (`refunded`, `expired`, ...)."""

    code = serializers.CharField()
    message = serializers.CharField()


class VideoJobSerializer(serializers.ModelSerializer):
    error = serializers.SerializerMethodField()
    file_url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()
    input_image_url = serializers.SerializerMethodField()
    image_from_video = serializers.UUIDField(
        source="image_from_video_id", read_only=True, allow_null=True
    )
    remixed_from = serializers.UUIDField(source="remixed_from_id", read_only=True, allow_null=True)
    batch_id = serializers.UUIDField(read_only=True, allow_null=True)

    class Meta:
        model = VideoJob
        fields = [
            "id",
            "status",
            "progress",
            "prompt",
            "style",
            "model",
            "seconds",
            "size",
            "format",
            "cost",
            "charge_status",
            "error",
            "file_url",
            "thumbnail_url",
            "input_image_url",
            "image_from_video",
            "remixed_from",
            "batch_id",
            "created_at",
            "updated_at",
            "completed_at",
        ]
        read_only_fields = fields

    @extend_schema_field(VideoErrorSerializer(allow_null=True))
    def get_error(self, job: VideoJob) -> dict | None:
        if not job.error_code:
            return None
        return {"code": job.error_code, "message": job.error_message}

    def get_file_url(self, job: VideoJob) -> str | None:
        return file_url_for(job, request=self.context.get("request"))

    def get_thumbnail_url(self, job: VideoJob) -> str | None:
        return thumbnail_url_for(job, request=self.context.get("request"))

    def get_input_image_url(self, job: VideoJob) -> str | None:
        """The picture it started from, fitted to its size; null for a text order."""
        return input_image_url_for(job, request=self.context.get("request"))

    def to_representation(self, job: VideoJob) -> dict:
        """What the fields above produce, written out: DRF builds this serializer's fields
        anew for every instance and walks them one by one, which made up most of the cost
        of a page of 20. test_serializer_speed checks it against the generic walk."""
        request = self.context.get("request")
        return {
            "id": str(job.id),
            "status": str(job.status),
            "progress": job.progress,
            "prompt": job.prompt,
            "style": job.style,
            "model": job.model,
            "seconds": job.seconds,
            "size": job.size,
            "format": job.format,
            "cost": job.cost,
            "charge_status": str(job.charge_status),
            "error": self.get_error(job),
            "file_url": file_url_for(job, request=request),
            "thumbnail_url": thumbnail_url_for(job, request=request),
            "input_image_url": input_image_url_for(job, request=request),
            "image_from_video": _uuid_text(job.image_from_video_id),
            "remixed_from": _uuid_text(job.remixed_from_id),
            "batch_id": _uuid_text(job.batch_id),
            "created_at": _DATETIME.to_representation(job.created_at),
            "updated_at": _DATETIME.to_representation(job.updated_at),
            # None gives None; the stubs take only a datetime.
            "completed_at": _DATETIME.to_representation(job.completed_at),  # type: ignore[arg-type]
        }


_DATETIME = serializers.DateTimeField()


def _uuid_text(value) -> str | None:
    return None if value is None else str(value)


class BatchSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    jobs = VideoJobSerializer(many=True)
