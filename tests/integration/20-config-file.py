#!/usr/bin/env python3
"""--config FILE: `key = value` lines (ports, bind, max-msg with a size
suffix) configure the server; flags on the command line win."""
import os
import socket
import tempfile

import sdpeer
from sdpeer import check


def refused(port):
    s = socket.socket()
    s.settimeout(2)
    try:
        s.connect(("127.0.0.1", port))
        return False
    except OSError:
        return True
    finally:
        s.close()


def write_conf(text):
    fd, path = tempfile.mkstemp(prefix="sdconf-", suffix=".conf")
    with os.fdopen(fd, "w") as f:
        f.write(text)
    return path


def test():
    ports = sdpeer.free_ports(2)
    other = sdpeer.free_port()
    while other in ports:
        other = sdpeer.free_port()
    conf = write_conf("# sockdeckd test config\n"
                      "ports = %d-%d\n"
                      "bind = 127.0.0.1\n"
                      "\n"
                      "max-msg = 4k\n" % (ports[0], ports[1]))
    try:
        # config alone
        srv = sdpeer.Server(ports=ports, with_ports=False, with_bind=False,
                            extra=["--config", conf]).start()
        for p in ports:
            ev = srv.wait_event("listen", lambda e, p=p: e.get("port") == p)
            check(ev.get("addr") == "127.0.0.1", "listen addr %r, config "
                  "says bind = 127.0.0.1" % ev.get("addr"))
        s = srv.connect(ports[1])
        w = sdpeer.hello(s)
        check(w["max_msg"] == 4096, "max-msg = 4k in the config gave "
              "max_msg %d" % w["max_msg"])
        s.close()
        check(srv.stop() == 0, "exit status after SIGTERM not 0")

        # command line wins: --ports and --max-msg
        srv = sdpeer.Server(ports=[other], with_bind=False,
                            extra=["--config", conf, "--max-msg", "8k"])
        srv.start()
        s = srv.connect(other)
        w = sdpeer.hello(s)
        check(w["max_msg"] == 8192, "--max-msg 8k on the command line gave "
              "max_msg %d (config says 4k)" % w["max_msg"])
        s.close()
        for p in ports:
            check(not srv.find_events("listen", lambda e, p=p:
                                      e.get("port") == p),
                  "listened on config port %d although --ports was given"
                  % p)
            check(refused(p), "config port %d accepts connections although "
                  "--ports was given" % p)
        check(srv.stop() == 0, "exit status after SIGTERM not 0")

        # a bad value in the config file is a configuration error (exit 2)
        bad = write_conf("ports = %d\nmax-clients = lots\n" % other)
        try:
            st, out, err = sdpeer.run_cli(["--headless", "--log-format",
                                           "json", "--config", bad,
                                           "--data-dir", srv.dir])
            check(st == 2, "config with max-clients = lots: exit %r, "
                  "expected 2" % st)
            check("max-clients" in err, "stderr does not name max-clients: "
                  "%r" % err)
        finally:
            os.unlink(bad)
    finally:
        os.unlink(conf)


sdpeer.run(test)
