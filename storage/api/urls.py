from django.urls import path
from rest_framework.routers import SimpleRouter

from storage.api.archives import ArchiveView, FolderArchiveView, SelectionArchiveView
from storage.api.batch import UploadBatchCompleteView, UploadBatchView
from storage.api.details import FileDetailsView, FolderDetailsView
from storage.api.events import StorageEventsView
from storage.api.folders import FolderViewSet
from storage.api.previews import FilePreviewView, FileThumbnailView
from storage.api.search import SearchView
from storage.api.trash import TrashViewSet
from storage.api.versions import FileVersionViewSet
from storage.api.views import FileViewSet, UploadViewSet

router = SimpleRouter()
router.register("uploads", UploadViewSet, basename="upload")
router.register("files", FileViewSet, basename="file")
router.register(r"files/(?P<file_pk>[^/]+)/versions", FileVersionViewSet, basename="file-version")
router.register("trash", TrashViewSet, basename="trash")
router.register("folders", FolderViewSet, basename="folder")

urlpatterns = [
    # Before the router: its uploads/<id>/ would take "batch" for an upload id.
    path("uploads/batch/", UploadBatchView.as_view(), name="upload-batch"),
    path("uploads/batch/complete/", UploadBatchCompleteView.as_view(), name="upload-batch-complete"),
    path("search/", SearchView.as_view(), name="search"),
    path("files/<str:pk>/thumbnail/", FileThumbnailView.as_view(), name="file-thumbnail"),
    path("files/<str:pk>/preview/", FilePreviewView.as_view(), name="file-preview"),
    path("folders/<str:pk>/archive/", FolderArchiveView.as_view(), name="folder-archive"),
    path("files/<str:pk>/details/", FileDetailsView.as_view(), name="file-details"),
    path("folders/<str:pk>/details/", FolderDetailsView.as_view(), name="folder-details"),
    path("archives/", SelectionArchiveView.as_view(), name="archive-selection"),
    path("archives/<str:pk>/", ArchiveView.as_view(), name="archive-detail"),
    path("webhooks/storage/", StorageEventsView.as_view(), name="webhook-storage"),
    *router.urls,
]
