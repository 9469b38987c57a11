/*
 * sd_registry.h: the device registry (--devices FILE): which devices
 * may speak, how each proves who it is, and from where.
 *
 * The module owns the parsed file: one struct sd_registry_dev a line,
 * found by MAC and by certificate identity through two hash tables
 * (chains of indices, seeded), and the admission decision for a frame
 * that names a device. It reads a file only in sd_registry_load (at
 * start, at reload, and in "sockdeckd device"); everything else is
 * pure, for the unit tests and the fuzzer. Every size is capped by a
 * constant below, whatever the file says.
 *
 * The file: text, '#' comments and blank lines, one device a line,
 * five fields separated by spaces or tabs:
 *
 *   MAC NAME CREDENTIAL CIDRS STATE
 *
 * MAC as aa:bb:cc:dd:ee:ff; NAME 1 to 63 printable ASCII bytes, the
 * first not '#' (a field that starts with '#' starts a comment);
 * CREDENTIAL "token-sha256:HEX" (64 hex digits: the SHA-256 of the
 * token the device sends in HELLO), "cert:IDENTITY" (its client
 * certificate's identity as --tls-identity takes it, bytes outside
 * '!'..'~' and '%' written %XX) or "-" (none: a legacy device); CIDRS
 * "any" or a comma list as --allow takes (no ports); STATE "enabled"
 * or "revoked".
 */
#ifndef SD_REGISTRY_H
#define SD_REGISTRY_H

#include <stddef.h>
#include <stdint.h>

#include "sd_admit.h"
#include "sd_proto.h"
#include "sd_util.h"

#define SD_REGISTRY_MAX_DEVICES	65536
#define SD_REGISTRY_MAX_LINE	4096		/* bytes, newline included */
#define SD_REGISTRY_MAX_FILE	(16u << 20)	/* bytes */
#define SD_REGISTRY_NAME_MAX	63		/* bytes of a name */
/* Bytes of an identity: no more than the server takes from a certificate
 * (sd_tls: a longer field is none), else the device could never match. */
#define SD_REGISTRY_IDENT_MAX	255
#define SD_REGISTRY_SHA_LEN	32

enum sd_registry_cred {
	SD_REGISTRY_NONE,	/* "-": legacy, by MAC and address */
	SD_REGISTRY_TOKEN,	/* token-sha256: */
	SD_REGISTRY_CERT	/* cert: */
};

struct sd_registry_dev {
	uint8_t			 mac[SD_MAC_LEN];
	char			 name[SD_REGISTRY_NAME_MAX + 1];
	enum sd_registry_cred	 cred;
	uint8_t			 sha[SD_REGISTRY_SHA_LEN];	/* TOKEN */
	char			*ident;		/* CERT: decoded, NUL'd */
	size_t			 ident_len;
	char			*cidrs;		/* as written, or "any" */
	struct sd_admit_rule	*rules;		/* none: any address */
	size_t			 nrules;
	int			 enabled;
	unsigned		 line;
	uint32_t		 next_mac;	/* chains: index, or */
	uint32_t		 next_ident;	/* SD_REGISTRY_END */
};

struct sd_registry {
	struct sd_registry_dev	*devs;
	size_t			 ndevs;
	uint32_t		*by_mac;	/* bucket heads */
	uint32_t		*by_ident;
	uint32_t		 mask;		/* buckets - 1 */
	uint64_t		 seed;
};

/* The admission verdicts; sd_registry_why() says each in words. */
enum sd_registry_verdict {
	SD_REGISTRY_OK,
	SD_REGISTRY_UNKNOWN,	/* no such MAC */
	SD_REGISTRY_REVOKED,
	SD_REGISTRY_ADDRESS,	/* the address is not in its CIDRs */
	SD_REGISTRY_BAD_TOKEN,	/* HELLO's token is not its */
	SD_REGISTRY_NEEDS_HELLO,	/* a token device's legacy frame */
	SD_REGISTRY_BAD_CERT	/* the certificate is not its */
};

/* What a connection claims and holds, for sd_registry_admit. */
struct sd_registry_claim {
	const uint8_t	*mac;		/* the MAC it names */
	const char	*peer;		/* its address, numeric text */
	const char	*ident;		/* its verified certificate's
					   identity, or NULL */
	const uint8_t	*sha;		/* SHA-256 of its HELLO token, or
					   NULL: a legacy frame */
};

/* Parse text (len bytes, named name in errors) into a new registry:
 * SD_OK, or SD_ERR_INVAL with "NAME:LINE: why" in err. */
int sd_registry_parse(const char *name, const char *text, size_t len,
    struct sd_registry **out, char err[SD_ERR_LEN]);

/* Read path (at most SD_REGISTRY_MAX_FILE bytes) and parse it. */
int sd_registry_load(const char *path, struct sd_registry **out,
    char err[SD_ERR_LEN]);

void sd_registry_free(struct sd_registry *reg);

/* Whether a and b (either NULL: no registry) admit the same devices
 * the same way: each MAC with the same name, credential, CIDRs (as
 * written) and state, whatever the order, comments and spacing of
 * their files. */
int sd_registry_same(const struct sd_registry *a,
    const struct sd_registry *b);

/* The device with mac, or with a certificate of identity ident; NULL
 * when there is none. */
const struct sd_registry_dev *sd_registry_find_mac(
    const struct sd_registry *reg, const uint8_t mac[SD_MAC_LEN]);
const struct sd_registry_dev *sd_registry_find_ident(
    const struct sd_registry *reg, const char *ident);

/*
 * Whether cl may speak as the device it names (*dev: that device when
 * there is one, else NULL). In order: a connection whose certificate
 * is a device's may only name that device (BAD_CERT); the MAC must be
 * known (UNKNOWN) and enabled (REVOKED), the address in its CIDRs
 * (ADDRESS); then its credential: cert: wants the connection's
 * certificate identity equal, byte for byte (BAD_CERT); token-sha256:
 * wants a HELLO with that token (BAD_TOKEN), and refuses legacy frames
 * (NEEDS_HELLO: a device given a token would otherwise be claimable by
 * its MAC alone); "-" wants nothing more.
 */
enum sd_registry_verdict sd_registry_admit(const struct sd_registry *reg,
    const struct sd_registry_claim *cl, const struct sd_registry_dev **dev);

/* The verdict in a few words ("unknown device"). */
const char *sd_registry_why(enum sd_registry_verdict v);

/* SHA-256 of p (len bytes) into sha. SD_OK or SD_ERR_NOMEM. */
int sd_registry_sha256(const void *p, size_t len,
    uint8_t sha[SD_REGISTRY_SHA_LEN]);

/* The line of d as the file has it ("MAC NAME CRED CIDRS STATE"), in
 * buf (SD_REGISTRY_MAX_LINE bytes): SD_OK or SD_ERR_NOSPACE. */
int sd_registry_format(const struct sd_registry_dev *d, char *buf,
    size_t len);

/* d's credential as the file writes it (buf: SD_REGISTRY_MAX_LINE). */
void sd_registry_cred_text(const struct sd_registry_dev *d, char *buf,
    size_t len);

/* Whether name may be a device's name (1..63 of '!'..'~', the first
 * not '#'). */
int sd_registry_name_ok(const char *name);

#endif
