"""sdwire: sockdeck's frames, written down independently of the C library.

The test peers build and read bytes with this module, from the layouts of
man/sockdeck-protocol.7 and ../shared/mission/legacy-wire-format.md, with
nothing but the struct module: a second opinion on the C code, not a copy
of it. Every integer is little-endian.
"""
import struct

HDR = struct.Struct("<HI")

T_LEGACY_MSG = 0x0000
T_LEGACY_DATA = 0xFFFF
T_HELLO = 0x5301
T_WELCOME = 0x5302
T_MSG = 0x5303
T_TEXT = 0x5304
T_ERROR = 0x5305
T_PING = 0x5306
T_PONG = 0x5307
T_FILE_OFFER = 0x5310
T_FILE_ACCEPT = 0x5311
T_FILE_CHUNK = 0x5312
T_FILE_END = 0x5313
T_FILE_RESULT = 0x5314
T_FILE_CANCEL = 0x5315
T_SENSOR_BATCH = 0x5320
T_SENSOR_ACK = 0x5321

SID_MSG = 0x22
SID_SENSOR = 0x11

CAP_FILES, CAP_RESUME, CAP_SENSORS, CAP_PING = 1, 2, 4, 8


def mac(s):
    """'aa:bb:cc:dd:ee:ff' -> 6 bytes."""
    b = bytes(int(x, 16) for x in s.replace("-", ":").split(":"))
    assert len(b) == 6
    return b


def frame(ftype, payload, extra_len=0):
    """Header plus payload; extra_len counts body bytes sent after it."""
    return HDR.pack(ftype, len(payload) + extra_len) + payload


# Legacy frames (legacy-wire-format.md).

def legacy_msg(dev, text, sid=SID_MSG, evt=1):
    if isinstance(text, str):
        text = text.encode()
    return frame(T_LEGACY_MSG,
                 struct.pack("<B6sBI", sid, dev, evt, len(text)) + text)


def legacy_sensor(dev, value):
    return frame(T_LEGACY_DATA, struct.pack("<B6sf", SID_SENSOR, dev, value))


def legacy_file_head(dev, ext, size):
    return frame(T_LEGACY_DATA, struct.pack("<B6sBI", SID_MSG, dev, ext,
                                            size), extra_len=size)


def legacy_file(dev, ext, data):
    return legacy_file_head(dev, ext, len(data)) + data


# Extension frames (man/sockdeck-protocol.7).

def hello(dev, name=b"", token=b"", version=1, caps=0xF):
    return frame(T_HELLO, struct.pack("<BI6sB", version, caps, dev, len(name))
                 + name + struct.pack("<B", len(token)) + token)


def welcome(client_id, max_msg, max_chunk, max_file, name=b"sockdeckd",
            version=1, caps=0xF):
    return frame(T_WELCOME, struct.pack("<BIIIIQB", version, caps, client_id,
                                        max_msg, max_chunk, max_file,
                                        len(name)) + name)


def msg(mid, text):
    return frame(T_MSG, struct.pack("<I", mid) + text)


def text(kind, ref, body):
    return frame(T_TEXT, struct.pack("<BI", kind, ref) + body)


def error(code, ref_type, ref_id, body):
    return frame(T_ERROR, struct.pack("<HHI", code, ref_type, ref_id) + body)


def ping(token, pong=False):
    return frame(T_PONG if pong else T_PING, struct.pack("<Q", token))


def file_offer(xfer, size, key, name):
    return frame(T_FILE_OFFER, struct.pack("<IQQH", xfer, size, key,
                                           len(name)) + name)


def file_accept(xfer, offset):
    return frame(T_FILE_ACCEPT, struct.pack("<IQ", xfer, offset))


def file_chunk(xfer, offset, data):
    return frame(T_FILE_CHUNK, struct.pack("<IQ", xfer, offset) + data)


def file_end(xfer, size, xxh3):
    return frame(T_FILE_END, struct.pack("<IQQ", xfer, size, xxh3))


def file_result(xfer, status, size, xxh3, name):
    return frame(T_FILE_RESULT, struct.pack("<IBQQH", xfer, status, size,
                                            xxh3, len(name)) + name)


def file_cancel(xfer):
    return frame(T_FILE_CANCEL, struct.pack("<I", xfer))


def sensor_batch(seq, dev, readings):
    """readings: (ts_ns, value, channel bytes) tuples."""
    body = struct.pack("<Q6sH", seq, dev, len(readings))
    for ts, value, chan in readings:
        body += struct.pack("<qdB", ts, value, len(chan)) + chan
    return frame(T_SENSOR_BATCH, body)


def sensor_ack(seq):
    return frame(T_SENSOR_ACK, struct.pack("<Q", seq))


def split_frames(data):
    """Cut a well-formed byte string into (type, payload) pairs; the rest
    (an incomplete frame) is returned too."""
    out = []
    while len(data) >= HDR.size:
        ftype, length = HDR.unpack_from(data)
        if len(data) < HDR.size + length:
            break
        out.append((ftype, data[HDR.size:HDR.size + length]))
        data = data[HDR.size + length:]
    return out, data


# Decoding helpers (added for the integration peers).

def parse_welcome(payload):
    """WELCOME payload -> dict."""
    ver, caps, cid, mmsg, mchunk, mfile, nlen = struct.unpack_from(
        "<BIIIIQB", payload)
    name = payload[32 - 6:32 - 6 + nlen]
    return dict(version=ver, caps=caps, client_id=cid, max_msg=mmsg,
                max_chunk=mchunk, max_file=mfile, name=name)


def parse_text(payload):
    kind, ref = struct.unpack_from("<BI", payload)
    return dict(kind=kind, ref=ref, text=payload[5:])


def parse_error(payload):
    code, ref_type, ref_id = struct.unpack_from("<HHI", payload)
    return dict(code=code, ref_type=ref_type, ref_id=ref_id,
                text=payload[8:])


def parse_file_accept(payload):
    xfer, offset = struct.unpack_from("<IQ", payload)
    return dict(xfer=xfer, offset=offset)


def parse_file_result(payload):
    xfer, status, size, xxh3, nlen = struct.unpack_from("<IBQQH", payload)
    return dict(xfer=xfer, status=status, size=size, xxh3=xxh3,
                name=payload[23:23 + nlen])


def parse_u64(payload):
    return struct.unpack_from("<Q", payload)[0]


# XXH3-64 (seed 0), pure Python, from the public xxHash specification
# (doc/xxhash_spec.md, XXH3 section) and the reference implementation's
# scalar path. Slow (~a few MB/s at best), enough for test files.

_M64 = (1 << 64) - 1
_P32_1, _P32_2, _P32_3 = 0x9E3779B1, 0x85EBCA77, 0xC2B2AE3D
_P64_1, _P64_2, _P64_3 = (0x9E3779B185EBCA87, 0xC2B2AE3D27D4EB4F,
                          0x165667B19E3779F9)
_P64_4, _P64_5 = 0x85EBCA77C2B2AE63, 0x27D4EB2F165667C5
_PMX1, _PMX2 = 0x165667919E3779F9, 0x9FB21C651E98DF25

_KSECRET = bytes.fromhex(
    "b8fe6c3923a44bbe7c01812cf721ad1cded46de9839097db7240a4a4b7b3671f"
    "cb79e64eccc0e578825ad07dccff7221b8084674f743248ee03590e6813a264c"
    "3c2852bb91c300cb88d0658b1b532ea371644897a20df94e3819ef46a9deacd8"
    "a8fa763fe39c343ff9dcbbc7c70b4f1d8a51e04bcdb45931c89f7ec9d9787364"
    "eac5ac8334d3ebc3c581a0fffa1363eb170ddd51b7f0da49d316552629d4689e"
    "2b16be587d47a1fc8ff8b8d17ad031ce45cb3a8f95160428afd7fbcabb4b407e")
assert len(_KSECRET) == 192


def _r64(b, o):
    return struct.unpack_from("<Q", b, o)[0]


def _r32(b, o):
    return struct.unpack_from("<I", b, o)[0]


def _rotl64(x, r):
    return ((x << r) | (x >> (64 - r))) & _M64


def _swap64(x):
    return int.from_bytes(x.to_bytes(8, "little"), "big")


def _mulfold(a, b):
    p = a * b
    return (p & _M64) ^ (p >> 64)


def _xxh64_avalanche(h):
    h ^= h >> 33
    h = (h * _P64_2) & _M64
    h ^= h >> 29
    h = (h * _P64_3) & _M64
    return h ^ (h >> 32)


def _xxh3_avalanche(h):
    h ^= h >> 37
    h = (h * _PMX1) & _M64
    return h ^ (h >> 32)


def _rrmxmx(h, n):
    h ^= _rotl64(h, 49) ^ _rotl64(h, 24)
    h = (h * _PMX2) & _M64
    h ^= (h >> 35) + n
    h = (h * _PMX2) & _M64
    return h ^ (h >> 28)


def _mix16(d, o, s, so):
    lo = _r64(d, o) ^ _r64(s, so)
    hi = _r64(d, o + 8) ^ _r64(s, so + 8)
    return _mulfold(lo, hi)


def _long(d, s):
    n = len(d)
    acc = [_P32_3, _P64_1, _P64_2, _P64_3, _P64_4, _P32_2, _P64_5, _P32_1]
    stripes_per_block = (len(s) - 64) // 8
    block_len = 64 * stripes_per_block
    nb_blocks = (n - 1) // block_len
    skeys = [struct.unpack_from("<8Q", s, 8 * i)
             for i in range(stripes_per_block + 1)]
    lastkey = struct.unpack_from("<8Q", s, len(s) - 64 - 7)
    scramble = struct.unpack_from("<8Q", s, len(s) - 64)

    def acc512(off, key):
        vals = struct.unpack_from("<8Q", d, off)
        for i in range(8):
            v = vals[i]
            k = v ^ key[i]
            acc[i ^ 1] = (acc[i ^ 1] + v) & _M64
            acc[i] = (acc[i] + (k & 0xFFFFFFFF) * (k >> 32)) & _M64

    for b in range(nb_blocks):
        base = b * block_len
        for st in range(stripes_per_block):
            acc512(base + 64 * st, skeys[st])
        for i in range(8):
            a = acc[i]
            a ^= a >> 47
            a ^= scramble[i]
            acc[i] = (a * _P32_1) & _M64
    nb_stripes = ((n - 1) - block_len * nb_blocks) // 64
    base = nb_blocks * block_len
    for st in range(nb_stripes):
        acc512(base + 64 * st, skeys[st])
    acc512(n - 64, lastkey)
    r = (n * _P64_1) & _M64
    for i in range(4):
        r = (r + _mulfold(acc[2 * i] ^ _r64(s, 11 + 16 * i),
                          acc[2 * i + 1] ^ _r64(s, 11 + 16 * i + 8))) & _M64
    return _xxh3_avalanche(r)


def xxh3_64(data):
    """XXH3_64bits(data) with seed 0 and the default secret."""
    d = bytes(data)
    s = _KSECRET
    n = len(d)
    if n == 0:
        return _xxh64_avalanche(_r64(s, 56) ^ _r64(s, 64))
    if n <= 3:
        c1, c2, c3 = d[0], d[n >> 1], d[n - 1]
        comb = (c1 << 16) | (c2 << 24) | c3 | (n << 8)
        return _xxh64_avalanche(comb ^ (_r32(s, 0) ^ _r32(s, 4)))
    if n <= 8:
        i1, i2 = _r32(d, 0), _r32(d, n - 4)
        bitflip = _r64(s, 8) ^ _r64(s, 16)
        return _rrmxmx(((i2 + (i1 << 32)) & _M64) ^ bitflip, n)
    if n <= 16:
        lo = _r64(d, 0) ^ (_r64(s, 24) ^ _r64(s, 32))
        hi = _r64(d, n - 8) ^ (_r64(s, 40) ^ _r64(s, 48))
        acc = (n + _swap64(lo) + hi + _mulfold(lo, hi)) & _M64
        return _xxh3_avalanche(acc)
    if n <= 128:
        acc = (n * _P64_1) & _M64
        if n > 32:
            if n > 64:
                if n > 96:
                    acc += _mix16(d, 48, s, 96) + _mix16(d, n - 64, s, 112)
                acc += _mix16(d, 32, s, 64) + _mix16(d, n - 48, s, 80)
            acc += _mix16(d, 16, s, 32) + _mix16(d, n - 32, s, 48)
        acc += _mix16(d, 0, s, 0) + _mix16(d, n - 16, s, 16)
        return _xxh3_avalanche(acc & _M64)
    if n <= 240:
        acc = (n * _P64_1) & _M64
        for i in range(8):
            acc += _mix16(d, 16 * i, s, 16 * i)
        acc_end = _mix16(d, n - 16, s, 136 - 17)
        acc = _xxh3_avalanche(acc & _M64)
        for i in range(8, n // 16):
            acc_end += _mix16(d, 16 * i, s, 16 * (i - 8) + 3)
        return _xxh3_avalanche((acc + acc_end) & _M64)
    return _long(d, s)
