"""sdtls: TLS for the integration tests (the 160-tls-* scripts).

A test's certificates are made at test time by the `openssl` command in
a temporary directory: a CA, and a server certificate for 127.0.0.1
signed by it (EC P-256: quick to make and to sign with). The command is
a test dependency (tools/deps): when it is missing the test fails, it
is not skipped.

    pki = sdtls.Pki()
    srv, plain, port = sdtls.server(pki, "--tls-handshake-timeout", "1")
    s = sdtls.connect(port, pki)            # Python's ssl module
    out, err = sdtls.s_client(port, pki, data, until)  # openssl s_client

Peers of their own: they know TLS from OpenSSL and Python, not from the
server's code.
"""
import atexit
import os
import select
import shutil
import ssl
import subprocess
import tempfile
import time

import sdpeer
import sdwire
from sdpeer import check, fail


def openssl():
    """The openssl command's path; a failure, not a skip, without it."""
    path = shutil.which("openssl")
    if path is None:
        fail("the openssl command is missing (tools/deps installs it)")
    return path


def run_openssl(args, cwd):
    p = subprocess.run([openssl()] + args, cwd=cwd, capture_output=True,
                       text=True, timeout=60)
    check(p.returncode == 0, "openssl %s: %s" % (" ".join(args),
                                                 p.stderr[-500:]))


class Pki:
    """A CA and a server certificate signed by it, in a temp directory:
    ca (the CA's certificate), cert (the server's), chain (the server's
    then the CA's: what --tls-cert takes), key (the server's key), and
    other_key (a key that is not the certificate's)."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="sdtls-")
        atexit.register(shutil.rmtree, self.dir, True)
        ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
              "-nodes"]
        run_openssl(["req", "-x509"] + ec + ["-keyout", "ca.key", "-out",
                    "ca.pem", "-days", "2", "-subj", "/CN=sockdeck test CA"],
                    self.dir)
        run_openssl(["req"] + ec + ["-keyout", "server.key", "-out",
                    "server.csr", "-subj", "/CN=127.0.0.1"], self.dir)
        with open(os.path.join(self.dir, "ext"), "w") as f:
            f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
        run_openssl(["x509", "-req", "-in", "server.csr", "-CA", "ca.pem",
                     "-CAkey", "ca.key", "-CAcreateserial", "-out",
                     "server.pem", "-days", "2", "-extfile", "ext"],
                    self.dir)
        run_openssl(["genpkey", "-algorithm", "EC", "-pkeyopt",
                     "ec_paramgen_curve:prime256v1", "-out", "other.key"],
                    self.dir)
        self.ca = self.path("ca.pem")
        self.cert = self.path("server.pem")
        self.key = self.path("server.key")
        self.other_key = self.path("other.key")
        self.chain = self.path("chain.pem")
        with open(self.chain, "w") as out:
            for n in (self.cert, self.ca):
                with open(n) as f:
                    out.write(f.read())

    def path(self, name):
        return os.path.join(self.dir, name)

    def leaf(self, name, subject, san=None, ca="ca", expired=False,
             client=False):
        """A key and a certificate signed by the CA ca ("ca": this Pki's;
        another name: a CA of that name made by another_ca()), subject
        like "/CN=dev-1" (UTF-8), san like "URI:urn:dev:1,DNS:dev1" or None;
        expired: valid only in 2020 (made with `openssl ca`, which takes
        dates); client: extendedKeyUsage clientAuth, else serverAuth.
        (the certificate's path, the key's path)"""
        ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
              "-nodes"]
        key, csr, pem = name + ".key", name + ".csr", name + ".pem"
        run_openssl(["req"] + ec + ["-utf8", "-keyout", key, "-out", csr,
                                    "-subj", subject], self.dir)
        ext = name + ".ext"
        with open(self.path(ext), "w") as f:
            f.write("basicConstraints=CA:FALSE\n")
            f.write("extendedKeyUsage=%s\n"
                    % ("clientAuth" if client else "serverAuth"))
            if san:
                f.write("subjectAltName=%s\n" % san)
        if not expired:
            run_openssl(["x509", "-req", "-in", csr, "-CA", ca + ".pem",
                         "-CAkey", ca + ".key", "-CAcreateserial", "-out",
                         pem, "-days", "2", "-extfile", ext], self.dir)
        else:
            db = name + ".db"
            open(self.path(db), "w").close()
            with open(self.path(name + ".cnf"), "w") as f:
                f.write("[ca]\ndefault_ca=d\n[d]\ndatabase=%s\n"
                        "new_certs_dir=.\nserial=%s.srl\n"
                        "default_md=sha256\npolicy=p\n"
                        "unique_subject=no\n[p]\ncommonName=supplied\n"
                        % (db, name))
            with open(self.path(name + ".srl"), "w") as f:
                f.write("1000\n")
            run_openssl(["ca", "-batch", "-config", name + ".cnf", "-cert",
                         ca + ".pem", "-keyfile", ca + ".key", "-in", csr,
                         "-out", pem, "-startdate", "20200101000000Z",
                         "-enddate", "20200102000000Z", "-extfile", ext,
                         "-notext"], self.dir)
        return self.path(pem), self.path(key)

    def expired_ca(self, name):
        """A CA, name.pem and name.key, valid only in 2020 (self-signed
        with `openssl ca -selfsign`, which takes dates): its path."""
        run_openssl(["req", "-newkey", "ec", "-pkeyopt",
                     "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
                     name + ".key", "-out", name + ".csr", "-subj",
                     "/CN=sockdeck old CA " + name], self.dir)
        with open(self.path(name + ".ext"), "w") as f:
            f.write("basicConstraints=critical,CA:TRUE\n"
                    "keyUsage=keyCertSign,cRLSign\n")
        open(self.path(name + ".db"), "w").close()
        with open(self.path(name + ".cnf"), "w") as f:
            f.write("[ca]\ndefault_ca=d\n[d]\ndatabase=%s.db\n"
                    "new_certs_dir=.\nserial=%s.srl\n"
                    "default_md=sha256\npolicy=p\n"
                    "unique_subject=no\n[p]\ncommonName=supplied\n"
                    % (name, name))
        with open(self.path(name + ".srl"), "w") as f:
            f.write("2000\n")
        run_openssl(["ca", "-batch", "-selfsign", "-config", name + ".cnf",
                     "-keyfile", name + ".key", "-in", name + ".csr",
                     "-out", name + ".pem", "-startdate", "20200101000000Z",
                     "-enddate", "20200102000000Z", "-extfile",
                     name + ".ext", "-notext"], self.dir)
        return self.path(name + ".pem")

    def another_ca(self, name):
        """A second CA, name.pem and name.key, that nothing trusts unless
        told to: its path."""
        run_openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt",
                     "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
                     name + ".key", "-out", name + ".pem", "-days", "2",
                     "-subj", "/CN=sockdeck other CA " + name], self.dir)
        return self.path(name + ".pem")

    def server_args(self, tls_ports, *more):
        """--tls-ports (a list of ports), --tls-cert (the chain) and
        --tls-key, and more arguments after."""
        return (["--tls-ports", ",".join(str(p) for p in tls_ports),
                 "--tls-cert", self.chain, "--tls-key", self.key]
                + list(more))


def tls12_conf(pki):
    """An OpenSSL configuration (its path, in pki's directory) that holds
    a program to TLS 1.2 at most, as a site's might: OPENSSL_CONF for a
    client that has no option of its own for it."""
    path = pki.path("tls12.cnf")
    with open(path, "w") as f:
        f.write("openssl_conf = c\n[c]\nssl_conf = s\n[s]\n"
                "system_default = d\n[d]\nMaxProtocol = TLSv1.2\n")
    return path


def server(pki, *more, plain=True, **kw):
    """A started sockdeckd with a TLS port (pki's certificate) and, unless
    plain is False, a plain port before it; more: its other arguments,
    kw: sdpeer.Server's. (the Server, the plain port or None, the TLS
    port)"""
    ports = sdpeer.free_ports(2 if plain else 1)
    srv = sdpeer.Server(ports=ports, extra=pki.server_args(ports[-1:],
                                                          *more), **kw)
    return srv.start(), ports[0] if plain else None, ports[-1]


def context(pki, minimum=None, maximum=None):
    """A client context that trusts pki's CA and checks the name."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(pki.ca)
    if minimum is not None:
        ctx.minimum_version = minimum
    if maximum is not None:
        ctx.maximum_version = maximum
    return ctx


def connect(port, pki, timeout=10.0, ctx=None, ragged=True, **kw):
    """A TLS connection to 127.0.0.1:port, the handshake done. With
    ragged False, an end of stream without close_notify is an error
    (ssl.SSLEOFError), not b"" as an orderly end is."""
    s = sdpeer.connect(port, timeout=timeout)
    ctx = ctx or context(pki, **kw)
    return ctx.wrap_socket(s, server_hostname="127.0.0.1",
                           suppress_ragged_eofs=ragged)


def client_hello(pki):
    """The bytes of a ClientHello Python would send, made in memory."""
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = context(pki).wrap_bio(inc, out, server_hostname="127.0.0.1")
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    hello = out.read()
    check(len(hello) > 100, "a ClientHello of %d bytes" % len(hello))
    return hello


def s_client(port, pki, data, until, args=(), timeout=10.0, quiet=0.3):
    """Run `openssl s_client -quiet` to 127.0.0.1:port, trusting pki's CA
    and checking the address, write data to it and read what it prints
    until until(bytes so far) holds, and quiet seconds more (so that a
    byte too many shows); or until EOF or timeout. Then stop it. (the
    bytes, its stderr)"""
    argv = [openssl(), "s_client", "-connect", "127.0.0.1:%d" % port,
            "-quiet", "-CAfile", pki.ca, "-verify_return_error",
            "-verify_ip", "127.0.0.1"] + list(args)
    p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    got = bytearray()
    try:
        p.stdin.write(data)
        p.stdin.flush()
        deadline = time.monotonic() + timeout
        done = False
        while True:
            if not done and until(bytes(got)):
                done = True
                deadline = time.monotonic() + quiet
            left = deadline - time.monotonic()
            if left <= 0:
                break
            r, _, _ = select.select([p.stdout], [], [], left)
            if not r:
                break
            chunk = os.read(p.stdout.fileno(), 65536)
            if not chunk:
                break
            got += chunk
    finally:
        p.kill()
        _, err = p.communicate(timeout=10)
    return bytes(got), err.decode("utf-8", "replace")


def finish_file(srv, s, xfer, data, name, what, timeout=30.0):
    """FILE_END for data, sent as transfer xfer: FILE_RESULT status 0,
    and the file stored under name holds data."""
    s.sendall(sdwire.file_end(xfer, len(data), sdwire.xxh3_64(data)))
    r = sdwire.parse_file_result(sdpeer.expect_frame(
        s, sdwire.T_FILE_RESULT, timeout=timeout))
    check(r["status"] == 0, "%s: FILE_RESULT %r" % (what, r))
    with open(os.path.join(srv.files_dir, name), "rb") as f:
        check(f.read() == data, "%s: %s stored differs" % (what, name))


def start_refused(d, args, want, what):
    """sockdeckd with args (data in d) refuses to start: exit status 2,
    one line on stderr with want in it, and no port opened."""
    rc, out, err = sdpeer.run_cli(["--headless", "--log-format", "json",
                                   "--data-dir", d, "--bind",
                                   "127.0.0.1"] + args, timeout=10)
    check(rc == 2, "%s: exit status %r (stderr %r)" % (what, rc, err))
    lines = err.strip().splitlines()
    check(len(lines) == 1 and want in lines[0], "%s: stderr %r, expected "
          "one line with %r" % (what, err, want))
    check('"listen"' not in out, "%s: a port opened: %r" % (what, out))


def status(srv):
    """The server's status answer (ctl status)."""
    r = srv.ctl({"cmd": "status"})
    check(r.get("ok"), "status refused: %r" % r)
    return r["status"]


def wait_tls(srv, key, n, timeout=10.0):
    """Wait until status tls[key] reaches n; the tls object."""
    deadline = time.monotonic() + timeout
    while True:
        t = status(srv).get("tls")
        check(isinstance(t, dict), "status has no tls object: %r" % (t,))
        if t.get(key, 0) >= n:
            return t
        if time.monotonic() > deadline:
            fail("status tls %s stayed %r, not %d, for %.1fs: %r"
                 % (key, t.get(key), n, timeout, t))
        time.sleep(0.05)


def utf8_leaf(pki, name, cn, san="IP:127.0.0.1"):
    """A server certificate signed by pki's CA whose CN is cn, any UTF-8
    text (ESC, bidi controls: what a hostile server may put there), for
    san. (the certificate's path, the key's path)"""
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
          "-nodes"]
    run_openssl(["req", "-utf8"] + ec + ["-keyout", name + ".key", "-out",
                                         name + ".csr", "-subj", "/CN=" + cn],
                pki.dir)
    with open(pki.path(name + ".ext"), "w") as f:
        f.write("subjectAltName=%s\n" % san)
    run_openssl(["x509", "-req", "-in", name + ".csr", "-CA", "ca.pem",
                 "-CAkey", "ca.key", "-CAcreateserial", "-out",
                 name + ".pem", "-days", "2", "-extfile", name + ".ext"],
                pki.dir)
    return pki.path(name + ".pem"), pki.path(name + ".key")


def leaf_server(pki, cert, key, port=None):
    """A started sockdeckd whose one port (port, or a free one) is TLS
    with cert (and pki's CA after it) and key. (the Server, the port)"""
    chain = cert + ".chain"
    with open(chain, "w") as out:
        for n in (cert, pki.ca):
            with open(n) as f:
                out.write(f.read())
    ports = [port] if port else sdpeer.free_ports(1)
    srv = sdpeer.Server(ports=ports, extra=[
        "--tls-ports", str(ports[0]), "--tls-cert", chain, "--tls-key", key])
    return srv.start(), ports[0]
