#!/usr/bin/env python3
"""Debian's HAProxy in TCP mode in front of a --proxy-protocol port,
with the README's configuration shape ("Behind a load balancer"): once
with send-proxy-v2, once with send-proxy (v1), each with health checks
every 200 ms. A legacy message through HAProxy gets the original reply
byte for byte; `ctl clients` shows the device as 127.0.0.1 with its own
source port, not HAProxy's; a second device through it is another
client. HAProxy's health checks (v2: a LOCAL header, v1: a header of
its own addresses, each then closed) are quiet: no event, no log line,
and HAProxy never sees the server down. Skipped when haproxy is not
installed."""
import os
import re
import time

import sdpeer
import sdproxy
import sdwire
from sdpeer import check

HAPROXY = sdproxy.HAPROXY



def readme_config(front, port, send):
    """README's HAProxy configuration (Behind a load balancer), on
    loopback: the frontend on front, one node at port, health checks
    every 200 ms, send for send-proxy-v2; and a log on stderr."""
    cfg = sdproxy.readme_haproxy("Behind a load balancer")
    check(re.search(r"^    bind :5000$", cfg, re.M) and
          "send-proxy-v2 check" in cfg, "README's config: %s" % cfg)
    cfg = cfg.replace("bind :5000", "bind 127.0.0.1:%d" % front)
    lines = [ln for ln in cfg.splitlines() if "server node" not in ln]
    lines.append("    server node1 127.0.0.1:%d %s check inter 200ms"
                 % (port, send))
    return sdproxy.with_log("\n".join(lines) + "\n")


def through(srv, front, text):
    """A device through HAProxy: its reply, and its client row."""
    s = sdpeer.connect(front)
    me = s.getsockname()[1]
    s.sendall(sdwire.legacy_msg(sdpeer.DEV, text))
    ev = srv.wait_event("connect", lambda e: e.get("peer_port") == me)
    check(ev.get("peer") == "127.0.0.1", "connect: %r" % ev)
    sdpeer.expect_bytes(s, sdpeer.reply_for(ev["fd"], text))
    row = sdproxy.client_at(srv, "127.0.0.1", me)
    check(row is not None, "ctl clients has no 127.0.0.1:%d: %r"
          % (me, sdproxy.clients(srv)))
    return s


def run(send):
    port, front = sdpeer.free_ports(2, consecutive=False)
    srv = sdpeer.Server(ports=[port], extra=[
        "--proxy-protocol", str(port), "--proxy-from", "127.0.0.1"])
    srv.start()
    mark = srv.mark()
    cfg = os.path.join(srv.dir, "haproxy.cfg")
    with open(cfg, "w") as f:
        f.write(readme_config(front, port, send))
    log = open(os.path.join(srv.dir, "haproxy.log"), "w+")
    hap = sdproxy.haproxy(cfg, front, log)
    try:
        # Health checks come and go: nothing of them on the server.
        time.sleep(1.5)
        with srv._cond:
            noise = [e for e in srv.events[mark:]
                     if e.get("event") != "suppressed"]
        check(not noise, "health checks left events (%s): %r"
              % (send, noise))
        mark = srv.mark()
        a = through(srv, front, "through " + send)
        b = through(srv, front, "again " + send)
        a.close()
        b.close()
        srv.wait_events("disconnect", 2, since=mark)
        time.sleep(0.5)
        log.seek(0)
        text = log.read()
        check("DOWN" not in text, "haproxy saw the server down (%s): %s"
              % (send, text[-1500:]))
        check(not [e for e in srv.find_events("drop", since=0)],
              "drops (%s): %r" % (send, srv.find_events("drop")))
    finally:
        hap.terminate()
        hap.wait(10)
        log.close()
    check(srv.stop() == 0, "server did not stop cleanly")


def test():
    if HAPROXY is None:
        sdpeer.skip("haproxy is not installed (tools/deps installs it)")
    run("send-proxy-v2")
    run("send-proxy")


sdpeer.run(test)
