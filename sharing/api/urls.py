from django.urls import path

from sharing.api import views

app_name = "sharing-api"

urlpatterns = [
    path("shares/", views.ShareListView.as_view(), name="share-list"),
    path("shares/<str:pk>/", views.ShareDetailView.as_view(), name="share-detail"),
    path("shared-with-me/", views.SharedWithMeView.as_view(), name="shared-with-me"),
    path("shared/folders/<str:pk>/", views.SharedFolderView.as_view(), name="shared-folder"),
    path("shared/folders/<str:pk>/items/", views.SharedFolderItemsView.as_view(), name="shared-folder-items"),
    path("shared/files/<str:pk>/", views.SharedFileView.as_view(), name="shared-file"),
    path("shared/files/<str:pk>/download/", views.SharedFileDownloadView.as_view(), name="shared-file-download"),
    path("shared/uploads/", views.SharedUploadStartView.as_view(), name="shared-upload-start"),
    path("shared/uploads/<str:pk>/", views.SharedUploadDetailView.as_view(), name="shared-upload-detail"),
    path("shared/uploads/<str:pk>/parts/", views.SharedUploadPartsView.as_view(), name="shared-upload-parts"),
    path("shared/uploads/<str:pk>/complete/", views.SharedUploadCompleteView.as_view(), name="shared-upload-complete"),
    path("share-links/", views.ShareLinkListView.as_view(), name="share-link-list"),
    path("share-links/<str:pk>/", views.ShareLinkDetailView.as_view(), name="share-link-detail"),
]
