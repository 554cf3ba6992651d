"""The backend contract: one contract, three object stores: every `store` test runs against the local backend
(in a temp dir, its URLs served by the live server), moto's HTTP server and SeaweedFS.

Bytes travel the way a browser sends them: plain HTTP to the presigned URLs. moto
enforces none of what the URLs sign (expiry, signature, length, type, checksum), so for
moto the tests assert the URL itself; the local store (ours) and SeaweedFS (a real S3
server) must refuse by themselves, and the `enforcing_store` tests make them.
"""
