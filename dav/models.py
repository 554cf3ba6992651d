from django.conf import settings
from django.db import models


class DavLock(models.Model):
    """A WebDAV lock (RFC 4918 section 6), kept in the database so every web worker sees
    the same locks. `root` is the locked path in its user's /dav/ namespace (no trailing
    slash); `data` is WsgiDAV's lock dictionary; expires_at None is an infinite lock."""

    token = models.CharField(max_length=100, primary_key=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    root = models.TextField()
    data = models.JSONField()
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["root", "token"]
        indexes = [models.Index(fields=["user", "root"], name="dav_lock_user_root")]

    def __str__(self) -> str:
        return f"{self.root} ({self.token})"
