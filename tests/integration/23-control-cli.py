#!/usr/bin/env python3
"""`sockdeckd ctl` from the shell: `status` exits 0 and names the ports;
`--json clients` prints valid JSON listing the client; `broadcast TEXT...`
reaches a legacy client; `kick ID` drops it; --control PATH works too."""
import json

import sdpeer
from sdpeer import check


def ctl(srv, args, how="data-dir"):
    if how == "data-dir":
        pre = ["ctl", "--data-dir", srv.dir]
    else:
        pre = ["ctl", "--control", srv.control_path]
    return sdpeer.run_cli(pre + args, timeout=10)


def test():
    srv = sdpeer.Server(nports=2).start()
    s = srv.connect(srv.ports[1])
    ev = srv.client_event(s)

    for how in ("data-dir", "control"):
        st, out, err = ctl(srv, ["status"], how)
        check(st == 0, "ctl --%s status: exit %r, stderr %r" % (how, st, err))
        for p in srv.ports:
            check(str(p) in out, "ctl status output does not name port %d: "
                  "%r" % (p, out[:500]))

    # `ctl --json clients` (the option before the command, as in the brief
    # and the usage text) must print valid JSON
    st, out, err = ctl(srv, ["--json", "clients"])
    check(st == 0, "ctl --json clients: exit %r, stderr %r" % (st, err))
    try:
        doc = json.loads(out)
    except ValueError:
        sdpeer.fail("ctl --json clients printed no valid JSON: %r"
                    % out[:500])
    check(str(ev["id"]) in json.dumps(doc) and
          str(s.getsockname()[1]) in json.dumps(doc),
          "ctl --json clients does not show the client: %r" % out[:500])

    # --json may also follow a command that takes no text
    st2, out2, err2 = ctl(srv, ["clients", "--json"])
    check(st2 == 0, "ctl clients --json: exit %r, %r" % (st2, err2))
    try:
        json.loads(out2)
    except ValueError:
        sdpeer.fail("ctl clients --json printed no valid JSON: %r"
                    % out2[:500])

    st, out, err = ctl(srv, ["clients"])
    peer = "127.0.0.1:%d" % s.getsockname()[1]
    check(st == 0 and peer in out.split(),
          "ctl clients: exit %r, no column %r in %r" % (st, peer, out[:500]))

    st, out, err = ctl(srv, ["broadcast", "hello", "from", "ctl"])
    check(st == 0, "ctl broadcast: exit %r, stderr %r" % (st, err))
    sdpeer.expect_bytes(s, b"hello from ctl", what="ctl broadcast")

    st, out, err = ctl(srv, ["send", str(ev["id"]), "just", "you"])
    check(st == 0, "ctl send: exit %r, stderr %r" % (st, err))
    sdpeer.expect_bytes(s, b"just you", what="ctl send")

    st, out, err = ctl(srv, ["kick", str(ev["id"])])
    check(st == 0, "ctl kick: exit %r, stderr %r" % (st, err))
    sdpeer.expect_eof(s, what="client kicked by ctl")
    st, out, err = ctl(srv, ["kick", "987654"])
    check(st != 0, "ctl kick of an unknown id exits 0")
    s.close()
    check(srv.stop() == 0, "exit status after SIGTERM not 0")

    # no server: ctl fails (not 0) and says so
    st, out, err = ctl(srv, ["status"])
    check(st != 0, "ctl status with no server running exits 0")


sdpeer.run(test)
