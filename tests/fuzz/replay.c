/*
 * replay.c: runs the fuzz target over files and directories of inputs, so
 * the seed corpus and every crash the fuzzer ever found replay in each
 * build, with or without clang. A directory with no input fails (a lost
 * corpus must not pass as a replayed one) unless it holds a README: the
 * regression directories, which may rightly be empty.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
replay_file(const char *path)
{
	FILE *fp = fopen(path, "rb");
	uint8_t *buf = NULL;
	long n;
	int rc = 1;

	if (fp == NULL)
		goto out;
	if (fseek(fp, 0, SEEK_END) != 0 || (n = ftell(fp)) < 0 ||
	    fseek(fp, 0, SEEK_SET) != 0)
		goto out_close;
	buf = malloc((size_t)n + 1);
	if (buf == NULL || fread(buf, 1, (size_t)n, fp) != (size_t)n)
		goto out_close;
	LLVMFuzzerTestOneInput(buf, (size_t)n);
	rc = 0;
out_close:
	fclose(fp);
out:
	if (rc)
		fprintf(stderr, "replay: cannot read %s\n", path);
	free(buf);
	return rc;
}

int
main(int argc, char **argv)
{
	struct dirent *de;
	struct stat st;
	char path[4096];
	DIR *dir;
	int i, bad = 0, count = 0, here, readme;

	for (i = 1; i < argc; i++) {
		if (stat(argv[i], &st) != 0 || !S_ISDIR(st.st_mode)) {
			bad += replay_file(argv[i]);
			count++;
			continue;
		}
		dir = opendir(argv[i]);
		if (dir == NULL) {
			bad++;
			continue;
		}
		here = readme = 0;
		while ((de = readdir(dir)) != NULL) {
			if (strcmp(de->d_name, "README") == 0)
				readme = 1;
			if (de->d_name[0] == '.' ||
			    strcmp(de->d_name, "README") == 0)
				continue;
			snprintf(path, sizeof(path), "%s/%s", argv[i],
			    de->d_name);
			bad += replay_file(path);
			here++;
		}
		closedir(dir);
		if (here == 0 && !readme) {
			fprintf(stderr, "replay: %s holds no input\n",
			    argv[i]);
			bad++;
		}
		count += here;
	}
	printf("replayed %d inputs\n", count);
	return bad ? 1 : 0;
}
