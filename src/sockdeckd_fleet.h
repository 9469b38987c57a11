/*
 * sockdeckd_fleet.h: "sockdeckd fleet TARGET...", one screen over
 * several servers' control sockets (sockdeckd_fleet_main.c).
 */
#ifndef SOCKDECKD_FLEET_H
#define SOCKDECKD_FLEET_H

/* argv[0] is "fleet"; the exit status. */
int sockdeckd_fleet_main(int argc, char **argv);

#endif
