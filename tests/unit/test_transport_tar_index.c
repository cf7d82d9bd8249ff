/* SPDX-License-Identifier: Apache-2.0 */
/* test_transport_tar_index.c - member offsets, name resolution and refusals of tar_index.c. */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "transport/tar_index.h"

struct ent {
	const char *name;
	char type; /* 'f' file, 'd' dir, 'l' symlink, 'h' hard link */
	const char *data; /* file content, or link target */
};

/* make_tar() - an unnamed temp file holding a pax tar of @ents. */
static int make_tar(const struct ent *ents, size_t n)
{
	char path[] = "/tmp/berth-tar-index-XXXXXX";
	int fd = mkstemp(path);
	struct archive *a = archive_write_new();

	assert_true(fd >= 0);
	unlink(path);
	archive_write_set_format_pax_restricted(a);
	assert_int_equal(archive_write_open_fd(a, fd), ARCHIVE_OK);
	for (size_t i = 0; i < n; i++) {
		struct archive_entry *e = archive_entry_new();
		archive_entry_set_pathname(e, ents[i].name);
		archive_entry_set_perm(e, 0644);
		switch (ents[i].type) {
		case 'f':
			archive_entry_set_filetype(e, AE_IFREG);
			archive_entry_set_size(e, (la_int64_t)strlen(ents[i].data));
			break;
		case 'd':
			archive_entry_set_filetype(e, AE_IFDIR);
			break;
		case 'l':
			archive_entry_set_filetype(e, AE_IFLNK);
			archive_entry_set_symlink(e, ents[i].data);
			break;
		default:
			archive_entry_set_filetype(e, AE_IFREG);
			archive_entry_set_hardlink(e, ents[i].data);
			break;
		}
		assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
		if (ents[i].type == 'f')
			archive_write_data(a, ents[i].data, strlen(ents[i].data));
		archive_entry_free(e);
	}
	archive_write_close(a);
	archive_write_free(a);
	return fd;
}

/* content() - the data of @m, read at its offset. */
static char *content(int fd, const struct tar_member *m)
{
	char *buf = calloc(1, (size_t)m->size + 1);
	assert_int_equal(pread(fd, buf, (size_t)m->size, m->off), m->size);
	return buf;
}

static void expect_content(int fd, const struct tar_member *m, const char *want)
{
	assert_non_null(m);
	assert_int_equal(m->type, TAR_MEMBER_FILE);
	char *got = content(fd, m);
	assert_string_equal(got, want);
	free(got);
}

static void test_offsets_and_resolution(void **state)
{
	static const struct ent ents[] = {
	    {"./manifest.json", 'f', "[]"},
	    {"blobs/", 'd', NULL},
	    {"blobs/sha256/abc", 'f', "layer data"},
	    {"L/layer.tar", 'l', "../blobs/sha256/abc"},
	    {"abs", 'l', "/blobs/sha256/abc"},
	    {"hard", 'h', "blobs/sha256/abc"},
	    {"loop1", 'l', "loop2"},
	    {"loop2", 'l', "loop1"},
	    {"dup", 'f', "first"},
	    {"dup", 'f', "second"},
	};
	int fd = make_tar(ents, sizeof(ents) / sizeof(ents[0]));
	struct tar_index idx = {0};

	assert_int_equal(tar_index_build(fd, "t.tar", &idx, NULL), 0);
	expect_content(fd, tar_index_lstat(&idx, "manifest.json"), "[]");
	expect_content(fd, tar_index_find(&idx, "/./manifest.json"), "[]");
	/* Docker 25's symlinked layer.tar, an absolute link, a hard link */
	expect_content(fd, tar_index_find(&idx, "L/layer.tar"), "layer data");
	assert_int_equal(tar_index_lstat(&idx, "L/layer.tar")->type, TAR_MEMBER_SYMLINK);
	expect_content(fd, tar_index_find(&idx, "abs"), "layer data");
	expect_content(fd, tar_index_find(&idx, "hard"), "layer data");
	/* ".." stops at the top, as RESOLVE_IN_ROOT */
	expect_content(fd, tar_index_find(&idx, "../../../manifest.json"), "[]");
	expect_content(fd, tar_index_find(&idx, "L/../../blobs/sha256/abc"), "layer data");
	/* the last member of a name wins, as unpacking would leave it */
	expect_content(fd, tar_index_find(&idx, "dup"), "second");
	errno = 0;
	assert_null(tar_index_find(&idx, "loop1"));
	assert_int_equal(errno, ELOOP);
	assert_null(tar_index_find(&idx, "../etc/passwd"));
	assert_int_equal(errno, ENOENT);
	tar_index_done(&idx);
	close(fd);
}

static void test_climbing_entry_refused(void **state)
{
	static const struct ent ents[] = {
	    {"manifest.json", 'f', "[]"},
	    {"a/../../escaped", 'f', "x"},
	};
	int fd = make_tar(ents, 2);
	struct tar_index idx = {0};
	berth_error err = {0};

	assert_int_equal(tar_index_build(fd, "t.tar", &idx, &err), -EBADMSG);
	assert_non_null(strstr(err.msg, "escaped"));
	assert_null(idx.m);
	close(fd);
}

static void test_not_a_tar(void **state)
{
	char path[] = "/tmp/berth-tar-index-XXXXXX";
	int fd = mkstemp(path);
	struct tar_index idx = {0};

	unlink(path);
	assert_int_equal(write(fd, "\x1f\x8b\x08\x00", 4), 4);
	assert_true(tar_index_is_compressed(fd));
	assert_true(tar_index_build(fd, "t.tar", &idx, NULL) < 0);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_offsets_and_resolution),
	    cmocka_unit_test(test_climbing_entry_refused),
	    cmocka_unit_test(test_not_a_tar),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
