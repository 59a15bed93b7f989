from catalog import views
from storycraft.routing import route

urlpatterns = [*route("models", views.ModelListView.as_view(), "model-list")]
