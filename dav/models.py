from django.conf import settings
from django.db import models


class DavLock(models.Model):
    """A WebDAV lock (RFC 4918 section 6), kept in the database so every web worker sees
    the same locks. `space` is the owner of the locked item's space and `root` its space
    path, `/<space>/<names in that space>` (dav/locks.py), so everyone who reaches the item
    meets the lock; `user` took it; `data` is WsgiDAV's lock dictionary (its root the
    path in the taker's view); expires_at None is an infinite lock."""

    token = models.CharField(max_length=100, primary_key=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    space = models.UUIDField()
    root = models.TextField()
    data = models.JSONField()
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["root", "token"]
        indexes = [models.Index(fields=["space", "root"], name="dav_lock_space_root")]

    def __str__(self) -> str:
        return f"{self.root} ({self.token})"


class DavProperty(models.Model):
    """A WebDAV dead property (RFC 4918 section 4: one PROPPATCH set it, the server only
    keeps it), kept in the database so every web worker serves the same. `path` is the
    item's space path (dav/locks.py: `/<space>/<names>`, so everyone who reaches the item
    sees it) and `parent` its parent's (a PROPFIND reads a folder's members' properties
    in one query); `name` is the property's `{namespace}local` name, `value` its XML."""

    space = models.UUIDField()
    parent = models.TextField()
    path = models.TextField()
    name = models.TextField()
    value = models.BinaryField()

    class Meta:
        ordering = ["path", "name"]
        constraints = [models.UniqueConstraint(fields=["path", "name"], name="dav_property_path_name")]
        indexes = [models.Index(fields=["space", "parent"], name="dav_property_space_parent")]

    def __str__(self) -> str:
        return f"{self.path} {self.name}"
