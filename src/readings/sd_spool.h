/*
 * sd_spool.h: the on-disk store of readings: append-only segments of
 * InfluxDB line protocol under DIR/sensors/ (readings-NNNNNNNN.lp), the
 * one durable copy that people read and grep and that sinks read from.
 *
 * Writing: lines gather in a buffer that sd_spool_flush() hands to the
 * writer thread (sd_spoolw.h), which owns the segment being written: no
 * write, sync or segment switch runs on the loop. At most
 * SD_SPOOLW_SLOTS buffers are in flight; while they all are, lines
 * gather, and past SD_SPOOL_SOFT the pipeline pauses the connections
 * that send readings, so the buffer stays within SD_SPOOL_SOFT plus one
 * frame's lines per connection. The room is wide (16 MiB in flight,
 * 8 MiB gathering): on two cores the writer thread shares its core with
 * the senders, and waits for a slice of it; with 1 MiB in flight the
 * loop sat idle for it (28% of the time, ingest at 0.7 of writing on
 * the loop). A failed write is tried again (its
 * bytes stay in flight). The loop learns what is on disk from the
 * writer (sd_spool_collect(), when sd_spool_wake_fd() is readable):
 * only then do segment sizes, the list and what readers may read move.
 * Each run starts a new segment; past its size, the next job starts
 * the next one.
 *
 * Reading: a sink owns a struct sd_spool_reader, a position it reads
 * from and a cursor (DIR/sensors/NAME.cursor) it moves only when delivery
 * is confirmed, so a restart resumes where delivery stopped. Readers see
 * only lines that reached the disk, whole lines only. A reader's
 * position is always known: with no cursor, or one that cannot be
 * trusted, it starts at the oldest segment kept and saves a cursor.
 *
 * The segments are listed once at start (readdir) and the list is kept
 * as segments come and go: backlogs and the next segment to read come
 * from it, never from asking the disk about numbers. Segments behind
 * every reader's saved cursor (all closed ones, without readers) are
 * removed oldest first past the retention (bytes and age), by the
 * helper thread. A cursor file found at start for a sink that starts no
 * reader (not configured this run) counts as that sink's saved cursor:
 * what it has not delivered stays; one that cannot be trusted holds
 * every segment. Segments, cursors and their temporary files are
 * created 0640 and never opened through a symbolic link.
 *
 * A reader in range mode (sd_spool_reader_init_range, for "sockdeckd
 * spool replay") reads a time range through a struct sd_spoolrange
 * instead, with no struct sd_spool: the same calls, so the same sink
 * code delivers it. There read gives the range's runs (positions are
 * the segments' own, as above), ack only records what was delivered
 * (no cursor file is read or written, and nothing of the server's
 * writer is touched), rewind goes back to what was acked, and a sink
 * that gives back the end of a read (moves pos back) is read from
 * there: the range seeks whenever pos is not where its last read ended.
 *
 * Durability: SD_FSYNC_ALWAYS syncs every write before it counts as
 * done, SD_FSYNC_EVERYSEC syncs once a second between two writes,
 * SD_FSYNC_NO leaves it to the kernel; all on the writer thread.
 */
#ifndef SD_SPOOL_H
#define SD_SPOOL_H

#include <stddef.h>
#include <stdint.h>

#include "sd_util.h"

#define SD_SPOOL_SEGMENT	(64ULL << 20)	/* default segment size */
#define SD_SPOOL_SOFT		(8u << 20)	/* buffered: ask to pause */
#define SD_SPOOL_EAGER		(1u << 20)	/* buffered: write now */
#define SD_SPOOL_SEGS_MAX	65536u		/* segments listed, at most */
#define SD_SPOOL_READERS	8		/* sinks reading, at most */
#define SD_SPOOL_HOLDS		8		/* cursor files kept, at most */
#define SD_SPOOL_RM_QUEUE	64		/* removals waiting, at most */
#define SD_SPOOL_NOTES		8		/* start-up notes kept */
#define SD_SPOOL_WARN_LEN	768		/* a reader's warning */
#define SD_SPOOL_RETAIN		(1ULL << 30)	/* delivered bytes kept */
#define SD_SPOOL_LINE_GUESS	70		/* bytes a line, a guess */

enum sd_fsync_mode { SD_FSYNC_EVERYSEC, SD_FSYNC_ALWAYS, SD_FSYNC_NO };

struct sd_spool;
struct sd_spoolrange;

/* A place in the spool: segment number and byte offset. */
struct sd_spool_pos {
	uint32_t	 seq;
	uint64_t	 off;
};

struct sd_spool_reader {
	struct sd_spool		*sp;
	char			 name[32];
	struct sd_spool_pos	 pos;	/* next byte to read */
	struct sd_spool_pos	 acked;	/* delivered; saved as the cursor */
	struct sd_spool_pos	 saved;	/* what the cursor file says */
	int			 fd;
	uint32_t		 fd_seq;
	int64_t			 saved_mono;
	int			 dirty;	/* acked moved since the last save */
	int			 slot;	/* the writer's file slot, or -1 */
	uint64_t		 save_req; /* the save in flight, 0: none */
	struct sd_spool_pos	 saving;	/* what it writes */
	int			 save_force; /* save when it is done */
	uint64_t		 torn;	/* torn lines skipped */
	struct sd_spoolrange	*range;	/* range mode: sp is NULL */
	struct sd_spool_pos	 range_at; /* where the range reads next */
	int			 range_failed; /* a read of it failed */
	/* Where acked stands in line numbers (see sd_spool_backlog_lines):
	 * known (lines_ok), or being counted from count_at (acks since
	 * added up), or unknown after a drop-oldest until acks pass
	 * drop_pos. */
	int64_t			 lines;
	int			 lines_ok;
	int			 counting;	/* a question open */
	int			 count_want;	/* to ask, at the next tick */
	int			 count_have;	/* count_res waits */
	uint64_t		 count_res;
	struct sd_spool_pos	 count_at;
	uint64_t		 lines_since;
	int			 drop_wait;
	struct sd_spool_pos	 drop_pos;
};

struct sd_spool *sd_spool_new(const char *dir, char err[SD_ERR_LEN]);

/* Write what is buffered, then free. Readers must be done first. */
void sd_spool_free(struct sd_spool *sp);

void sd_spool_set_fsync(struct sd_spool *sp, enum sd_fsync_mode mode);
void sd_spool_set_segment_size(struct sd_spool *sp, uint64_t bytes);

/* Buffer one line (with its newline); SD_ERR_NOMEM when it cannot. */
int sd_spool_append(struct sd_spool *sp, const char *line, size_t len);

/* Room for up to len bytes at the end of the buffer, for a line to be
 * formatted in place (NULL without memory); sd_spool_commit() then
 * says how many of them it took: one line a commit. */
char *sd_spool_reserve(struct sd_spool *sp, size_t len);
void sd_spool_commit(struct sd_spool *sp, size_t n);

/* Hand the buffer to the writer (when it has a slot free; else the
 * lines stay for the next call); SD_OK, or an error with err while the
 * writer's writes fail (retried from here, at most every 20 ms). */
int sd_spool_flush(struct sd_spool *sp, char err[SD_ERR_LEN]);

/* Readable when the writer finished jobs: then sd_spool_collect(). */
int sd_spool_wake_fd(const struct sd_spool *sp);

/* Take the writer's finished jobs in: segments, sizes, what readers may
 * read move. Returns the bytes that reached the disk. */
uint64_t sd_spool_collect(struct sd_spool *sp);

/* Bytes appended this run (the end of the last line, as a count), and
 * of them, those on disk (at the configured fsync level): a line
 * appended when the count was n is on disk once done passes n. */
uint64_t sd_spool_appended(const struct sd_spool *sp);
uint64_t sd_spool_done(const struct sd_spool *sp);

/* Bytes not yet handed to the writer. */
size_t sd_spool_buffered(const struct sd_spool *sp);

/* Once a second: retention, the everysec sync. */
void sd_spool_tick(struct sd_spool *sp);

/* Bytes not yet on disk: buffered and in flight. */
size_t sd_spool_pending(const struct sd_spool *sp);

/* Name of the segment being written, for status. */
const char *sd_spool_segment(const struct sd_spool *sp);

/* Lines the reader has not delivered, buffer included. Exact (*exact
 * set) once the reader's place in line numbers is known: lines written
 * this run are counted as they are committed (one a commit), a run's
 * earlier segments by a census off the loop (sd_spoolcount.h) at start,
 * and a cursor's place in its segment by a question to it. Till then,
 * and after a drop-oldest till the deliveries of what was read before
 * are past, the reader's backlog bytes over this run's mean line
 * (SD_SPOOL_LINE_GUESS bytes before any). */
uint64_t sd_spool_backlog_lines(struct sd_spool *sp,
    const struct sd_spool_reader *r, int *exact);

/* Bytes from pos to the end of what is stored, buffer included. */
uint64_t sd_spool_backlog(struct sd_spool *sp, const struct sd_spool_pos *pos);

/* Ask for the next segment to be started (one switch at a time; the
 * list shows it once the writer did it). */
int sd_spool_rotate(struct sd_spool *sp, char err[SD_ERR_LEN]);

/* Start a reader at its saved cursor. With none, one naming segments
 * removed since (warn says readings were lost, and how many segments),
 * or one that cannot be trusted, at the oldest segment kept, saved at
 * once; warn then says so (empty otherwise, and for a new reader of a
 * new spool). */
int sd_spool_reader_init(struct sd_spool_reader *r, struct sd_spool *sp,
    const char *name, char warn[SD_SPOOL_WARN_LEN], char err[SD_ERR_LEN]);

/* Start a reader in range mode (see above) at the range's start; it
 * reads range, which stays the caller's and outlives the reader. */
void sd_spool_reader_init_range(struct sd_spool_reader *r,
    struct sd_spoolrange *range, const char *name);

/* Range mode: whether every line of the range was read and acked. */
int sd_spool_reader_range_done(const struct sd_spool_reader *r);

/* Save the cursor and close. */
void sd_spool_reader_done(struct sd_spool_reader *r);

/* Read whole lines from r->pos into buf (at most cap bytes; cap must
 * exceed the longest line) and move r->pos past them; *len is 0 when
 * nothing new is on disk. The lines come from one segment; *at is where
 * buf[0] came from (r->pos may have moved to a later segment first). */
int sd_spool_reader_read(struct sd_spool_reader *r, char *buf, size_t cap,
    size_t *len, struct sd_spool_pos *at, char err[SD_ERR_LEN]);

/* Delivery up to pos is confirmed, lines lines since the last ack
 * (whole lines moved past, delivered or refused): move the cursor
 * (saved at most every 200 ms, or now when force; range mode: only
 * remembered). */
void sd_spool_reader_ack(struct sd_spool_reader *r,
    const struct sd_spool_pos *pos, uint64_t lines, int force);

/* Read again from the cursor (after a failed delivery). */
void sd_spool_reader_rewind(struct sd_spool_reader *r);

/* Give up the oldest segment this reader has not delivered: its cursor
 * moves to the next segment. Returns the lines dropped: exact when the
 * reader's place in line numbers is known, else estimated from bytes
 * (0 in range mode: a replay drops nothing). */
uint64_t sd_spool_reader_drop_oldest(struct sd_spool_reader *r);

/* Keep delivered segments up to bytes, and secs old (0: any age). */
void sd_spool_set_retain(struct sd_spool *sp, uint64_t bytes,
    uint64_t secs);

/* Cursor files of sinks that started no reader (not configured this
 * run), for after the sinks started: how many, and the i-th said for an
 * event (its sink, the bytes it holds back so far, how to release
 * them). Each holds retention back from where it stands, or from the
 * oldest segment when it cannot be trusted (read once, at start). */
size_t sd_spool_nholds(const struct sd_spool *sp);
void sd_spool_hold_text(const struct sd_spool *sp, size_t i,
    char text[SD_SPOOL_WARN_LEN]);

/* What opening the spool found worth saying (entries with a segment's
 * name that are no segment): how many, and each. */
size_t sd_spool_nnotes(const struct sd_spool *sp);
const char *sd_spool_note_text(const struct sd_spool *sp, size_t i);

/* Bytes of a line torn by a crash that opening the spool cut off the
 * last segment (0 when it ended whole). */
uint64_t sd_spool_torn(const struct sd_spool *sp);

/* The segment number a directory entry names, or -1: readings-N.lp
 * with N as the spool writes it (at least 8 digits, no other leading
 * zeros), so one number has one name. */
int64_t sd_spool_seq_of(const char *name);

/* The sink whose cursor file a directory entry is, into name:
 * NAME.cursor with NAME 1 to 31 of [a-z0-9_-], as sinks are named; 0
 * when the entry is no cursor file. */
int sd_spool_cursor_of(const char *entry, char name[32]);

/* What reading a cursor file found. */
enum {
	SD_SPOOL_CURSOR_GONE = -2,	/* names a segment removed since */
	SD_SPOOL_CURSOR_BAD = -1,	/* cannot be trusted */
	SD_SPOOL_CURSOR_NONE = 0,	/* no file */
	SD_SPOOL_CURSOR_OK = 1
};

/* The cursor file at path as text: SD_SPOOL_CURSOR_OK with pos when it
 * is a regular file holding "SEQ OFF\n" (not checked against the
 * segments), _NONE when there is none, _BAD with why otherwise. */
int sd_spool_cursor_read(const char *path, struct sd_spool_pos *pos,
    char why[SD_ERR_LEN]);

/* Left in the spool's directory by a "sockdeckd spool repair" that was
 * stopped before it finished; the server refuses to start while it is
 * there (the next repair finishes the work and removes it). */
#define SD_SPOOL_JOURNAL	"repair.journal"
/* The segments listed and their bytes on disk (the open one's as far
 * as the writer has told the loop), for the metrics. */
void sd_spool_usage(const struct sd_spool *sp, uint64_t *bytes,
    uint64_t *segs);

#endif
