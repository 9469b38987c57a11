#!/usr/bin/env python3
"""The peers' pure-Python XXH3-64 agrees with libxxhash (values computed
with XXH3_64bits() of xxhash 0.8 and hard-coded here) on every input-length
branch: 0, 1-3, 4-8, 9-16, 17-128, 129-240 and >240 (one stripe, several
stripes, whole blocks, several blocks). Needs no server."""
import sdpeer
import sdwire

# input of length n: byte i = (i * 131 + 7) & 0xff
VECTORS = [
    (0, 0x2d06800538d394c2),
    (1, 0x4c5cca45d0f4811f),
    (2, 0x29c60963cbfa4e6e),
    (3, 0x6e3e2670e61106ac),
    (4, 0x5c4c63133443d03f),
    (5, 0x49f5eb3111280b63),
    (8, 0xf9fd4dd0b04d78f5),
    (9, 0x7c20df9712c26edf),
    (12, 0x16d2dff54dc2ee45),
    (16, 0x86abf6baccea0858),
    (17, 0xb58bf5dc5022d071),
    (31, 0x48442fcd5518b086),
    (32, 0xe3712ed84c04a66e),
    (33, 0xa4dee99b093e1f73),
    (64, 0x1291d2d4042330dd),
    (65, 0x97c6bf83217e5ec9),
    (96, 0x81296929fc063365),
    (97, 0xf145a45b658ab9dd),
    (128, 0x10d17f72c0ccba41),
    (129, 0x1648bdc3db49d1a2),
    (130, 0xc65f0f545fa96def),
    (200, 0xc0fbc0f4e181c826),
    (240, 0xb6cfaf343fab81e6),
    (241, 0x956cae592c67279e),
    (255, 0x64a6073025eb7929),
    (256, 0xb15e550733c5dfac),
    (300, 0xa4e69646ccce75ce),
    (1023, 0xa94ffcd2254368e4),
    (1024, 0x70bd377d9574f4bb),
    (1025, 0x66c4487c41e127a7),
    (1087, 0x3a3888860f73973f),
    (1088, 0xf43dc77e28a9acbc),
    (1089, 0x313bc7ee32bbfa2e),
    (2048, 0x8b46caa67dab3a30),
    (2049, 0x581cd184fd9b76c5),
    (3000, 0x33a08283bba03e0c),
    (4096, 0x9ddd66c14af0daff),
    (10000, 0x9e5d23d943285455),
    (100000, 0x14ce8d6fc2c4868b),
]


def test():
    sdpeer.check(sdwire.xxh3_64(b"hello") == 0x9555e8555c62dcfd,
                 "XXH3_64bits(b'hello') = 0x%016x" % sdwire.xxh3_64(b"hello"))
    sdpeer.check(sdwire.xxh3_64(b"") == 0x2d06800538d394c2,
                 "XXH3_64bits(b'') = 0x%016x" % sdwire.xxh3_64(b""))
    for n, want in VECTORS:
        data = bytes((i * 131 + 7) & 0xff for i in range(n))
        got = sdwire.xxh3_64(data)
        sdpeer.check(got == want, "XXH3_64bits(len %d) = 0x%016x, libxxhash "
                     "says 0x%016x" % (n, got, want))


sdpeer.run(test)
