/*
 * sd_datalock.c: the data directory's lock (see sd_datalock.h).
 */
#define _GNU_SOURCE		/* F_OFD_SETLK, F_OFD_GETLK */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sd_datalock.h"
#include "sd_err.h"
#include "sd_esc.h"

/* Who the lock file says holds it, into holder: "WHO (pid PID)",
 * escaped (anyone able to write the file chose those bytes). */
static void
datalock_holder(int fd, char holder[SD_ERR_LEN])
{
	char buf[128], who[96];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	char *sp, *nl;

	snprintf(holder, SD_ERR_LEN, "another process");
	if (n <= 0)
		return;
	buf[n] = '\0';
	sp = strchr(buf, ' ');
	nl = strchr(buf, '\n');
	if (sp == NULL || nl == NULL || nl < sp)
		return;
	*sp = *nl = '\0';
	if (strspn(buf, "0123456789") != strlen(buf) || buf[0] == '\0')
		return;
	sd_esc_text(sp + 1, strlen(sp + 1), who, sizeof(who), 0, NULL);
	snprintf(holder, SD_ERR_LEN, "%s (pid %s)", who, buf);
}

/* The whole file, for a write lock (take) or a test (held). */
static struct flock
datalock_range(void)
{
	struct flock fl;

	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	return fl;
}

int
sd_datalock_take(const char *dir, const char *who, char err[SD_ERR_LEN])
{
	struct flock fl = datalock_range();
	char path[4096], holder[SD_ERR_LEN], line[128];
	int fd, n;

	snprintf(path, sizeof(path), "%.4000s/%s", dir, SD_DATALOCK_NAME);
	fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0640);
	if (fd < 0) {
		snprintf(err, SD_ERR_LEN, "%.200s: %s", path, strerror(errno));
		return -1;
	}
	if (fcntl(fd, F_OFD_SETLK, &fl) != 0) {
		if (errno == EAGAIN || errno == EACCES) {
			datalock_holder(fd, holder);
			snprintf(err, SD_ERR_LEN, "--data-dir %.120s is in use "
			    "by %.100s", dir, holder);
		} else
			snprintf(err, SD_ERR_LEN, "%.200s: %s", path,
			    strerror(errno));
		close(fd);
		return -1;
	}
	n = snprintf(line, sizeof(line), "%ld %.64s\n", (long)getpid(), who);
	if (ftruncate(fd, 0) != 0 || pwrite(fd, line, (size_t)n, 0) != n)
		errno = 0;	/* the lock holds: only the message suffers */
	return fd;
}

int
sd_datalock_held(const char *dir, char holder[SD_ERR_LEN])
{
	struct flock fl = datalock_range();
	char path[4096];
	int fd, rc;

	snprintf(path, sizeof(path), "%.4000s/%s", dir, SD_DATALOCK_NAME);
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0) {
		snprintf(holder, SD_ERR_LEN, "%.200s: %s", path,
		    strerror(errno));
		return -1;
	}
	rc = fcntl(fd, F_OFD_GETLK, &fl);
	if (rc != 0)
		snprintf(holder, SD_ERR_LEN, "%.200s: %s", path,
		    strerror(errno));
	else if (fl.l_type != F_UNLCK)
		datalock_holder(fd, holder);
	close(fd);
	return rc != 0 ? -1 : fl.l_type != F_UNLCK;
}
