/*
 * sd_slowfs.c: an LD_PRELOAD shim for the file store's tests, a slow
 * disk on demand. Every write() to a regular file whose path holds
 * "/files/" (or $SD_SLOWFS_MATCH, when set) first waits $SD_SLOWFS_MS
 * milliseconds (only the first $SD_SLOWFS_COUNT of them when that is
 * set), and is logged to
 * $SD_SLOWFS_LOG as a line "main" or "helper": the thread it ran on
 * (the event loop is the process's main thread).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

typedef ssize_t (*write_fn)(int, const void *, size_t);

static write_fn
real_write(void)
{
	static write_fn fn;

	if (fn == NULL)
		fn = (write_fn)dlsym(RTLD_NEXT, "write");
	return fn;
}

/* Whether fd is a file of the store. */
static int
slowfs_watched(int fd)
{
	const char *match = getenv("SD_SLOWFS_MATCH");
	char link[64], path[4096];
	struct stat st;
	ssize_t n;

	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		return 0;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, path, sizeof(path) - 1);
	if (n <= 0)
		return 0;
	path[n] = '\0';
	return strstr(path, match != NULL ? match : "/files/") != NULL;
}

static void
slowfs_note(void)
{
	const char *log = getenv("SD_SLOWFS_LOG");
	const char *ms = getenv("SD_SLOWFS_MS");
	const char *count = getenv("SD_SLOWFS_COUNT");
	int main_thread = syscall(SYS_gettid) == getpid();
	static long seen;	/* the store's writes are one thread's */
	struct timespec ts;
	long wait;
	int fd;

	if (log != NULL) {
		fd = open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
		if (fd >= 0) {
			real_write()(fd, main_thread ? "main\n" : "helper\n",
			    main_thread ? 5 : 7);
			close(fd);
		}
	}
	wait = ms != NULL ? strtol(ms, NULL, 10) : 0;
	if (count != NULL && ++seen > strtol(count, NULL, 10))
		wait = 0;
	if (wait > 0) {
		ts.tv_sec = wait / 1000;
		ts.tv_nsec = (wait % 1000) * 1000000L;
		nanosleep(&ts, NULL);
	}
}

ssize_t
write(int fd, const void *buf, size_t n)
{
	if (slowfs_watched(fd))
		slowfs_note();
	return real_write()(fd, buf, n);
}
