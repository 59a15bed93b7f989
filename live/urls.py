from live import views
from storycraft.routing import route

urlpatterns = [
    # Under /auth/ with the other token endpoints, but routed here: accounts knows no live.
    *route("auth/stream-ticket", views.StreamTicketView.as_view(), "stream-ticket"),
    *route("events", views.EventStreamView.as_view(), "events"),
]
