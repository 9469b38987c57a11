/*
 * sockdeckd_replay.h: "sockdeckd spool replay", a time range of the
 * spool sent again to one sink.
 */
#ifndef SOCKDECKD_REPLAY_H
#define SOCKDECKD_REPLAY_H

/* Whether the spool tool's command line (argv[0] is "spool") names the
 * replay command: its first word that is no option and no option's
 * value. */
int sockdeckd_replay_wanted(int argc, char **argv);

/* Run "sockdeckd spool ... replay ..."; the exit status: 0 every
 * reading of the range delivered, 1 not (the sink gave up, lines
 * refused, the range unreadable, interrupted), 2 could not start. */
int sockdeckd_replay_main(int argc, char **argv);

#endif
