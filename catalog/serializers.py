from rest_framework import serializers


class SizeOfferSerializer(serializers.Serializer):
    size = serializers.CharField()
    format = serializers.CharField()
    credits_per_second = serializers.IntegerField()


class ModelOfferSerializer(serializers.Serializer):
    id = serializers.CharField(source="model_id")
    name = serializers.CharField()
    default = serializers.BooleanField(source="is_default")
    durations = serializers.ListField(child=serializers.IntegerField())
    sizes = SizeOfferSerializer(many=True)
    default_size = serializers.CharField(source="default_size_offer.size")
    can_remix = serializers.BooleanField()
    image_input = serializers.BooleanField(
        help_text="Can start from a picture: an `image` upload or `image_from_video`."
    )
    max_prompt_length = serializers.IntegerField()


class CatalogSerializer(serializers.Serializer):
    results = ModelOfferSerializer(many=True)
    styles = serializers.ListField(child=serializers.CharField())
