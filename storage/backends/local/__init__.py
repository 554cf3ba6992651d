"""The local store: objects on disk, presigned URLs signed by Kosha, served by `views.py`.

`signing.py` makes and checks the URLs, `files.py` lays out the directory, `backend.py` is
the StorageBackend over it, `views.py` is the upload/download endpoint that plays the part S3 plays.
"""

from storage.backends.local.backend import LocalBackend
from storage.backends.local.files import CHUNK_BYTES, InvalidKey
from storage.backends.local.signing import UploadRejected, load_url_claims, sign_url

__all__ = ["CHUNK_BYTES", "InvalidKey", "LocalBackend", "UploadRejected", "load_url_claims", "sign_url"]
