"""A store object as the seekable file WsgiDAV's GET reads (Range requests seek first)."""

from __future__ import annotations

from collections.abc import Callable
from typing import BinaryIO

SKIP_CHUNK_BYTES = 1024 * 1024


class SeekableStream:
    """Reads the object `opener()` opens, lazily, in the chunks the caller asks for (so
    memory holds one chunk). seek() forward skips within the stream (a local file seeks
    for real); seek() backward opens the object again. size_bytes: the object's size."""

    def __init__(self, *, opener: Callable[[], BinaryIO] | None, size_bytes: int) -> None:
        self._opener = opener
        self._stream: BinaryIO | None = None
        self._position = 0
        self.size_bytes = size_bytes

    def _open(self) -> BinaryIO | None:
        if self._stream is None and self._opener is not None:
            self._stream = self._opener()
        return self._stream

    def read(self, size: int = -1) -> bytes:
        stream = self._open()
        if stream is None:
            return b""
        data = stream.read(size) if size is not None and size >= 0 else stream.read()
        self._position += len(data)
        return data

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = 0) -> int:
        target = {0: offset, 1: self._position + offset, 2: self.size_bytes + offset}[whence]
        if target < self._position:
            self.close()
            self._position = 0
        stream = self._open()
        if stream is None or target == self._position:
            return self._position
        if getattr(stream, "seekable", lambda: False)():
            stream.seek(target)
            self._position = target
            return target
        while self._position < target:
            if not self.read(min(SKIP_CHUNK_BYTES, target - self._position)):
                break
        return self._position

    def close(self) -> None:
        if self._stream is not None:
            self._stream.close()
            self._stream = None
