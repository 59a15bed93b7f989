from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.serializers import TokenRefreshSerializer

from accounts import services
from accounts.models import User
from wallet.selectors import available_credits


class UserSerializer(serializers.ModelSerializer):
    credits = serializers.SerializerMethodField(help_text="Available credits.")

    class Meta:
        model = User
        fields = ["id", "email", "email_verified", "credits", "date_joined"]
        read_only_fields = fields

    def get_credits(self, user: User) -> int:
        return available_credits(user=user)


class CredentialsSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(max_length=128, trim_whitespace=False)


class RegisterSerializer(CredentialsSerializer):
    def validate_email(self, email: str) -> str:
        if services.email_is_taken(email):
            raise serializers.ValidationError("A user with this email already exists.")
        return email

    def validate(self, attrs):
        try:
            services.check_password_strength(email=attrs["email"], password=attrs["password"])
        except DjangoValidationError as error:
            raise serializers.ValidationError({"password": list(error.messages)}) from None
        return attrs


class LoginSerializer(CredentialsSerializer):
    def validate(self, attrs):
        user = authenticate(
            self.context.get("request"), email=attrs["email"], password=attrs["password"]
        )
        if user is None:
            raise AuthenticationFailed("Wrong email or password.", code="invalid_credentials")
        attrs["user"] = user
        return attrs


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=200, help_text="The `token` of the emailed link.")


class NewPasswordSerializer(serializers.Serializer):
    password = serializers.CharField(max_length=128, trim_whitespace=False)


class PasswordResetConfirmSerializer(TokenSerializer, NewPasswordSerializer):
    pass


class PasswordChangeSerializer(NewPasswordSerializer):
    old_password = serializers.CharField(max_length=128, trim_whitespace=False)


class CurrentPasswordSerializer(serializers.Serializer):
    password = serializers.CharField(
        max_length=128, trim_whitespace=False, help_text="The account's current password."
    )


class EmailSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)


class DetailSerializer(serializers.Serializer):
    detail = serializers.CharField()


class TokenPairSerializer(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()


class AuthResponseSerializer(TokenPairSerializer):
    user = UserSerializer()


class RefreshSerializer(serializers.Serializer):
    refresh = serializers.CharField()


class LogoutSerializer(RefreshSerializer):
    everywhere = serializers.BooleanField(
        default=False,
        help_text="End every session of the account: all its refresh tokens stop working "
        "and its open event streams end.",
    )


class FamilyRefreshSerializer(TokenRefreshSerializer):
    """simplejwt's rotation; a replayed rotated token also revokes its whole family."""

    def validate(self, attrs):
        try:
            return super().validate(attrs)
        except TokenError:
            services.revoke_family_if_reused(attrs["refresh"])
            raise


def signed_in(user: User) -> dict:
    """The answer that signs a user in (AuthResponseSerializer): a new session's token pair,
    and the user."""
    refresh = services.start_session(user=user)
    return {
        "access": str(refresh.access_token),
        "refresh": str(refresh),
        "user": UserSerializer(user).data,
    }
