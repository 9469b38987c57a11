/*
 * sd_files_name.h: what a stored file is called, from the name a sender
 * gave it: the one place that decides which bytes of a peer's name
 * reach the disk (and, through listings and logs, a terminal).
 * Pure string work: no I/O; bounded by constants, whatever was sent.
 */
#ifndef SD_FILES_NAME_H
#define SD_FILES_NAME_H

#include <stddef.h>

/* Make a sender's file name safe to store (len at least 32): the part
 * after the last '/' or '\\', in Unicode NFC; no control characters,
 * ':' or bidi controls; no leading '.', trailing '.' or ' ', Windows
 * device name (CON, nul.txt: a leading '_') or ".part" ending; bytes
 * that are not UTF-8 become '_'; at most len - 1 bytes, never cutting a
 * character; "file" when nothing is left. */
void sd_files_name_clean(const char *in, size_t n, char *out,
    size_t len);

#endif
