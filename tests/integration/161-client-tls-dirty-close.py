#!/usr/bin/env python3
"""A TLS server that closes without close_notify (a device gateway losing
power, a proxy cutting the line) is a close like any other for sockdeck
--tls (issue 18): after the handshake, a peer made with Python's ssl
module closes its socket raw, and another one in order (close_notify);
both times the client says `closed by the server` in one line with
status 1, never a TLS error."""
import socket
import threading

import sdpeer
import sdtls
from sdpeer import check, sockdeck


def peer(pki, orderly):
    """A one-shot TLS listener on 127.0.0.1: handshake, read what comes
    for a moment, close (orderly: close_notify first). Its port."""
    ctx = sdtls.ssl.SSLContext(sdtls.ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(pki.chain, pki.key)
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(1)

    def run():
        s, _ = ls.accept()
        ls.close()
        t = ctx.wrap_socket(s, server_side=True)
        t.settimeout(0.3)
        try:
            t.recv(4096)
        except OSError:
            pass
        if orderly:
            t.unwrap().close()
        else:
            t.close()   # no close_notify: the socket just ends

    threading.Thread(target=run, daemon=True).start()
    return ls.getsockname()[1]


def test():
    pki = sdtls.Pki()
    for orderly in (False, True):
        port = peer(pki, orderly)
        r = sockdeck("--tls", "--tls-ca", pki.ca, "send",
                     "127.0.0.1:%d" % port, "hi")
        check(r.returncode == 1 and r.stdout == "" and r.stderr ==
              "sockdeck: 127.0.0.1:%d: closed by the server\n" % port,
              "%s close: %r" % ("orderly" if orderly else "dirty", r))


sdpeer.run(test)
