from accounts import views
from storycraft.routing import route

urlpatterns = [
    *route("register", views.RegisterView.as_view(), "register"),
    *route("login", views.LoginView.as_view(), "login"),
    *route("refresh", views.RefreshView.as_view(), "refresh"),
    *route("logout", views.LogoutView.as_view(), "logout"),
    *route("me", views.MeView.as_view(), "me"),
    *route("verify-email", views.VerifyEmailView.as_view(), "verify-email"),
    *route("verify-email/resend", views.ResendVerificationView.as_view(), "verify-email-resend"),
    *route("password-reset", views.PasswordResetView.as_view(), "password-reset"),
    *route(
        "password-reset/confirm",
        views.PasswordResetConfirmView.as_view(),
        "password-reset-confirm",
    ),
    *route("password", views.PasswordChangeView.as_view(), "password-change"),
]
