/*
 * sockdeckd_spool.h: "sockdeckd spool", the spool tool.
 */
#ifndef SOCKDECKD_SPOOL_H
#define SOCKDECKD_SPOOL_H

#include <stdio.h>

/* Run "sockdeckd spool ..." (argv[0] is "spool"); the exit status:
 * 0 clean, 1 problems found (or left), 2 could not run. */
int sockdeckd_spool_main(int argc, char **argv);

/* The spool tool's --help, every command's (replay's too). */
void sockdeckd_spool_usage(FILE *fp);

#endif
