from django.urls import path
from drf_spectacular.utils import extend_schema

from sharing.api import views
from sharing.api.changes import ChangesLatestView, ChangesView
from sharing.api.collections import FileStarView, FolderStarView, RecentView, StarredView
from storage.api.folders import FolderViewSet
from storage.api.views import FileViewSet, UploadViewSet

app_name = "sharing-api"

_DEPRECATED = extend_schema(
    deprecated=True,
    tags=["deprecated"],
    description="Deprecated, removed in the next release: the same endpoint without `shared/` "
    "(/api/v1/files/, /folders/, /uploads/) serves items shared with you by their own ids.",
)


@_DEPRECATED
class SharedFileViewSet(FileViewSet):
    pass


@_DEPRECATED
class SharedFolderViewSet(FolderViewSet):
    pass


@_DEPRECATED
class SharedUploadViewSet(UploadViewSet):
    pass


# One release of the old grantee routes, answered by the main viewsets: same rules, same
# bodies (a folder move's target may still be given as `folder`).
_deprecated = [
    path(
        "shared/folders/<str:pk>/",
        SharedFolderViewSet.as_view({"patch": "partial_update", "delete": "destroy"}),
        name="shared-folder",
    ),
    path("shared/folders/<str:pk>/items/", SharedFolderViewSet.as_view({"get": "items"}), name="shared-folder-items"),
    path(
        "shared/files/<str:pk>/",
        SharedFileViewSet.as_view({"get": "retrieve", "patch": "partial_update", "delete": "destroy"}),
        name="shared-file",
    ),
    path(
        "shared/files/<str:pk>/download/", SharedFileViewSet.as_view({"get": "download"}), name="shared-file-download"
    ),
    path("shared/uploads/", SharedUploadViewSet.as_view({"post": "create"}), name="shared-upload-start"),
    path(
        "shared/uploads/<str:pk>/",
        SharedUploadViewSet.as_view({"get": "retrieve", "delete": "destroy"}),
        name="shared-upload-detail",
    ),
    path("shared/uploads/<str:pk>/parts/", SharedUploadViewSet.as_view({"post": "parts"}), name="shared-upload-parts"),
    path(
        "shared/uploads/<str:pk>/complete/",
        SharedUploadViewSet.as_view({"post": "complete"}),
        name="shared-upload-complete",
    ),
]

urlpatterns = [
    path("shares/", views.ShareListView.as_view(), name="share-list"),
    path("shares/<str:pk>/", views.ShareDetailView.as_view(), name="share-detail"),
    path("shared-with-me/", views.SharedWithMeView.as_view(), name="shared-with-me"),
    path("share-links/", views.ShareLinkListView.as_view(), name="share-link-list"),
    path("share-links/<str:pk>/", views.ShareLinkDetailView.as_view(), name="share-link-detail"),
    path("changes/", ChangesView.as_view(), name="changes"),
    path("changes/latest/", ChangesLatestView.as_view(), name="changes-latest"),
    path("recent/", RecentView.as_view(), name="recent"),
    path("starred/", StarredView.as_view(), name="starred"),
    path("files/<str:pk>/star/", FileStarView.as_view(), name="file-star"),
    path("folders/<str:pk>/star/", FolderStarView.as_view(), name="folder-star"),
    *_deprecated,
]
