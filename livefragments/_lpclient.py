"""The Python client's long-poll driver (docs/protocol.md section 5).

Tests: tests/unit/test_client.py, tests/unit/test_delivery_faults.py,
tests/unit/test_lost_answer.py, tests/integration/test_client_http.py.

At most two requests per page are in flight: one parked, and one carrying new messages.
After a failure every unacknowledged message is sent again, with ``resend`` asking the server
to do the same.  The ``Transport`` decides what a failure or a refusal means.
"""

from __future__ import annotations

from ._errors import LiveFragmentsError, ProtocolError
from ._json import loads


class LongPollDriver:
    """A ``Transport``'s envelopes over long-poll requests."""

    kind = "longpoll"

    def __init__(self, transport, resume: bool = False):
        self.transport = transport
        self._inflight: set = set()  # the Deferreds of the requests in flight
        self._carrying: int | None = None  # highest seq of ours in flight, unacknowledged
        self._resend = resume

    def kick(self) -> None:
        """Open the requests the state calls for (at most two; one carrying messages)."""
        if self._resend:
            if not self._inflight:
                self._request(resend=True)
            return
        channel = self.transport.channel
        if channel.hasWaiting and self._carrying is None and len(self._inflight) < 2:
            self._request()
        if not self._inflight:
            self._request()

    def abort(self) -> None:
        """Give up the requests in flight (their outcome is ignored); resend from now on."""
        self._resend = True
        self._carrying = None
        inflight, self._inflight = self._inflight, set()
        for d in inflight:
            d.cancel()

    def sendFinal(self, envelope) -> bool:
        """Long-poll has no connection of its own to send a last envelope on (False): the
        transport posts it."""
        return False

    def _request(self, resend: bool = False) -> None:
        transport = self.transport
        channel = transport.channel
        envelope = [channel.ack, channel.takeBatch()]
        if resend:
            envelope[1] = channel.unacked()
            envelope.append({"resend": True})
            transport.stats["resends"] += 1
        if envelope[1]:
            self._carrying = envelope[1][-1][0]
        transport.stats["requests"] += 1
        d = transport.post(envelope)
        self._inflight.add(d)
        timer = transport.reactor.callLater(transport.clientTimeout, d.cancel)
        d.addBoth(self._settled, timer)
        d.addCallbacks(self._answered, self._failed, callbackArgs=(d, resend), errbackArgs=(d,))

    def _settled(self, result, timer):
        if timer.active():
            timer.cancel()
        return result

    def _forget(self, d) -> bool:
        """Take ``d`` out of the requests in flight; False if it was aborted."""
        if d not in self._inflight:
            return False
        self._inflight.discard(d)
        return True

    def _answered(self, response, d, wasResend: bool) -> None:
        transport = self.transport
        if not self._forget(d) or not transport.isLive:
            return
        if response.code != 200:
            try:
                errorObj = loads(response.body)["error"]
            except (LiveFragmentsError, KeyError, TypeError):
                errorObj = None
            transport.refused(response.code, errorObj)
            return
        try:
            envelope = loads(response.body)
        except ProtocolError as e:
            transport.broken(e)
            return
        if not transport.received(envelope):
            return
        channel = transport.channel
        if not channel.hasUnacked:
            self._carrying = None  # everything we carried was acknowledged
        # With nothing else in flight, a gap up to the server's "last" means a lost answer.
        missing = not self._inflight and channel.missing
        if missing and wasResend:  # asked, and still missing: back off rather than spin
            transport.failed(ProtocolError("A resend left messages missing."))
            return
        self._resend = missing
        transport.opened()
        transport.kick()

    def _failed(self, failure, d) -> None:
        if self._forget(d):
            self.transport.failed(failure.value)
