/*
 * sockdeckd_device.h: "sockdeckd device", the registry file's editor.
 */
#ifndef SOCKDECKD_DEVICE_H
#define SOCKDECKD_DEVICE_H

/* Run "sockdeckd device ..." (argv[0] is "device"); the exit status:
 * 0 done, 1 could not be done, 2 wrong arguments or a bad file. */
int sockdeckd_device_main(int argc, char **argv);

#endif
