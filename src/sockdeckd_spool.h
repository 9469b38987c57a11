/*
 * sockdeckd_spool.h: "sockdeckd spool", the spool tool.
 */
#ifndef SOCKDECKD_SPOOL_H
#define SOCKDECKD_SPOOL_H

/* Run "sockdeckd spool ..." (argv[0] is "spool"); the exit status:
 * 0 clean, 1 problems found (or left), 2 could not run. */
int sockdeckd_spool_main(int argc, char **argv);

#endif
