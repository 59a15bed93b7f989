from contextlib import contextmanager

from django.contrib.auth.models import update_last_login
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.views import TokenRefreshView

from accounts import services
from accounts.exceptions import EmailTaken, WrongPassword
from accounts.serializers import (
    AuthResponseSerializer,
    CurrentPasswordSerializer,
    DetailSerializer,
    EmailSerializer,
    LoginSerializer,
    LogoutSerializer,
    PasswordChangeSerializer,
    PasswordResetConfirmSerializer,
    RefreshSerializer,
    RegisterSerializer,
    TokenPairSerializer,
    TokenSerializer,
    UserSerializer,
    signed_in,
)
from accounts.throttles import PasswordResetEmailThrottle
from storycraft.proxies import ScopedRateThrottle
from storycraft.schema import errors


class TokenNotValid(exceptions.APIException):
    # Not AuthenticationFailed: the logout answers without a WWW-Authenticate challenge.
    status_code = status.HTTP_401_UNAUTHORIZED
    default_code = "token_not_valid"


class _Public(APIView):
    """Needs no token; a refused credential is still a 401 that names the scheme."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    def get_authenticate_header(self, request) -> str:
        # Without it DRF turns AuthenticationFailed into a 403.
        return 'Bearer realm="api"'


class _AuthThrottled(_Public):
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth"


class _NoStore(APIView):
    """Answers that carry tokens are never kept by a browser or proxy (RFC 6749, 5.1)."""

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Cache-Control"] = "no-store"
        response["Pragma"] = "no-cache"
        return response


class RegisterView(_NoStore, _AuthThrottled):
    @extend_schema(
        summary="Sign up", request=RegisterSerializer, responses={201: AuthResponseSerializer}
    )
    def post(self, request):
        serializer = RegisterSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            user = services.register_user(**serializer.validated_data)
        except EmailTaken as error:
            # A field error, in the shape of the serializer's own check for the same thing.
            return Response(
                {"email": [error.message]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        return Response(signed_in(user), status=status.HTTP_201_CREATED)


class LoginView(_NoStore, _AuthThrottled):
    @extend_schema(
        summary="Log in",
        request=LoginSerializer,
        responses={200: AuthResponseSerializer, **errors(401)},
    )
    def post(self, request):
        serializer = LoginSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        update_last_login(type(user), user)  # a signal receiver: the sender is the model
        return Response(signed_in(user))


class RefreshView(_NoStore, TokenRefreshView):
    """Trade a refresh token for a new pair; the old refresh token is blacklisted, and
    using it again revokes every token of its login."""

    _serializer_class = "accounts.serializers.FamilyRefreshSerializer"

    @extend_schema(
        summary="Refresh the token pair",
        request=RefreshSerializer,
        responses={200: TokenPairSerializer, **errors(401)},
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)


class LogoutView(_Public):
    @extend_schema(
        summary="Log out",
        request=LogoutSerializer,
        responses={205: OpenApiResponse(description="Logged out."), **errors(401)},
        description="Blacklist this refresh token; with `everywhere`, every refresh token "
        "of the account, and its open event streams end (access tokens already handed out "
        "live out their few minutes).",
    )
    def post(self, request):
        serializer = LogoutSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            token = RefreshToken(serializer.validated_data["refresh"])
            token.blacklist()
        except TokenError as error:
            raise TokenNotValid(str(error)) from None
        if serializer.validated_data["everywhere"]:
            user = services.user_of_token(token)
            if user is not None:
                services.log_out_everywhere(user=user)
        return Response(status=status.HTTP_205_RESET_CONTENT)


class MeView(APIView):
    throttle_scope = "auth"

    def get_throttles(self):
        # Deleting asks for the password: guesses with a stolen access token are counted.
        return [ScopedRateThrottle()] if self.request.method == "DELETE" else []

    @extend_schema(summary="Who is signed in", responses={200: UserSerializer})
    def get(self, request):
        return Response(UserSerializer(request.user).data)

    @extend_schema(
        summary="Delete your account",
        request=CurrentPasswordSerializer,
        responses={204: OpenApiResponse(description="Deleted.")},
        description="Delete the account: signed out everywhere at once, the email freed, "
        "videos in progress cancelled and refunded, every video erased. The credit history "
        "is kept, anonymised.",
    )
    def delete(self, request):
        serializer = CurrentPasswordSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with _as_field_errors("password"):
            services.delete_own_account(user=request.user, **serializer.validated_data)
        return Response(status=status.HTTP_204_NO_CONTENT)


@contextmanager
def _as_field_errors(wrong_password_field: str):
    """A wrong current password and a weak new one answer in the serializer's shape."""
    try:
        yield
    except WrongPassword as error:
        raise exceptions.ValidationError({wrong_password_field: [error.message]}) from None
    except DjangoValidationError as error:
        raise exceptions.ValidationError({"password": list(error.messages)}) from None


class VerifyEmailView(_AuthThrottled):
    @extend_schema(
        summary="Verify the email address", request=TokenSerializer, responses={200: UserSerializer}
    )
    def post(self, request):
        serializer = TokenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.verify_email(**serializer.validated_data)
        return Response(UserSerializer(user).data)


class ResendVerificationView(APIView):
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "verify_email_resend"

    @extend_schema(
        summary="Send the verification email again",
        request=None,
        responses={202: DetailSerializer},
    )
    def post(self, request):
        if services.resend_verification_email(user=request.user):
            detail = "A new verification link is on its way."
        else:
            detail = "This email address is already verified."
        return Response({"detail": detail}, status=status.HTTP_202_ACCEPTED)


class PasswordResetView(_AuthThrottled):
    throttle_classes = [ScopedRateThrottle, PasswordResetEmailThrottle]

    @extend_schema(
        summary="Email a password reset link",
        request=EmailSerializer,
        responses={202: DetailSerializer},
        description="Always 202 with the same body, whether or not an account has the "
        "email; if one has, a link to choose a new password is emailed to it.",
    )
    def post(self, request):
        serializer = EmailSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.request_password_reset(**serializer.validated_data)
        detail = "If an account has this email, a link to reset its password is on its way."
        return Response({"detail": detail}, status=status.HTTP_202_ACCEPTED)


class PasswordResetConfirmView(_AuthThrottled):
    @extend_schema(
        summary="Set a new password with a reset link",
        request=PasswordResetConfirmSerializer,
        responses={200: DetailSerializer},
        description="Set a new password with the emailed token (400 `token_invalid` when "
        "it is bad, used or expired). Every refresh token of the account stops working.",
    )
    def post(self, request):
        serializer = PasswordResetConfirmSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with _as_field_errors("password"):
            services.reset_password(**serializer.validated_data)
        return Response({"detail": "Your password has been changed. Sign in with it."})


class PasswordChangeView(_NoStore, APIView):
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth"

    @extend_schema(
        summary="Change your password",
        request=PasswordChangeSerializer,
        responses={200: AuthResponseSerializer},
        description="Change the password. Every refresh token of the account stops "
        "working, the caller's too: use the new pair in the answer.",
    )
    def post(self, request):
        serializer = PasswordChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with _as_field_errors("old_password"):
            user = services.change_password(user=request.user, **serializer.validated_data)
        return Response(signed_in(user))
