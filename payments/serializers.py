from django.conf import settings
from rest_framework import serializers

from payments.models import CreditPack, TopUp, TopUpStatus


class CreditPackSerializer(serializers.ModelSerializer):
    amount = serializers.IntegerField(help_text="Price in the currency's minor unit (cents).")
    currency = serializers.CharField(help_text="ISO 4217 code, lower case (usd).")

    class Meta:
        model = CreditPack
        fields = ["id", "name", "credits", "amount", "currency"]
        read_only_fields = fields


class CreditPackListSerializer(serializers.Serializer):
    results = CreditPackSerializer(many=True)


class TopUpRequestSerializer(serializers.Serializer):
    pack = serializers.PrimaryKeyRelatedField(
        queryset=CreditPack.objects.filter(active=True),
        help_text="The id of an active credit pack (GET /wallet/packs).",
        error_messages={"does_not_exist": "No credit pack {pk_value} is on sale."},
    )


class TopUpSerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(choices=TopUpStatus.values)
    pack = serializers.UUIDField(source="pack_id")
    pack_name = serializers.CharField()
    client_secret = serializers.SerializerMethodField(
        help_text="For Stripe's Payment Element while the payment is pending; else null."
    )
    publishable_key = serializers.SerializerMethodField()
    amount_refunded = serializers.IntegerField(
        source="amount_reversed", help_text="Refunded or disputed so far, in the minor unit."
    )
    credits_owed = serializers.SerializerMethodField(
        help_text="Credits a refund or dispute could not take back, not settled yet."
    )

    class Meta:
        model = TopUp
        fields = [
            "id",
            "status",
            "pack",
            "pack_name",
            "credits",
            "amount",
            "currency",
            "client_secret",
            "publishable_key",
            "amount_refunded",
            "credits_owed",
            "failure_message",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_client_secret(self, top_up: TopUp) -> str | None:
        return top_up.client_secret if top_up.status == TopUpStatus.PENDING else None

    def get_publishable_key(self, top_up: TopUp) -> str:
        return settings.STRIPE_PUBLISHABLE_KEY

    def get_credits_owed(self, top_up: TopUp) -> int:
        return self.context.get("owed", {}).get(top_up.pk, 0)
