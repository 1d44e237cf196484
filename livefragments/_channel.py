"""The sans-IO message channel of one page: sequencing, acks, duplicates, gaps, latest values.

Tests: tests/unit/test_channel.py (and the shared vectors in tests/vectors/channel/).

One ``Channel`` is one side's view of one page's conversation (protocol.md section 3). It does
no I/O: transports feed it received envelopes and ask it for batches to send.  The browser's
``js/livefragments/channel.js`` is its twin and runs the same test vectors.

Besides ordinary messages it holds the page's *latest values*: ``setLatest(key, produce)``
keeps one place in the queue per key, and ``produce()`` is asked for the message only when the
queue is numbered for sending.  A newer value for a waiting key replaces the older one in its
place, so a value that changes many times between two sends costs one message, made from the
state at the moment of sending, in order with the page's other messages.
"""

from __future__ import annotations

from collections import deque

from ._errors import ProtocolError, QueueOverflow
from ._json import dumpb


class _Waiting:
    """A message not yet numbered: made (``action``, ``args``, ``encoded``), or a latest value
    whose ``produce()`` makes it when it is numbered (and may return None: nothing to send)."""

    __slots__ = ("action", "args", "encoded", "produce")

    def __init__(self, action: str | None, args: list | None, encoded: bytes, produce=None):
        self.action, self.args, self.encoded, self.produce = action, args, encoded, produce


class Channel:
    def __init__(self, maxHeld: int = 1000, maxOutboundMessages: int = 10_000,
                 maxOutboundBytes: int = 64 * 1024 * 1024):
        self.maxHeld = maxHeld
        self.maxOutboundMessages = maxOutboundMessages
        self.maxOutboundBytes = maxOutboundBytes
        self.ack = -1  # highest peer seq processed
        self._nextSeq = 0
        self._waiting: list[_Waiting] = []
        self._waitingByKey: dict[object, _Waiting] = {}
        self._unacked: deque[tuple[int, _Waiting]] = deque()
        self._held: dict[int, list] = {}
        self._outboundBytes = 0
        #: The highest seq the peer says it has assigned (from a server envelope's options).
        self.peerLast = -1

    # -- sending ---------------------------------------------------------------------------

    def enqueue(self, action: str, args: list, key=None, encoded: bytes | None = None) -> None:
        """Queue a message; a keyed one is the latest value of its key (see ``setLatest``).

        ``encoded`` is ``[action, args]`` as JSON if the caller has it already. Over the
        outbound limits it raises QueueOverflow and leaves the queue unchanged.
        """
        if encoded is None:
            encoded = dumpb([action, args])
        old = self._waitingByKey.get(key) if key is not None else None
        growth = len(encoded) - (len(old.encoded) if old else 0)
        self._checkLimits(0 if old else 1, growth)
        self._outboundBytes += growth
        if old is not None:
            old.action, old.args, old.encoded, old.produce = action, args, encoded, None
        else:
            self._add(_Waiting(action, args, encoded), key)

    def setLatest(self, key, produce) -> bool:
        """Hold a place in the queue for the latest value of ``key``: ``produce()`` returns
        ``(action, args, encoded)``, or None for nothing to send, when the queue is next
        numbered.  A place already waiting for ``key`` keeps its position and takes the new
        ``produce``.  True if the place is new (the queue grew)."""
        old = self._waitingByKey.get(key)
        if old is not None:
            self._outboundBytes -= len(old.encoded)
            old.action, old.args, old.encoded, old.produce = None, None, b"", produce
            return False
        self._checkLimits(1, 0)
        self._add(_Waiting(None, None, b"", produce), key)
        return True

    def isWaiting(self, key) -> bool:
        """A message with ``key`` waits to be numbered."""
        return key in self._waitingByKey

    def _add(self, message: _Waiting, key) -> None:
        self._waiting.append(message)
        if key is not None:
            self._waitingByKey[key] = message

    def _checkLimits(self, extraMessages: int, extraBytes: int) -> None:
        count = len(self._waiting) + len(self._unacked) + extraMessages
        if count > self.maxOutboundMessages:
            raise QueueOverflow(
                f"The outbound queue would hold {count} messages, more than the limit of "
                f"{self.maxOutboundMessages}; the peer is not acknowledging them.")
        size = self._outboundBytes + extraBytes
        if size > self.maxOutboundBytes:
            raise QueueOverflow(
                f"The outbound queue would hold {size} bytes, more than the limit of "
                f"{self.maxOutboundBytes}; the peer is not acknowledging them.")

    def limitOutbound(self, messages: int, bytes: int) -> None:
        """From now on the queue holds at most ``messages`` messages and ``bytes`` bytes."""
        self.maxOutboundMessages, self.maxOutboundBytes = messages, bytes

    def discardOutbound(self) -> None:
        """Forget every waiting and unacknowledged message (the page is being aborted)."""
        self._waiting, self._waitingByKey, self._unacked = [], {}, deque()
        self._outboundBytes = 0

    @property
    def hasWaiting(self) -> bool:
        return bool(self._waiting)

    @property
    def hasUnacked(self) -> bool:
        return bool(self._unacked)

    @property
    def held(self) -> list[int]:
        return sorted(self._held)

    @property
    def heldCount(self) -> int:
        return len(self._held)

    @property
    def waitingCount(self) -> int:
        return len(self._waiting)

    def _number(self) -> list[tuple[int, _Waiting]]:
        numbered = []
        waiting, self._waiting, self._waitingByKey = self._waiting, [], {}
        for message in waiting:
            if message.produce is not None:
                made = message.produce()
                if made is None:
                    continue
                message.action, message.args, message.encoded = made
                message.produce = None
                self._outboundBytes += len(message.encoded)
            pair = (self._nextSeq, message)
            self._nextSeq += 1
            self._unacked.append(pair)
            numbered.append(pair)
        return numbered

    def takeBatch(self) -> list:
        """Number every waiting message and return them as ``[[seq, [action, args]], ...]``."""
        return [[seq, [m.action, m.args]] for seq, m in self._number()]

    def unacked(self) -> list:
        """Every numbered, unacknowledged message, in order (for a resend)."""
        return [[seq, [m.action, m.args]] for seq, m in self._unacked]

    def encodedEnvelope(self, resend: bool = False) -> bytes:
        """A server envelope ``[ack, messages, {"last": n}]`` as JSON bytes, reusing each
        message's encoding from ``enqueue``.

        With ``resend`` every unacknowledged message goes out, else only newly numbered ones.
        ``last`` lets the client notice an answer it never received (protocol.md 3.2).
        """
        numbered = self._number()
        if resend:
            numbered = self._unacked
        body = b",".join(b"[%d,%s]" % (seq, m.encoded) for seq, m in numbered)
        return b'[%d,[%s],{"last":%d}]' % (self.ack, body, self._nextSeq - 1)

    @property
    def missing(self) -> bool:
        """The peer has sent messages we have not processed (lost or still on the way)."""
        return self.peerLast > self.ack

    # -- receiving -------------------------------------------------------------------------

    def receive(self, envelope) -> list:
        """Apply a received envelope; return the messages ``[action, args]`` to process now.

        A faulty envelope raises ProtocolError and changes nothing.
        """
        options = envelope[2] if _hasOptions(envelope) else None
        ack, messages = validateEnvelope(envelope[:2] if options is not None else envelope)
        if ack >= self._nextSeq:
            raise ProtocolError(
                f"The peer acknowledged message {ack}, but only messages up to "
                f"{self._nextSeq - 1} were sent.")
        ready, added, used, last = [], {}, [], self.ack
        for seq, message in messages:
            if seq <= last or seq in self._held or seq in added:
                continue  # a duplicate: already processed or already held
            if seq != last + 1:
                added[seq] = message
                continue
            ready.append(message)
            last = seq
            while last + 1 in self._held or last + 1 in added:
                last += 1
                if last in added:
                    ready.append(added.pop(last))
                else:
                    ready.append(self._held[last])
                    used.append(last)
        held = len(self._held) - len(used) + len(added)
        if held > self.maxHeld:
            raise ProtocolError(
                f"{held} out-of-order messages would be held waiting for message "
                f"{last + 1}, more than the limit of {self.maxHeld}.")
        for seq in used:
            del self._held[seq]
        self._held.update(added)
        self.ack = last
        while self._unacked and self._unacked[0][0] <= ack:
            self._outboundBytes -= len(self._unacked.popleft()[1].encoded)
        if options is not None and _isInt(options.get("last")):
            self.peerLast = max(self.peerLast, options["last"])
        return ready


def _hasOptions(envelope) -> bool:
    return isinstance(envelope, list) and len(envelope) == 3 and isinstance(envelope[2], dict)


def _isInt(value) -> bool:
    return type(value) is int


def validateEnvelope(envelope) -> tuple[int, list]:
    """Check the shape of ``[ack, [[seq, [action, args]], ...]]``; ProtocolError if wrong."""
    if not (isinstance(envelope, list) and len(envelope) == 2):
        raise ProtocolError("An envelope must be a JSON array [ack, messages].")
    ack, messages = envelope
    if not (_isInt(ack) and ack >= -1):
        raise ProtocolError(f"The envelope's ack must be an integer >= -1, not {ack!r}.")
    if not isinstance(messages, list):
        raise ProtocolError("The envelope's messages must be a JSON array.")
    for item in messages:
        if not (isinstance(item, list) and len(item) == 2 and _isInt(item[0]) and item[0] >= 0):
            raise ProtocolError(f"Each message must be [seq, [action, args]]; got {item!r:.200}.")
        message = item[1]
        if not (isinstance(message, list) and len(message) == 2
                and isinstance(message[0], str) and isinstance(message[1], list)):
            raise ProtocolError(f"A message body must be [action, args]; got {message!r:.200}.")
    return ack, messages
