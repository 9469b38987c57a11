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
