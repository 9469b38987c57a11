#!/usr/bin/env python3
"""`B` on a client: the question names what it refuses (`Disconnect #N and
refuse 127.0.0.1 and aa:bb:cc:dd:ee:ff for 10 minutes? (y/n)`); `n`
leaves the client, `y` disconnects it, the Clients title counts `2
blocked` (the address and the device) and a new connection from that
address is refused at once, said in the Log."""
import sdpeer
import sdtmux
import sdwire
from sdtmux import check

ASK = ("refuse 127.0.0.1 and %s for 10 minutes? (y/n)" % sdtmux.DEV_STR)


def test():
    d = sdtmux.Dashboard(120, 40).start()
    d.wait_ready()
    s = d.connect()
    s.sendall(sdwire.legacy_msg(sdpeer.DEV, "hi"))
    sdpeer.recv_until_quiet(s, quiet=0.3, timeout=5)
    d.wait_until(lambda ls: any(sdtmux.DEV_STR in r
                                for r in sdtmux.clients_rows(ls)),
                 "the client's row with its device")
    d.keys("B")
    d.wait_for(ASK, what="the kick-and-block question")
    d.keys("n")
    d.wait_gone(ASK)
    sdpeer.expect_quiet(s, 0.3, "the client after `B` `n`")
    d.keys("B")
    d.wait_for(ASK)
    d.keys("y")
    sdpeer.expect_eof(s, what="the client after `B` `y`")
    d.wait_for("2 blocked", what="`2 blocked` in the Clients title")
    t = d.connect()
    sdpeer.expect_eof(t, what="a new connection from the blocked address")
    d.wait_until(lambda ls: any("address blocked" in l
                                for l in (sdtmux.log_rows(ls) or [])),
                 "the refusal in the Log")
    check("Clients (0)" in d.text(), "a client row left:\n" + d.dump())
    s.close()
    t.close()
    d.keys("q")
    check(d.wait_exit() == 0, "exit status after q")


sdtmux.run(test, deadline=60)
