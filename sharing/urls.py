from django.urls import path

from sharing import drop_views, invitation_views, link_views, views

app_name = "sharing"

urlpatterns = [
    path("shared/", views.shared_with_me_page, name="shared-with-me"),
    path("shared/by-me/", views.shared_by_me_page, name="shared-by-me"),
    path("shared/by-me/links/<str:link_id>/revoke", views.shared_by_me_link_revoke, name="shared-by-me-link-revoke"),
    path(
        "shared/by-me/shares/<str:share_id>/delete", views.shared_by_me_share_delete, name="shared-by-me-share-delete"
    ),
    path("shared/f/<str:folder_id>", views.shared_folder_page, name="shared-folder"),
    path("invitations/<str:token>", invitation_views.invitation_page, name="invitation"),
    path("s/<str:token>", link_views.link_page, name="link"),
    path("s/<str:token>/f/<str:folder_id>", link_views.link_folder, name="link-folder"),
    path("s/<str:token>/download/<str:file_id>", link_views.link_download, name="link-download"),
    path("s/<str:token>/archives/", link_views.link_archive_start, name="link-archive"),
    path("s/<str:token>/archives/<str:archive_id>/", link_views.link_archive_detail, name="link-archive-detail"),
    path("s/<str:token>/uploads/", drop_views.drop_upload_start, name="drop-upload-start"),
    path("s/<str:token>/uploads/<str:upload_id>/", drop_views.drop_upload_detail, name="drop-upload-detail"),
    path("s/<str:token>/uploads/<str:upload_id>/parts/", drop_views.drop_upload_parts, name="drop-upload-parts"),
    path(
        "s/<str:token>/uploads/<str:upload_id>/complete/", drop_views.drop_upload_complete, name="drop-upload-complete"
    ),
]
