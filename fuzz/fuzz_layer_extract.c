/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_layer_extract.c - libFuzzer target for layer extraction: any byte stream (first byte
 * picks the options, the rest is the blob) must be unpacked or refused with a message, never
 * crash, leak, or write outside the layer directory. A canary directory beside the layer must
 * stay empty and the work dir must hold nothing but the two, or the target aborts.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/layer_extract.h"
#include "util/fileio.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int work_fd = -1;
static char work_path[] = "/tmp/berth-fuzz-layer-XXXXXX";

static void remove_work_dir(void)
{
	rm_rf_at(AT_FDCWD, work_path, NULL);
}

static size_t count_entries(int dirfd, const char *name)
{
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	DIR *d;
	struct dirent *de;
	size_t n = 0;

	if (fd < 0)
		abort();
	d = fdopendir(fd);
	if (!d)
		abort();
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static void make_writable(int parent, const char *name, unsigned depth)
{
	int fd;
	DIR *d;
	struct dirent *de;

	if (depth > LAYER_MAX_DEPTH + 1)
		return;
	if (fchmodat(parent, name, 0700, 0) < 0)
		return;
	fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return;
	}
	while ((de = readdir(d)))
		if (de->d_type == DT_DIR && strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			make_writable(dirfd(d), de->d_name, depth + 1);
	closedir(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct layer_extract_opts o = {
	    /* device nodes are skipped: the fuzzer must not litter /tmp with real ones */
	    .rootless = true,
	    .max_entries = 4096,
	    .max_bytes = 8u << 20,
	};
	berth_error err = {0};
	int in, layer;

	if (work_fd < 0) {
		if (!mkdtemp(work_path))
			abort();
		atexit(remove_work_dir);
		work_fd = open(work_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (work_fd < 0 || mkdirat(work_fd, "canary", 0755) < 0)
			abort();
	}
	if (size < 1)
		return 0;
	o.whiteouts = (enum layer_whiteout_mode)(data[0] % 3);
	o.no_chown = data[0] & 0x10;

	in = memfd_create("blob", MFD_CLOEXEC);
	if (in < 0 || write_all(in, data + 1, size - 1) < 0 || lseek(in, 0, SEEK_SET) != 0)
		abort();
	if (mkdirat(work_fd, "layer", 0755) < 0)
		abort();
	layer = openat(work_fd, "layer", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (layer < 0)
		abort();
	if (layer_extract(layer, in, &o, NULL, &err) < 0 && (err.code >= 0 || !err.msg[0]))
		abort(); /* a failure must come with a code and a message */
	close(in);
	close(layer);

	if (count_entries(work_fd, "canary") != 0 || count_entries(work_fd, ".") != 2)
		abort();
	/* a layer can leave read-only dirs: make them writable so a non-root run can clean up */
	make_writable(work_fd, "layer", 0);
	if (rm_rf_at(work_fd, "layer", NULL) < 0)
		abort();
	return 0;
}
