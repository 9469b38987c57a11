/*
 * sockdeckd_ctl.h: "sockdeckd ctl …", the one-shot command-line side of
 * the control socket, as sockdeckd's main hands it its arguments.
 */
#ifndef SOCKDECKD_CTL_H
#define SOCKDECKD_CTL_H

int sockdeckd_ctl_main(int argc, char **argv);

#endif
