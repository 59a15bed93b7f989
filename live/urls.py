from live import views
from storycraft.routing import route

urlpatterns = [
    *route("events", views.EventStreamView.as_view(), "events"),
]
