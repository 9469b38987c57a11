#!/usr/bin/env python3
"""Handshakes cut anywhere (issue 18 review): a ClientHello cut after
each of its first bytes and then every few bytes, closed in order or
reset, and with mutual TLS the client's second flight (its certificate,
CertificateVerify and Finished) cut the same way, each on its own
connection. Each is a failed handshake (status tls.failed), none is a
client, every place on the handshakes list is given back (handshaking
0), the ClientHellos cut short are not counted against the address
(only whole ones are: a good client is still served after), and a
good client with its certificate is then served."""
import socket
import ssl
import struct
import time

import sdpeer
import sdtls
import sdwire
from sdpeer import check


def cut(port, data, reset):
    """data on a new connection, then a close (a reset when reset)."""
    s = sdpeer.connect(port)
    if data:
        s.sendall(data)
    if reset:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                     struct.pack("ii", 1, 0))
    s.close()


def second_flight(port, ctx):
    """A handshake run to the client's second flight, which is returned
    unsent with the socket."""
    s = sdpeer.connect(port)
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(inc, out, server_hostname="127.0.0.1")
    while True:
        try:
            obj.do_handshake()
            break
        except ssl.SSLWantReadError:
            s.sendall(out.read())
            data = s.recv(65536)
            check(data, "the server closed inside the handshake")
            inc.write(data)
    return s, out.read()


def idle(srv):
    """Wait until no handshake is under way: each place on the list was
    given back."""
    deadline = time.monotonic() + 10
    while sdtls.status(srv)["tls"]["handshaking"] != 0:
        check(time.monotonic() < deadline,
              "handshakes left: %r" % sdtls.status(srv)["tls"])
        time.sleep(0.05)


def test():
    pki = sdtls.Pki()
    cert, key = pki.leaf("dev1", "/CN=dev-1", client=True)
    # Cut faster than the server reads their ends: no per-address cap.
    srv, plain, port = sdtls.server(pki, "--tls-client-ca", pki.ca,
                                    "--max-clients-per-ip", "0")
    hello = sdtls.client_hello(pki)
    cuts = sorted(set(range(12)) | set(range(12, len(hello), 7)))
    for i, n in enumerate(cuts):
        cut(port, hello[:n], i % 2 == 1)
    idle(srv)
    ctx = sdtls.context(pki)
    ctx.load_cert_chain(cert, key)
    s, flight = second_flight(port, ctx)
    s.close()
    check(len(flight) > 100, "a second flight of %d bytes" % len(flight))
    # Whole ClientHellos count against the address: stay under 30.
    seconds = sorted(set(range(0, len(flight), max(1, len(flight) // 20))))
    for i, n in enumerate(seconds):
        s, _ = second_flight(port, ctx)
        if n:
            s.sendall(flight[:n])
        if i % 2:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                         struct.pack("ii", 1, 0))
        s.close()
    want = len(cuts) + 1 + len(seconds)
    t = sdtls.wait_tls(srv, "failed", want)
    check(t["handshakes"] == 0 and t["throttled"] == 0,
          "after the cut handshakes: %r" % t)
    idle(srv)
    g = sdtls.connect(port, pki, ctx=ctx)
    g.sendall(sdwire.ping(7))
    sdpeer.expect_frame(g, sdwire.T_PONG)
    g.close()
    check(srv.stop() == 0, "exit status after SIGTERM not 0")


sdpeer.run(test)
