from django.contrib.auth.models import update_last_login
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.views import TokenRefreshView

from accounts import services
from accounts.exceptions import EmailTaken
from accounts.serializers import (
    AuthResponseSerializer,
    LoginSerializer,
    LogoutSerializer,
    RefreshSerializer,
    RegisterSerializer,
    TokenPairSerializer,
    UserSerializer,
    tokens_for,
)
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


class _NoStore:
    """Answers that carry tokens are never kept by a browser or proxy (RFC 6749, 5.1)."""

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Cache-Control"] = "no-store"
        response["Pragma"] = "no-cache"
        return response


class RegisterView(_NoStore, _AuthThrottled):
    @extend_schema(request=RegisterSerializer, responses={201: AuthResponseSerializer})
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
        body = {**tokens_for(user), "user": UserSerializer(user).data}
        return Response(body, status=status.HTTP_201_CREATED)


class LoginView(_NoStore, _AuthThrottled):
    @extend_schema(request=LoginSerializer, responses={200: AuthResponseSerializer, **errors(401)})
    def post(self, request):
        serializer = LoginSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        update_last_login(None, user)
        return Response({**tokens_for(user), "user": UserSerializer(user).data})


class RefreshView(_NoStore, TokenRefreshView):
    """Trade a refresh token for a new pair; the old refresh token is blacklisted, and
    using it again revokes every token of its login."""

    _serializer_class = "accounts.serializers.FamilyRefreshSerializer"

    @extend_schema(request=RefreshSerializer, responses={200: TokenPairSerializer, **errors(401)})
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)


class LogoutView(_Public):
    @extend_schema(
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
    @extend_schema(responses={200: UserSerializer})
    def get(self, request):
        return Response(UserSerializer(request.user).data)
