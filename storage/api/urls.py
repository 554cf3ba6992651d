from rest_framework.routers import SimpleRouter

from storage.api.views import FileViewSet, UploadViewSet

router = SimpleRouter()
router.register("uploads", UploadViewSet, basename="upload")
router.register("files", FileViewSet, basename="file")

urlpatterns = router.urls
