/*
 * sd_admit.h: who may connect, decided at accept before a byte is read:
 * --allow and --deny address rules (optionally per port range), the
 * per-address connection cap (--max-clients-per-ip) and, once frames
 * come, whether a port takes the legacy protocol (--legacy).
 *
 * Precedence: a --deny rule that matches refuses; otherwise, when any
 * --allow rule applies to the port, the address must match one of them;
 * a port no --allow rule names is open to every address not denied.
 */
#ifndef SD_ADMIT_H
#define SD_ADMIT_H

#include <stddef.h>
#include <stdint.h>

#include "sd_proto.h"

#define SD_ADMIT_MAX_RULES	256	/* of each kind */
#define SD_ADMIT_MAX_SLOTS	(1u << 18)	/* addresses counted */

struct sockaddr;
struct sd_conn;
struct sd_frame;
struct sd_config;

/* An address rule: a prefix (IPv4 mapped into IPv6) and ports. */
struct sd_admit_rule {
	uint8_t		 addr[16];
	uint8_t		 bits;		/* 0-128 */
	uint16_t	 lo, hi;	/* ports; 1-65535 for all */
	int		 on;		/* --legacy rules: on or off */
};

/* Parse "CIDR[@LO[-HI]],…" and append to *rules (at most
 * SD_ADMIT_MAX_RULES). SD_OK or SD_ERR_INVAL. */
int sd_admit_parse(const char *list, struct sd_admit_rule **rules,
    size_t *n);

/* Parse "on|off[@LO[-HI]]" and append it to *rules. */
int sd_admit_parse_legacy(const char *v, struct sd_admit_rule **rules,
    size_t *n);

/* Whether peer (a numeric address as text) is inside one of the n
 * rules' prefixes, whatever their ports: 1 or 0 (0 for non-numeric). */
int sd_admit_rules_match(const struct sd_admit_rule *rules, size_t n,
    const char *peer);

/* The same for a socket address (--proxy-from). */
int sd_admit_rules_match_sa(const struct sd_admit_rule *rules, size_t n,
    const struct sockaddr *sa);

/* Why an address may not connect to port (a static string), or NULL
 * when it may. */
const char *sd_admit_check(const struct sd_config *cfg,
    const struct sockaddr *sa, uint16_t port);

/* Whether port takes legacy frames (the last --legacy rule naming it
 * wins; on by default). */
int sd_admit_legacy(const struct sd_config *cfg, uint16_t port);


/* The per-address connection counts. */
struct sd_admit;

struct sd_admit *sd_admit_new(uint64_t max_clients);
void sd_admit_free(struct sd_admit *a);

/* Count one more connection from sa, unless it has cap already (cap 0:
 * no cap, nothing counted). SD_OK, or SD_ERR_NOSPACE with *why set. */
int sd_admit_take(struct sd_admit *a, const struct sockaddr *sa,
    uint64_t cap, const char **why);

/* The peer an address counts as, as text: an IPv4 address, or an IPv6
 * address's /64 ("2001:db8:0:1::/64"), since a host holds a whole /64.
 * The per-address cap and the refused-HELLO throttle count by it.
 * SD_OK, or SD_ERR_INVAL for an address that is not numeric. */
int sd_admit_peer_key(const char *peer, char *out, size_t len);

/* One connection from peer (as sd_conn keeps it, text) has gone. */
void sd_admit_release(struct sd_admit *a, const char *peer);

#endif
