"""The messages between the server and its workers: a header (the pickle's size and the size of raw bytes after
it), the pickle, and for a large answer its body's own bytes, so a request costs one send each way and a
large answer is never copied by pickling.

A very large answer is *streamed*: the worker serialises it into a :class:`Spool`, which keeps the first
``over`` bytes and, once the answer outgrows them, sends the head (the answer without its body, with the size
:data:`STREAMED`) and then the body as chunks (each a size and its bytes; size 0 ends the body, :data:`ABORT`
breaks it off) while the serialiser goes on. Neither the worker nor the server ever holds the whole body:
the server reads the chunks with a :class:`ChunkReader` and forwards each to the client as it comes."""

from __future__ import annotations

import pickle
import socket
import struct
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the worker side never imports asyncio (see citykg.server.zygote)
    import asyncio

HEADER = struct.Struct("!QQ")  # the pickle's size, the size of the raw bytes after it
#: A message up to this size travels as one send (header and pickle joined) and is read with one receive:
#: every send wakes the other process, and a request costs one hop each way. Larger ones are sent as parts
#: (never joined: a large answer is not copied once more) and read into buffers of their size.
SMALL = 64 * 1024
#: The raw size of a streamed answer's head: its body follows as chunks.
STREAMED = 2**64 - 1
CHUNK = struct.Struct("!Q")  # a chunk's size
ABORT = 2**64 - 1  # a chunk size that breaks the body off (the answer failed after its head was sent)
#: Bytes of a streamed body per chunk: small enough to cost nothing held, large enough to cost few sends.
CHUNK_SIZE = 256 * 1024


class TooLarge(Exception):
    """An answer grew beyond its :attr:`Spool.limit`."""


class StreamAborted(Exception):
    """The worker broke off a streamed answer."""


def frame(obj: Any) -> tuple[bytes, ...]:
    """The message: the header, the pickle and, for an answer with a large ``body``, the body's own bytes after
    the pickle (not inside it: pickling and unpickling would copy them twice more). Small parts are joined."""
    tail = b""
    body = getattr(obj, "body", None)
    if isinstance(body, bytes) and len(body) > SMALL:
        obj.body, tail = b"", body  # the worker drops the answer after sending it
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    header = HEADER.pack(len(data), len(tail))
    parts = (header + data,) if len(data) <= SMALL else (header, data)
    return (*parts, tail) if tail else parts


async def receive(loop: asyncio.AbstractEventLoop, sock: socket.socket) -> Any:
    """One whole message (a streamed one is refused: use :func:`receive_head`)."""
    obj, leftover = await receive_head(loop, sock)
    if leftover is not None:
        raise EOFError("a streamed answer where a whole one was expected")
    return obj


def message_buffer() -> bytearray:
    """A buffer for :func:`receive_head` and :func:`recv_message` to read small messages into, again and again
    (each side keeps one per socket: a new 64 kB buffer per message is written full of zeros first)."""
    return bytearray(HEADER.size + SMALL)


async def receive_head(
    loop: asyncio.AbstractEventLoop, sock: socket.socket, first: bytearray | None = None
) -> tuple[Any, memoryview | None]:
    """One message, and for a streamed answer the bytes of its chunks that came with the head (else None).
    A small message usually arrives with the first receive; a large pickle or body goes straight into a
    buffer of its size, and the body reaches the response as a view of it (no copy). ``first``: the socket's
    :func:`message_buffer` (nothing returned refers to it)."""
    if first is None:
        first = message_buffer()
    view = memoryview(first)
    got = 0
    while got < HEADER.size:
        n = await recv_into(loop, sock, view[got:])
        if n == 0:
            raise EOFError("worker closed its socket")
        got += n
    size, tail = HEADER.unpack_from(first)
    end = HEADER.size + size  # where the pickle ends
    streamed = tail == STREAMED
    if streamed:
        tail = 0
    if end <= len(first):
        if got < end:
            await _fill(loop, sock, view[:end], got)
            got = end
        if tail and end + tail <= len(first):  # a small body too (an error message): all in this buffer
            await _fill(loop, sock, view[: end + tail], got)
            obj = pickle.loads(view[HEADER.size : end])
            obj.body = bytes(view[end : end + tail])
            return obj, None
        obj = pickle.loads(view[HEADER.size : end])
        extra = view[end:got]
    else:
        buffer = bytearray(size)
        buffer[: got - HEADER.size] = view[HEADER.size : got]
        await _fill(loop, sock, memoryview(buffer), got - HEADER.size)
        obj = pickle.loads(buffer)  # unpickled in place, not copied
        extra = view[0:0]
    if streamed:
        return obj, bytes(extra)
    if tail:
        body = bytearray(tail)
        body[: len(extra)] = extra
        await _fill(loop, sock, memoryview(body), len(extra))
        obj.body = memoryview(body)  # Starlette and the transport take a view as they take bytes
    return obj, None


async def _fill(loop: asyncio.AbstractEventLoop, sock: socket.socket, view: memoryview, got: int) -> None:
    while got < len(view):
        n = await recv_into(loop, sock, view[got:])
        if n == 0:
            raise EOFError("worker closed its socket")
        got += n


# The server's side of a worker's socket (non-blocking). Why not loop.sock_sendall / sock_recv_into: uvloop
# registers and unregisters the descriptor with epoll around each of them (five system calls more per request
# than a send, one wait for readability and a receive), and a request's round trip is its fixed cost.
async def send_all(loop: asyncio.AbstractEventLoop, sock: socket.socket, data: bytes | memoryview) -> None:
    """All of ``data``: sent at once when the socket takes it (a task always fits an idle worker's buffer)."""
    view = memoryview(data)
    try:
        sent = sock.send(view)
    except (BlockingIOError, InterruptedError):
        sent = 0
    if sent < len(view):
        await loop.sock_sendall(sock, view[sent:])


async def recv_into(loop: asyncio.AbstractEventLoop, sock: socket.socket, view: memoryview) -> int:
    """Bytes received into ``view`` (0: the other end closed), waiting until there are some."""
    while True:
        try:
            return sock.recv_into(view)
        except (BlockingIOError, InterruptedError):
            pass
        waiter = loop.create_future()
        loop.add_reader(sock.fileno(), _wake, waiter)
        try:
            await waiter
        finally:
            loop.remove_reader(sock.fileno())


def _wake(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)


def recv_message(sock: socket.socket, first: bytearray | None = None) -> bytes | memoryview | None:
    """One task's pickle (blocking; tasks carry no raw bytes), or None when the server closed the socket. A
    small one is a view of ``first`` (the socket's :func:`message_buffer`): valid until the next message."""
    if first is None:
        first = message_buffer()
    view = memoryview(first)
    got = 0
    while got < HEADER.size:
        n = sock.recv_into(view[got:])
        if n == 0:
            return None
        got += n
    size, _ = HEADER.unpack_from(first)
    if HEADER.size + size <= len(first):
        view = view[: HEADER.size + size]
    else:
        buffer = bytearray(HEADER.size + size)
        buffer[:got] = view[:got]
        view = memoryview(buffer)
    while got < len(view):
        n = sock.recv_into(view[got:])
        if n == 0:
            return None
        got += n
    return view[HEADER.size :]


class ChunkReader:
    """The chunks of a streamed body, read from the worker's socket (the server's side of :class:`Spool`)."""

    def __init__(self, loop: asyncio.AbstractEventLoop, sock: socket.socket, leftover: bytes) -> None:
        self.loop = loop
        self.sock = sock
        self.leftover = memoryview(leftover)

    async def next(self) -> memoryview | None:
        """The next chunk (a view of a buffer of its size), None at the end; StreamAborted, EOFError."""
        head = bytearray(CHUNK.size)
        await self._read(memoryview(head))
        (size,) = CHUNK.unpack(head)
        if size == ABORT:
            raise StreamAborted("the worker broke off the answer")
        if size == 0:
            return None
        chunk = bytearray(size)
        await self._read(memoryview(chunk))
        return memoryview(chunk)

    async def _read(self, view: memoryview) -> None:
        got = min(len(self.leftover), len(view))
        if got:
            view[:got] = self.leftover[:got]
            self.leftover = self.leftover[got:]
        await _fill(self.loop, self.sock, view, got)


class Spool:
    """A worker's writer for one answer body (pyoxigraph serialises into it): it keeps up to ``over`` bytes;
    when the body grows beyond, it sends ``head`` with the size :data:`STREAMED` and from then on the body as
    chunks of :data:`CHUNK_SIZE` as they are written. ``limit``: more bytes raise :class:`TooLarge`."""

    def __init__(
        self, sock: socket.socket, over: int, limit: int = 2**62, before_end: Callable[[], Any] | None = None
    ) -> None:
        self.sock = sock
        self.before_end = before_end  # called before the end mark (the worker trims its heap there)
        self.over = over
        self.limit = limit
        self.head: Any = None  # the answer without its body, set before the first write
        self.buffer = bytearray()
        self.size = 0
        self.committed = False  # the head was sent: failures now break the stream off

    def write(self, data: bytes) -> int:
        self.size += len(data)
        if self.size > self.limit:
            raise TooLarge(f"the answer is larger than {self.limit} bytes")
        self.buffer += data
        if self.committed:
            if len(self.buffer) >= CHUNK_SIZE:
                self._send_buffer()
        elif len(self.buffer) > self.over:
            self._commit()
        return len(data)

    def flush(self) -> None:
        """Nothing: chunks leave when they are full (pyoxigraph calls this)."""

    def getvalue(self) -> bytes:
        """The whole body, when it stayed below ``over`` (not committed)."""
        return bytes(self.buffer)

    def close(self) -> None:
        """End the streamed body: the last chunk and the end mark."""
        self._send_buffer()
        if self.before_end is not None:
            self.before_end()
        self.sock.sendall(CHUNK.pack(0))

    def abort(self) -> None:
        """Break the streamed body off (the server cuts the client's response short)."""
        self.buffer = bytearray()
        self.sock.sendall(CHUNK.pack(ABORT))

    def _commit(self) -> None:
        data = pickle.dumps(self.head, protocol=pickle.HIGHEST_PROTOCOL)
        self.sock.sendall(HEADER.pack(len(data), STREAMED) + data)
        self.committed = True
        self._send_buffer()

    def _send_buffer(self) -> None:
        view = memoryview(self.buffer)
        for start in range(0, len(view), CHUNK_SIZE):
            part = view[start : start + CHUNK_SIZE]
            self.sock.sendall(CHUNK.pack(len(part)))
            self.sock.sendall(part)
        view.release()
        self.buffer = bytearray()


class _Bytes:
    """A writer that keeps everything (when no Spool is given: in tests and in-process use)."""

    def __init__(self) -> None:
        self.buffer = bytearray()

    def write(self, data: bytes) -> int:
        self.buffer += data
        return len(data)

    def flush(self) -> None:
        pass


def write_in_parts(sink: Any, data: bytes, part: int = 256 * 1024) -> None:
    """``data`` into ``sink`` in parts, so that a Spool streams it rather than copying it whole first."""
    view = memoryview(data)
    for start in range(0, len(view), part):
        sink.write(view[start : start + part])


def emit(head: Any, out: Spool | None, write: Callable[[Any], Any]) -> Any:
    """``head`` with the body ``write`` produces: whole, or streamed through ``out`` (then None) when large."""
    if out is None:
        sink = _Bytes()
        write(sink)
        head.body = bytes(sink.buffer)
        return head
    out.head = head
    write(out)
    if out.committed:
        out.close()
        return None
    head.body = out.getvalue()
    return head
