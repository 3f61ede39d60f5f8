"""The messages between the server and its workers: a header (the pickle's size and the size of raw bytes after
it), the pickle, and for a large answer its body's own bytes, so a request costs one send each way and a
large answer is never copied by pickling."""

from __future__ import annotations

import asyncio
import pickle
import socket
import struct
from typing import Any

HEADER = struct.Struct("!QQ")  # the pickle's size, the size of the raw bytes after it
#: A message up to this size travels as one send (header and pickle joined) and is read with one receive:
#: every send wakes the other process, and a request costs one hop each way. Larger ones are sent as parts
#: (never joined: a large answer is not copied once more) and read into buffers of their size.
SMALL = 64 * 1024


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
    """One message: a small one usually arrives with the first receive; a large pickle or body goes straight
    into a buffer of its size, and the body reaches the response as a view of it (no copy)."""
    first = bytearray(HEADER.size + SMALL)
    view = memoryview(first)
    got = 0
    while got < HEADER.size:
        n = await loop.sock_recv_into(sock, view[got:])
        if n == 0:
            raise EOFError("worker closed its socket")
        got += n
    size, tail = HEADER.unpack_from(first)
    end = HEADER.size + size  # where the pickle ends
    if end <= len(first):
        if got < end:
            await _fill(loop, sock, view[:end], got)
            got = end
        if tail and end + tail <= len(first):  # a small body too (an error message): all in this buffer
            await _fill(loop, sock, view[: end + tail], got)
            obj = pickle.loads(view[HEADER.size : end])
            obj.body = bytes(view[end : end + tail])
            return obj
        obj = pickle.loads(view[HEADER.size : end])
        extra = view[end:got]
    else:
        buffer = bytearray(size)
        buffer[: got - HEADER.size] = view[HEADER.size : got]
        await _fill(loop, sock, memoryview(buffer), got - HEADER.size)
        obj = pickle.loads(buffer)  # unpickled in place, not copied
        extra = view[0:0]
    if tail:
        body = bytearray(tail)
        body[: len(extra)] = extra
        await _fill(loop, sock, memoryview(body), len(extra))
        obj.body = memoryview(body)  # Starlette and the transport take a view as they take bytes
    return obj


async def _fill(loop: asyncio.AbstractEventLoop, sock: socket.socket, view: memoryview, got: int) -> None:
    while got < len(view):
        n = await loop.sock_recv_into(sock, view[got:])
        if n == 0:
            raise EOFError("worker closed its socket")
        got += n


def recv_message(sock: socket.socket) -> bytes | memoryview | None:
    """One task's pickle (blocking; tasks carry no raw bytes), or None when the server closed the socket."""
    first = bytearray(HEADER.size + SMALL)
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
