from accounts import views
from storycraft.routing import route

urlpatterns = [
    *route("register", views.RegisterView.as_view(), "register"),
    *route("login", views.LoginView.as_view(), "login"),
    *route("refresh", views.RefreshView.as_view(), "refresh"),
    *route("logout", views.LogoutView.as_view(), "logout"),
    *route("me", views.MeView.as_view(), "me"),
]
