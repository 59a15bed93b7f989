from typing import cast

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalog import styles
from catalog.models import MAX_PROMPT_LENGTH
from catalog.selectors import Offer, SizeOffer, orderable_offer, orderable_offers
from videos.exceptions import PictureNotAccepted
from videos.models import VideoJob
from videos.pricing import VideoSpec
from videos.services import pictures
from videos.services.files import file_url_for, input_image_url_for, thumbnail_url_for


def _choice(choices, error: str, **kwargs) -> serializers.ChoiceField:
    return serializers.ChoiceField(
        choices=choices, error_messages={"invalid_choice": error}, **kwargs
    )


def _listing(values) -> str:
    values = [str(value) for value in values]
    return ", ".join(values[:-1]) + f" or {values[-1]}" if len(values) > 1 else "".join(values)


def _sizes_text(offer: Offer) -> str:
    return ", ".join(f"{size.size} ({size.format})" for size in offer.sizes)


@extend_schema_field(OpenApiTypes.INT)
class _Seconds(serializers.Field):
    """Taken as given and checked against the chosen model, so that any wrong value gets
    the same answer: what that model offers."""

    def to_internal_value(self, data):
        return data

    def to_representation(self, value):
        return value


class _OrderSerializer(serializers.Serializer):
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

    def validate(self, attrs):
        offer = self._offer(attrs.get("model"))
        attrs["seconds"] = self._seconds(offer, attrs["seconds"])
        attrs["size"] = self._size(offer, attrs.get("format"), attrs.get("size"))
        attrs["offer"] = offer
        attrs["picture"] = self._picture(offer, attrs)
        return attrs

    def validate_image(self, upload) -> pictures.StartPicture:
        try:
            return pictures.read_upload(upload)
        except PictureNotAccepted as error:
            raise serializers.ValidationError(error.message) from None

    def _picture(self, offer: Offer, attrs) -> pictures.StartPicture | None:
        """The picture to start from, checked against the model. Another user's video is
        a VideoNotFound (404), an unfinished one NotReady (409)."""
        uploaded, source = attrs.get("image"), attrs.get("image_from_video")
        if uploaded is None and source is None:
            return None
        field = "image" if uploaded is not None else "image_from_video"
        if uploaded is not None and source is not None:
            raise serializers.ValidationError(
                {field: ["Give an image or image_from_video, not both."]}
            )
        if not offer.image_input:
            able = [other.model_id for other in orderable_offers() if other.image_input]
            raise serializers.ValidationError(
                {
                    field: [
                        f"{offer.model_id} cannot start from a picture. "
                        f"Models that can: {_listing(able) or 'none'}."
                    ]
                }
            )
        return uploaded or pictures.last_frame_of(self.context["user"], source)

    @property
    def picture(self) -> pictures.StartPicture | None:
        return self.validated_data["picture"]

    def _offer(self, model_id: str | None) -> Offer:
        offer = orderable_offer(model_id)
        if offer is None:
            available = _listing(offer.model_id for offer in orderable_offers()) or "none"
            problem = (
                f'"{model_id}" is not a model you can order.'
                if model_id is not None
                else "There is no default model: name one."
            )
            raise serializers.ValidationError({"model": [f"{problem} Available: {available}."]})
        return offer

    def _seconds(self, offer: Offer, seconds) -> int:
        if (
            isinstance(seconds, str)
            and seconds.isascii()
            and seconds.isdigit()
            and len(seconds) < 5
        ):
            seconds = int(seconds)
        if isinstance(seconds, bool) or seconds not in offer.durations:
            raise serializers.ValidationError(
                {
                    "seconds": [
                        f"{offer.model_id} makes videos of {_listing(offer.durations)} seconds."
                    ]
                }
            )
        return int(seconds)

    def _size(self, offer: Offer, format_: str | None, size: str | None) -> SizeOffer:
        if size:
            chosen = offer.size(size)
            if chosen is None:
                others = [other.model_id for other in orderable_offers() if other.size(size)]
                elsewhere = f" ({_listing(others)} does)" if others else ""
                raise serializers.ValidationError(
                    {
                        "size": [
                            f"{offer.model_id} does not make {size}{elsewhere}. "
                            f"Its sizes: {_sizes_text(offer)}."
                        ]
                    }
                )
            if format_ and chosen.format != format_:
                raise serializers.ValidationError(
                    {
                        "size": [
                            f"Size {size} is {chosen.format}, not {format_}; give one or the other."
                        ]
                    }
                )
            return chosen
        if format_:
            chosen = offer.size_for_format(format_)
            if chosen is None:
                raise serializers.ValidationError(
                    {
                        "format": [
                            f'{offer.model_id} has no "{format_}" size. '
                            f"Its sizes: {_sizes_text(offer)}; give a format or a size."
                        ]
                    }
                )
            return chosen
        return cast(SizeOffer, offer.default_size_offer)  # an orderable model has sizes

    def _check_prompt_length(self, prompt: str, offer: Offer, style_names) -> None:
        for style in style_names:
            length = len(styles.provider_prompt(prompt, style))
            if length > offer.max_prompt_length:
                raise serializers.ValidationError(
                    {
                        "prompt": [
                            f"With the {style!r} style the prompt is {length} characters; "
                            f"{offer.model_id} takes at most {offer.max_prompt_length}."
                        ]
                    }
                )


class VideoOrderSerializer(_OrderSerializer):
    # A declared field, which DRF's metaclass takes off the class; not Field.style.
    style = _choice(  # type: ignore[assignment]
        styles.STYLES,
        '"{input}" is not a style. Use one of: ' + ", ".join(styles.STYLES) + ".",
        default=styles.DEFAULT_STYLE,
    )

    def validate(self, attrs):
        attrs = super().validate(attrs)
        self._check_prompt_length(attrs["prompt"], attrs["offer"], [attrs["style"]])
        return attrs

    def to_spec(self) -> VideoSpec:
        data = self.validated_data
        return VideoSpec.of(
            data["offer"],
            data["size"],
            prompt=data["prompt"],
            style=data["style"],
            seconds=data["seconds"],
        )


class BatchOrderSerializer(_OrderSerializer):
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

    def validate(self, attrs):
        attrs = super().validate(attrs)
        chosen = attrs.get("styles") or list(styles.STYLES)
        if len(set(chosen)) != len(chosen):
            raise serializers.ValidationError({"styles": ["Each style may be listed once."]})
        self._check_prompt_length(attrs["prompt"], attrs["offer"], chosen)
        attrs["styles"] = chosen
        return attrs

    def to_specs(self) -> list[VideoSpec]:
        data = self.validated_data
        return [
            VideoSpec.of(
                data["offer"],
                data["size"],
                prompt=data["prompt"],
                style=style,
                seconds=data["seconds"],
            )
            for style in data["styles"]
        ]


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
    prompt = serializers.CharField(max_length=MAX_PROMPT_LENGTH, trim_whitespace=True)
    # A declared field, which DRF's metaclass takes off the class; not Field.style.
    style = _choice(  # type: ignore[assignment]
        styles.STYLES,
        '"{input}" is not a style. Use one of: ' + ", ".join(styles.STYLES) + ".",
        default=styles.DEFAULT_STYLE,
    )

    def validate(self, attrs):
        length = len(styles.provider_prompt(attrs["prompt"], attrs["style"]))
        if length > MAX_PROMPT_LENGTH:
            raise serializers.ValidationError(
                {
                    "prompt": [
                        f"With the {attrs['style']!r} style the prompt is {length} characters; "
                        f"at most {MAX_PROMPT_LENGTH} are taken."
                    ]
                }
            )
        return attrs


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
