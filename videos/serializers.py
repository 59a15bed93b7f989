from rest_framework import serializers

from videos import pricing, styles
from videos.models import VideoJob
from videos.services.files import file_url_for

_SIZE_HELP = (
    "Sizes: 720x1280 or 1280x720 for both models; 1024x1792 or 1792x1024 for sora-2-pro only."
)
_FORMAT_CHOICE_ERROR = (
    '"{input}" is not a supported format. Use "16:9" (1280x720) or "9:16" (720x1280), '
    "or give a size instead. " + _SIZE_HELP
)


def _choice(choices, error: str, **kwargs) -> serializers.ChoiceField:
    return serializers.ChoiceField(
        choices=choices, error_messages={"invalid_choice": error}, **kwargs
    )


class _OrderSerializer(serializers.Serializer):
    prompt = serializers.CharField(max_length=pricing.MAX_PROMPT_LENGTH, trim_whitespace=True)
    seconds = _choice(
        pricing.SECONDS, '"{input}" is not a supported length. Use 4, 8 or 12 seconds.'
    )
    format = _choice(tuple(pricing.FORMAT_SIZES), _FORMAT_CHOICE_ERROR, required=False)
    size = _choice(
        pricing.STANDARD_SIZES + pricing.HD_SIZES,
        '"{input}" is not a supported size. ' + _SIZE_HELP,
        required=False,
    )
    model = _choice(
        pricing.MODELS,
        '"{input}" is not a supported model. Use "sora-2" or "sora-2-pro".',
        default=pricing.DEFAULT_MODEL,
    )

    def validate(self, attrs):
        size = _resolve_size(attrs)
        if size not in pricing.SIZES_BY_MODEL[attrs["model"]]:
            raise serializers.ValidationError({"size": [f"{size} needs sora-2-pro. {_SIZE_HELP}"]})
        attrs["size"] = size
        attrs.pop("format", None)
        return attrs

    def _check_prompt_length(self, prompt: str, style_names) -> None:
        for style in style_names:
            length = len(styles.provider_prompt(prompt, style))
            if length > pricing.MAX_PROMPT_LENGTH:
                raise serializers.ValidationError(
                    {
                        "prompt": [
                            f"With the {style!r} style the prompt is {length} characters; "
                            f"at most {pricing.MAX_PROMPT_LENGTH} are allowed."
                        ]
                    }
                )


def _resolve_size(attrs) -> str:
    format_ = attrs.get("format")
    size = attrs.get("size")
    if format_ and size and pricing.format_of(size) != format_:
        raise serializers.ValidationError(
            {"size": [f"Size {size} does not have the {format_} format; give one or the other."]}
        )
    return size or pricing.FORMAT_SIZES[format_ or "16:9"]


class VideoOrderSerializer(_OrderSerializer):
    style = _choice(
        styles.STYLES,
        '"{input}" is not a style. Use one of: ' + ", ".join(styles.STYLES) + ".",
        default=styles.DEFAULT_STYLE,
    )

    def validate(self, attrs):
        attrs = super().validate(attrs)
        self._check_prompt_length(attrs["prompt"], [attrs["style"]])
        return attrs

    def to_spec(self) -> pricing.VideoSpec:
        return pricing.VideoSpec(**self.validated_data)


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
        self._check_prompt_length(attrs["prompt"], chosen)
        attrs["styles"] = chosen
        return attrs

    def to_specs(self) -> list[pricing.VideoSpec]:
        data = dict(self.validated_data)
        chosen = data.pop("styles")
        return [pricing.VideoSpec(style=style, **data) for style in chosen]


class VideoErrorSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()


class VideoJobSerializer(serializers.ModelSerializer):
    error = serializers.SerializerMethodField()
    file_url = serializers.SerializerMethodField()
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
            "batch_id",
            "created_at",
            "updated_at",
            "completed_at",
        ]
        read_only_fields = fields

    def get_error(self, job: VideoJob) -> dict | None:
        if not job.error_code:
            return None
        return {"code": job.error_code, "message": job.error_message}

    def get_file_url(self, job: VideoJob) -> str | None:
        return file_url_for(job, request=self.context.get("request"))


class BatchSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    jobs = VideoJobSerializer(many=True)
