/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of layer_extract(): hostile tarballs are built here with libarchive's writer and
 * unpacked into <tmp>/layer, next to a canary directory <tmp>/canary that must stay untouched.
 */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cmocka.h>

#include "store/layer_diff.h"
#include "store/layer_extract.h"
#include "util/fileio.h"
#include "util/sha256.h"

/* ---- fixture: a temp dir with "layer" and "canary" ---- */

struct fx {
	char tmp[64];
	int tmpfd;
	int layer;
	char canary[128];
};

static int fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	strcpy(f->tmp, "/tmp/berth-layer-test-XXXXXX");
	assert_non_null(mkdtemp(f->tmp));
	f->tmpfd = open(f->tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(f->tmpfd >= 0);
	assert_int_equal(mkdirat(f->tmpfd, "layer", 0755), 0);
	assert_int_equal(mkdirat(f->tmpfd, "canary", 0755), 0);
	f->layer = openat(f->tmpfd, "layer", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(f->layer >= 0);
	snprintf(f->canary, sizeof(f->canary), "%s/canary", f->tmp);
	*state = f;
	return 0;
}

static int fx_teardown(void **state)
{
	struct fx *f = *state;

	close(f->layer);
	assert_int_equal(rm_rf_at(f->tmpfd, "layer", NULL), 0);
	assert_int_equal(rm_rf_at(f->tmpfd, "canary", NULL), 0);
	assert_int_equal(rm_rf_at(f->tmpfd, "layer2", NULL), 0);
	close(f->tmpfd);
	assert_int_equal(rmdir(f->tmp), 0);
	free(f);
	return 0;
}

/* The canary directory holds exactly @expect entries (nothing was written into it). */
static void assert_canary(struct fx *f, int expect)
{
	char cmd[256];
	int n = 0;
	int fd = openat(f->tmpfd, "canary", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	FILE *p;

	assert_true(fd >= 0);
	close(fd);
	snprintf(cmd, sizeof(cmd), "find '%s' -mindepth 1 | wc -l", f->canary);
	p = popen(cmd, "r");
	assert_non_null(p);
	assert_int_equal(fscanf(p, "%d", &n), 1);
	pclose(p);
	assert_int_equal(n, expect);
	/* and nothing appeared next to the layer either */
	assert_int_equal(faccessat(f->tmpfd, "x", F_OK, AT_SYMLINK_NOFOLLOW), -1);
	assert_int_equal(faccessat(f->tmpfd, "pwned", F_OK, AT_SYMLINK_NOFOLLOW), -1);
}

/* ---- tar builder ---- */

struct tb {
	struct archive *a;
	int fd;
};

static struct tb tb_new(int filter)
{
	struct tb t;

	t.fd = memfd_create("layer", MFD_CLOEXEC);
	assert_true(t.fd >= 0);
	t.a = archive_write_new();
	assert_non_null(t.a);
	assert_int_equal(archive_write_set_format_pax_restricted(t.a), ARCHIVE_OK);
	if (filter == 'g')
		assert_int_equal(archive_write_add_filter_gzip(t.a), ARCHIVE_OK);
	else if (filter == 'z')
		assert_int_equal(archive_write_add_filter_zstd(t.a), ARCHIVE_OK);
	assert_int_equal(archive_write_open_fd(t.a, t.fd), ARCHIVE_OK);
	return t;
}

static struct archive_entry *tb_entry(const char *name, mode_t type, mode_t perm)
{
	struct archive_entry *e = archive_entry_new();

	assert_non_null(e);
	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, type);
	archive_entry_set_perm(e, perm);
	archive_entry_set_mtime(e, 1000000000, 0);
	return e;
}

static void tb_put(struct tb *t, struct archive_entry *e, const char *data)
{
	assert_int_equal(archive_write_header(t->a, e), ARCHIVE_OK);
	if (data)
		assert_int_equal(archive_write_data(t->a, data, strlen(data)),
				 (la_ssize_t)strlen(data));
	archive_entry_free(e);
}

static void tb_file(struct tb *t, const char *name, const char *data, mode_t perm)
{
	struct archive_entry *e = tb_entry(name, AE_IFREG, perm);

	archive_entry_set_size(e, (la_int64_t)strlen(data));
	tb_put(t, e, data);
}

static void tb_dir(struct tb *t, const char *name, mode_t perm)
{
	tb_put(t, tb_entry(name, AE_IFDIR, perm), NULL);
}

static void tb_symlink(struct tb *t, const char *name, const char *target)
{
	struct archive_entry *e = tb_entry(name, AE_IFLNK, 0777);

	archive_entry_set_symlink(e, target);
	tb_put(t, e, NULL);
}

static void tb_hardlink(struct tb *t, const char *name, const char *target)
{
	struct archive_entry *e = tb_entry(name, AE_IFREG, 0644);

	archive_entry_set_hardlink(e, target);
	tb_put(t, e, NULL);
}

static void tb_dev(struct tb *t, const char *name, mode_t type, unsigned maj, unsigned min)
{
	struct archive_entry *e = tb_entry(name, type, 0600);

	archive_entry_set_rdevmajor(e, maj);
	archive_entry_set_rdevminor(e, min);
	tb_put(t, e, NULL);
}

/* Finish the archive; return an fd positioned at its start. */
static int tb_done(struct tb *t)
{
	assert_int_equal(archive_write_close(t->a), ARCHIVE_OK);
	archive_write_free(t->a);
	assert_int_equal(lseek(t->fd, 0, SEEK_SET), 0);
	return t->fd;
}

static int extract(struct fx *f, int fd, const struct layer_extract_opts *o,
		   struct layer_extract_stats *st, berth_error *err)
{
	int r = layer_extract(f->layer, fd, o, st, err);

	close(fd);
	return r;
}

static bool exists_in(int dirfd, const char *path)
{
	return faccessat(dirfd, path, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

static void read_in(int dirfd, const char *path, char *buf, size_t size)
{
	int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	ssize_t n;

	assert_true(fd >= 0);
	n = read(fd, buf, size - 1);
	assert_true(n >= 0);
	buf[n] = '\0';
	close(fd);
}

/* ---- tests ---- */

static void test_regular_layer(void **state)
{
	struct fx *f = *state;
	struct tb t = tb_new(0);
	struct layer_extract_stats st;
	berth_error err = {0};
	struct archive_entry *e;
	struct stat s;
	char buf[64];

	tb_dir(&t, "./", 0755);
	tb_dir(&t, "bin", 0555);
	tb_file(&t, "bin/tool", "#!/bin/sh\n", 04755);
	tb_symlink(&t, "bin/sh", "tool");
	tb_hardlink(&t, "bin/tool2", "bin/tool");
	tb_file(&t, "/etc/hostname", "box\n", 0644); /* absolute: stripped */
	e = tb_entry("owned", AE_IFREG, 0640);
	archive_entry_set_uid(e, 1234);
	archive_entry_set_gid(e, 5678);
	archive_entry_set_size(e, 2);
	archive_entry_xattr_add_entry(e, "user.note", "hi", 2);
	archive_entry_xattr_add_entry(e, "trusted.overlay.redirect", "/etc", 4);
	tb_put(&t, e, "ok");
	tb_dev(&t, "fifo", AE_IFIFO, 0, 0);

	assert_int_equal(extract(f, tb_done(&t), NULL, &st, &err), 0);
	assert_int_equal(st.entries, 8);
	assert_int_equal(st.compression, LAYER_COMPRESSION_NONE);
	assert_string_equal(st.digest, st.diff_id);
	assert_int_equal(st.size, st.compressed_size);
	assert_int_equal(st.content_size, 10 + 4 + 2);

	read_in(f->layer, "bin/tool", buf, sizeof(buf));
	assert_string_equal(buf, "#!/bin/sh\n");
	assert_int_equal(fstatat(f->layer, "bin/tool", &s, 0), 0);
	assert_int_equal(s.st_mode & 07777, 04755);
	assert_int_equal(s.st_nlink, 2);
	assert_int_equal(s.st_mtim.tv_sec, 1000000000);
	assert_int_equal(fstatat(f->layer, "bin", &s, 0), 0);
	assert_int_equal(s.st_mode & 07777, 0555);
	assert_int_equal(s.st_mtim.tv_sec, 1000000000);
	assert_int_equal(readlinkat(f->layer, "bin/sh", buf, sizeof(buf)), 4);
	read_in(f->layer, "etc/hostname", buf, sizeof(buf));
	assert_string_equal(buf, "box\n");
	assert_int_equal(fstatat(f->layer, "owned", &s, 0), 0);
	assert_int_equal(s.st_uid, 1234);
	assert_int_equal(s.st_gid, 5678);
	assert_int_equal(s.st_mode & 07777, 0640);
	assert_int_equal(fstatat(f->layer, "fifo", &s, AT_SYMLINK_NOFOLLOW), 0);
	assert_true(S_ISFIFO(s.st_mode));

	char path[256];
	snprintf(path, sizeof(path), "/proc/self/fd/%d/owned", f->layer);
	assert_int_equal(getxattr(path, "user.note", buf, sizeof(buf)), 2);
	assert_int_equal(getxattr(path, "trusted.overlay.redirect", buf, sizeof(buf)), -1);
	/* the unpacked size matches what the tar claimed */
	assert_int_equal(fchmodat(f->layer, "bin", 0755, 0), 0);
	assert_canary(f, 0);
}

static void test_digests_gzip_zstd(void **state)
{
	struct fx *f = *state;
	struct layer_extract_stats plain, gz, zs;
	berth_error err = {0};
	int modes[3] = {0, 'g', 'z'};
	struct layer_extract_stats *out[3] = {&plain, &gz, &zs};

	for (int i = 0; i < 3; i++) {
		struct tb t = tb_new(modes[i]);
		tb_dir(&t, "d", 0755);
		tb_file(&t, "d/f", "same content\n", 0644);
		int fd = tb_done(&t);
		char *data;
		size_t len;
		char hex[65];

		assert_int_equal(read_fd_all(fd, 1 << 20, &data, &len, NULL), 0);
		sha256_hex_of(data, len, hex);
		free(data);
		assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
		assert_int_equal(rm_rf_at(f->layer, "d", NULL), 0);
		assert_int_equal(extract(f, fd, NULL, out[i], &err), 0);
		assert_string_equal(out[i]->digest, hex);
		assert_int_equal(out[i]->compressed_size, len);
		assert_true(exists_in(f->layer, "d/f"));
	}
	assert_int_equal(gz.compression, LAYER_COMPRESSION_GZIP);
	assert_int_equal(zs.compression, LAYER_COMPRESSION_ZSTD);
	assert_string_equal(gz.diff_id, plain.digest);
	assert_string_equal(zs.diff_id, plain.digest);
	assert_string_not_equal(gz.digest, plain.digest);
	assert_int_equal(gz.size, plain.size);
}

static void test_expected_digests(void **state)
{
	struct fx *f = *state;
	struct layer_extract_stats st;
	berth_error err = {0};
	char want[80];
	struct tb t = tb_new('g');

	tb_file(&t, "a", "a", 0644);
	int fd = tb_done(&t);
	int fd2 = dup(fd);
	assert_int_equal(extract(f, fd, NULL, &st, &err), 0);
	assert_int_equal(lseek(fd2, 0, SEEK_SET), 0);
	snprintf(want, sizeof(want), "sha256:%s", st.diff_id);
	struct layer_extract_opts o = {.expect_digest = want, .expect_diff_id = want};
	assert_int_equal(extract(f, fd2, &o, NULL, &err), -EBADMSG);
	assert_non_null(strstr(err.msg, "digest mismatch"));
}

static void test_dotdot_refused(void **state)
{
	struct fx *f = *state;
	berth_error err = {0};
	struct tb t = tb_new(0);

	tb_file(&t, "ok", "x", 0644);
	tb_file(&t, "../../canary/x", "pwned", 0644);
	assert_int_equal(extract(f, tb_done(&t), NULL, NULL, &err), -EXDEV);
	assert_non_null(strstr(err.msg, "../../canary/x"));
	assert_non_null(strstr(err.msg, "\"..\""));
	assert_canary(f, 0);

	t = tb_new(0);
	tb_dir(&t, "a", 0755);
	tb_file(&t, "a/../../x", "pwned", 0644);
	assert_int_equal(extract(f, tb_done(&t), NULL, NULL, &err), -EXDEV);
	assert_canary(f, 0);
}

static void test_symlink_escape_neutralised(void **state)
{
	struct fx *f = *state;
	berth_error err = {0};
	struct tb t = tb_new(0);
	char buf[64];
	struct stat before, after;

	assert_int_equal(stat("/etc/passwd", &before), 0);
	tb_symlink(&t, "evil", "/");
	tb_file(&t, "evil/etc/passwd", "root::0:0::/:/bin/sh\n", 0644);
	tb_symlink(&t, "evil3", "../../../../../../..");
	tb_file(&t, "evil3/pwned", "pwned", 0644);
	assert_int_equal(extract(f, tb_done(&t), NULL, NULL, &err), 0);

	/* everything landed inside the layer */
	read_in(f->layer, "etc/passwd", buf, sizeof(buf));
	assert_string_equal(buf, "root::0:0::/:/bin/sh\n");
	assert_true(exists_in(f->layer, "pwned"));

	/* a symlink to the real canary's absolute path resolves inside the layer, where it
	 * dangles: refused rather than guessed at */
	t = tb_new(0);
	tb_symlink(&t, "evil2", f->canary);
	tb_file(&t, "evil2/pwned", "pwned", 0644);
	assert_int_equal(extract(f, tb_done(&t), NULL, NULL, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "evil2/pwned"));
	assert_non_null(strstr(err.msg, "parent"));
	assert_int_equal(stat("/etc/passwd", &after), 0);
	assert_int_equal(before.st_size, after.st_size);
	assert_int_equal(before.st_mtim.tv_sec, after.st_mtim.tv_sec);
	assert_canary(f, 0);
}

static void test_write_through_existing_symlink(void **state)
{
	struct fx *f = *state;
	berth_error err = {0};
	struct tb t = tb_new(0);
	char target[200], buf[64];
	struct stat s;

	assert_int_equal(write_file_atomic_at(f->tmpfd, "canary/file", "orig", 4, 0644, NULL), 0);
	snprintf(target, sizeof(target), "%s/file", f->canary);
	tb_symlink(&t, "x", target);
	tb_file(&t, "x", "pwned", 0644); /* must replace the symlink, not follow it */
	tb_hardlink(&t, "y", "x");
	tb_file(&t, "y", "new", 0644); /* must replace the hardlink, not write through it */
	assert_int_equal(extract(f, tb_done(&t), NULL, NULL, &err), 0);
	read_in(f->tmpfd, "canary/file", buf, sizeof(buf));
	assert_string_equal(buf, "orig");
	read_in(f->layer, "x", buf, sizeof(buf));
	assert_string_equal(buf, "pwned");
	read_in(f->layer, "y", buf, sizeof(buf));
	assert_string_equal(buf, "new");
	assert_int_equal(fstatat(f->layer, "x", &s, AT_SYMLINK_NOFOLLOW), 0);
	assert_true(S_ISREG(s.st_mode));
	assert_int_equal(s.st_nlink, 1);
	assert_canary(f, 1);
}

static void test_hardlinks_outside_refused(void **state)
{
	struct fx *f = *state;
	berth_error err = {0};
	char target[200];
	struct tb t;

	t = tb_new(0);
	tb_hardlink(&t, "shadow", "/etc/shadow");
	assert_int_equal(extract(f, tb_done(&t), NULL, NULL, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "\"shadow\""));
	assert_non_null(strstr(err.msg, "not in the layer"));

	t = tb_new(0);
	tb_hardlink(&t, "up", "../x");
	assert_int_equal(extract(f, tb_done(&t), NULL, NULL, &err), -EXDEV);

	assert_int_equal(write_file_atomic_at(f->tmpfd, "canary/file", "orig", 4, 0600, NULL), 0);
	snprintf(target, sizeof(target), "%s/file", f->canary);
	t = tb_new(0);
	tb_hardlink(&t, "c", target);
	assert_int_equal(extract(f, tb_done(&t), NULL, NULL, &err), -ENOENT);

	/* through a symlink that points out: resolved inside the root, so still missing */
	t = tb_new(0);
	tb_symlink(&t, "out", f->canary);
	tb_hardlink(&t, "c2", "out/file");
	assert_int_equal(extract(f, tb_done(&t), NULL, NULL, &err), -ENOENT);

	struct stat s;
	assert_int_equal(fstatat(f->tmpfd, "canary/file", &s, 0), 0);
	assert_int_equal(s.st_nlink, 1);
	assert_canary(f, 1);
}

static void test_symlink_loop(void **state)
{
	struct fx *f = *state;
	berth_error err = {0};
	struct tb t = tb_new(0);

	tb_symlink(&t, "a", "b");
	tb_symlink(&t, "b", "a");
	tb_file(&t, "a/x", "x", 0644);
	assert_int_equal(extract(f, tb_done(&t), NULL, NULL, &err), -ELOOP);
	assert_non_null(strstr(err.msg, "symlink loop"));
	assert_canary(f, 0);
}

static void test_devices(void **state)
{
	struct fx *f = *state;
	struct layer_extract_stats st;
	berth_error err = {0};
	struct layer_extract_opts rootless = {.rootless = true};
	struct stat s;
	struct tb t;

	t = tb_new(0);
	tb_dev(&t, "null", AE_IFCHR, 1, 3);
	tb_dev(&t, "sda", AE_IFBLK, 8, 0);
	tb_dev(&t, "wh", AE_IFCHR, 0, 0);
	assert_int_equal(extract(f, tb_done(&t), &rootless, &st, &err), 0);
	assert_int_equal(st.skipped_devices, 2);
	assert_false(exists_in(f->layer, "null"));
	assert_false(exists_in(f->layer, "sda"));
	assert_int_equal(fstatat(f->layer, "wh", &s, AT_SYMLINK_NOFOLLOW), 0);
	assert_true(S_ISCHR(s.st_mode));

	if (geteuid() != 0)
		return;
	t = tb_new(0);
	tb_dev(&t, "null", AE_IFCHR, 1, 3);
	assert_int_equal(extract(f, tb_done(&t), NULL, &st, &err), 0);
	assert_int_equal(fstatat(f->layer, "null", &s, AT_SYMLINK_NOFOLLOW), 0);
	assert_true(S_ISCHR(s.st_mode));
	assert_int_equal(s.st_rdev, makedev(1, 3));
}

static void test_overlay_whiteouts(void **state)
{
	struct fx *f = *state;
	struct layer_extract_stats st;
	berth_error err = {0};
	struct stat s;
	char path[256], v[8];
	struct tb t = tb_new(0);

	tb_dir(&t, "d", 0755);
	tb_file(&t, "d/.wh..wh..opq", "", 0644);
	tb_file(&t, "d/keep", "k", 0644);
	tb_file(&t, ".wh.gone", "", 0644);
	tb_file(&t, "e/.wh.sub", "", 0644); /* parent not listed: created */
	tb_file(&t, "mine", "m", 0644);
	tb_file(&t, ".wh.mine", "", 0644); /* same layer: the file wins */
	tb_file(&t, ".wh..wh.plnk", "", 0644);
	struct layer_extract_opts o = {.rootless = geteuid() != 0};
	assert_int_equal(extract(f, tb_done(&t), &o, &st, &err), 0);
	assert_int_equal(st.whiteouts, 5);

	assert_int_equal(fstatat(f->layer, "gone", &s, AT_SYMLINK_NOFOLLOW), 0);
	assert_true(S_ISCHR(s.st_mode));
	assert_int_equal(s.st_rdev, makedev(0, 0));
	assert_int_equal(fstatat(f->layer, "e/sub", &s, AT_SYMLINK_NOFOLLOW), 0);
	assert_true(S_ISCHR(s.st_mode));
	assert_int_equal(fstatat(f->layer, "mine", &s, AT_SYMLINK_NOFOLLOW), 0);
	assert_true(S_ISREG(s.st_mode));
	assert_false(exists_in(f->layer, ".wh.gone"));
	assert_false(exists_in(f->layer, "d/.wh..wh..opq"));
	assert_false(exists_in(f->layer, ".wh..wh.plnk"));
	snprintf(path, sizeof(path), "/proc/self/fd/%d/d", f->layer);
	assert_int_equal(getxattr(path,
				  o.rootless ? "user.overlay.opaque" : "trusted.overlay.opaque", v,
				  sizeof(v)),
			 1);
	assert_int_equal(v[0], 'y');

	/* rootless marks opaque dirs with the user.* namespace */
	assert_int_equal(rm_rf_at(f->layer, "d", NULL), 0);
	t = tb_new(0);
	tb_dir(&t, "d", 0755);
	tb_file(&t, "d/.wh..wh..opq", "", 0644);
	struct layer_extract_opts rl = {.rootless = true};
	assert_int_equal(extract(f, tb_done(&t), &rl, &st, &err), 0);
	assert_int_equal(getxattr(path, "user.overlay.opaque", v, sizeof(v)), 1);

	/* keep mode: .wh. files stay ordinary files */
	t = tb_new(0);
	tb_file(&t, ".wh.kept", "", 0644);
	struct layer_extract_opts keep = {.whiteouts = LAYER_WHITEOUT_KEEP};
	assert_int_equal(extract(f, tb_done(&t), &keep, &st, &err), 0);
	assert_int_equal(fstatat(f->layer, ".wh.kept", &s, AT_SYMLINK_NOFOLLOW), 0);
	assert_true(S_ISREG(s.st_mode));
	assert_canary(f, 0);
}

static void test_apply_whiteouts(void **state)
{
	struct fx *f = *state;
	struct layer_extract_stats st;
	berth_error err = {0};
	struct tb t;

	/* the lower layer */
	t = tb_new(0);
	tb_file(&t, "a", "a", 0644);
	tb_file(&t, "keep", "k", 0644);
	tb_file(&t, "d/x", "x", 0644);
	tb_file(&t, "d/sub/y", "y", 0644);
	tb_file(&t, "repl/z", "z", 0644);
	struct layer_extract_opts o = {.whiteouts = LAYER_WHITEOUT_APPLY};
	assert_int_equal(extract(f, tb_done(&t), &o, &st, &err), 0);

	/* the upper layer, applied on top */
	t = tb_new(0);
	tb_file(&t, ".wh.a", "", 0644);
	tb_dir(&t, "d", 0755);
	tb_file(&t, "d/.wh..wh..opq", "", 0644);
	tb_file(&t, "d/new", "n", 0644);
	tb_file(&t, "repl", "now a file", 0644); /* a lower directory gives way */
	tb_file(&t, ".wh.nothere", "", 0644);
	assert_int_equal(extract(f, tb_done(&t), &o, &st, &err), 0);
	assert_false(exists_in(f->layer, "a"));
	assert_true(exists_in(f->layer, "keep"));
	assert_false(exists_in(f->layer, "d/x"));
	assert_false(exists_in(f->layer, "d/sub"));
	assert_true(exists_in(f->layer, "d/new"));
	assert_false(exists_in(f->layer, ".wh.a"));
	struct stat s;
	assert_int_equal(fstatat(f->layer, "repl", &s, AT_SYMLINK_NOFOLLOW), 0);
	assert_true(S_ISREG(s.st_mode));
	assert_canary(f, 0);
}

static void test_dir_replaced_by_file_refused(void **state)
{
	struct fx *f = *state;
	berth_error err = {0};
	struct tb t = tb_new(0);

	tb_dir(&t, "d", 0755);
	tb_file(&t, "d/x", "x", 0644);
	tb_file(&t, "d", "file now", 0644);
	assert_int_equal(extract(f, tb_done(&t), NULL, NULL, &err), -EEXIST);
	assert_non_null(strstr(err.msg, "\"d\""));
	assert_true(exists_in(f->layer, "d/x"));
}

static void test_corrupt_streams(void **state)
{
	struct fx *f = *state;
	berth_error err = {0};
	struct tb t = tb_new('g');
	char *data;
	size_t len;
	char big[20000];

	/* incompressible content, so the truncation falls inside the file data */
	for (size_t i = 0; i < sizeof(big) - 1; i++)
		big[i] = (char)('!' + (i * 7919 + i / 3) % 90);
	big[sizeof(big) - 1] = '\0';
	tb_file(&t, "f", big, 0644);
	int fd = tb_done(&t);
	assert_int_equal(read_fd_all(fd, 1 << 20, &data, &len, NULL), 0);
	close(fd);

	int tr = memfd_create("trunc", MFD_CLOEXEC);
	assert_int_equal(write(tr, data, len / 2), (ssize_t)(len / 2));
	lseek(tr, 0, SEEK_SET);
	assert_int_equal(extract(f, tr, NULL, NULL, &err), -EBADMSG);
	assert_non_null(strstr(err.msg, "layer"));

	/* flipped bytes in the middle of the deflate stream */
	data[len / 2] ^= 0x55;
	data[len / 2 + 1] ^= 0xaa;
	int co = memfd_create("corrupt", MFD_CLOEXEC);
	assert_int_equal(write(co, data, len), (ssize_t)len);
	lseek(co, 0, SEEK_SET);
	assert_true(extract(f, co, NULL, NULL, &err) < 0);
	free(data);

	int junk = memfd_create("junk", MFD_CLOEXEC);
	assert_int_equal(write(junk, big, 3000), 3000);
	lseek(junk, 0, SEEK_SET);
	assert_int_equal(extract(f, junk, NULL, NULL, &err), -EBADMSG);
	assert_non_null(strstr(err.msg, "not a valid tar stream"));
	assert_canary(f, 0);
}

static void test_limits(void **state)
{
	struct fx *f = *state;
	berth_error err = {0};
	struct tb t;
	char name[600];

	memset(name, 'n', 300);
	name[300] = '\0';
	t = tb_new(0);
	tb_file(&t, name, "x", 0644);
	assert_int_equal(extract(f, tb_done(&t), NULL, NULL, &err), -ENAMETOOLONG);
	assert_non_null(strstr(err.msg, "255"));

	t = tb_new(0);
	for (int i = 0; i < 3; i++) {
		snprintf(name, sizeof(name), "f%d", i);
		tb_file(&t, name, "x", 0644);
	}
	struct layer_extract_opts o = {.max_entries = 2, .what = "layer sha256:abc"};
	assert_int_equal(extract(f, tb_done(&t), &o, NULL, &err), -E2BIG);
	assert_non_null(strstr(err.msg, "layer sha256:abc"));

	t = tb_new('g');
	char big[10000];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	tb_file(&t, "big", big, 0644);
	struct layer_extract_opts small = {.max_bytes = 4096};
	assert_int_equal(extract(f, tb_done(&t), &small, NULL, &err), -EFBIG);
	assert_non_null(strstr(err.msg, "limit"));
}

static void test_validate_only_and_empty(void **state)
{
	struct fx *f = *state;
	struct layer_extract_stats st;
	berth_error err = {0};
	struct tb t = tb_new('g');

	tb_file(&t, "a", "abc", 0644);
	tb_file(&t, "../evil", "abc", 0644);
	assert_int_equal(layer_extract(-1, tb_done(&t), NULL, &st, &err), -EXDEV);
	close(t.fd);

	t = tb_new('z');
	tb_file(&t, "a", "abc", 0644);
	int fd = tb_done(&t);
	assert_int_equal(layer_extract(-1, fd, NULL, &st, &err), 0);
	close(fd);
	assert_int_equal(st.entries, 1);
	assert_int_equal(st.content_size, 3);
	assert_false(exists_in(f->layer, "a"));

	int empty = memfd_create("empty", MFD_CLOEXEC);
	assert_int_equal(extract(f, empty, NULL, &st, &err), 0);
	assert_int_equal(st.entries, 0);
	assert_string_equal(st.digest,
			    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

/* List a layer stream's entry names, one per line, "name" or "name -> link" */
static void list_stream(int fd, char *out, size_t size)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	size_t o = 0;

	archive_read_support_filter_gzip(a); /* the filters berth writes layers with */
	archive_read_support_filter_zstd(a);
	archive_read_support_format_tar(a);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	assert_int_equal(archive_read_open_fd(a, fd, 4096), ARCHIVE_OK);
	out[0] = '\0';
	while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
		const char *hl = archive_entry_hardlink(e);
		o += (size_t)snprintf(out + o, size - o, "%s%s%s\n", archive_entry_pathname(e),
				      hl ? " => " : "", hl ? hl : "");
		assert_true(o < size);
	}
	archive_read_free(a);
}

static void test_diff_roundtrip(void **state)
{
	struct fx *f = *state;
	struct layer_extract_stats xs;
	struct layer_diff_stats ds, ds2, ds3;
	berth_error err = {0};
	struct tb t = tb_new(0);
	struct stat s;
	char listing[4096], path[256], v[8];

	tb_dir(&t, "d", 0755);
	tb_file(&t, "d/.wh..wh..opq", "", 0644);
	tb_file(&t, "d/in", "inside", 0644);
	tb_file(&t, ".wh.gone", "", 0644);
	tb_file(&t, "bin/tool", "#!/bin/sh\n", 04755);
	tb_hardlink(&t, "bin/tool2", "bin/tool");
	tb_symlink(&t, "bin/sh", "tool");
	tb_dev(&t, "fifo", AE_IFIFO, 0, 0);
	struct archive_entry *e = tb_entry("x", AE_IFREG, 0600);
	archive_entry_set_size(e, 1);
	archive_entry_xattr_add_entry(e, "user.k", "v", 1);
	tb_put(&t, e, "1");
	assert_int_equal(extract(f, tb_done(&t), NULL, &xs, &err), 0);

	int out = memfd_create("diff", MFD_CLOEXEC);
	struct layer_diff_opts o = {.compression = LAYER_DIFF_GZIP};
	assert_int_equal(layer_diff_write(f->layer, out, &o, &ds, &err), 0);
	list_stream(out, listing, sizeof(listing));
	/* sorted by the names on disk: the whiteout of "gone" sorts as "gone" */
	assert_string_equal(listing, "bin/\n"
				     "bin/sh\n"
				     "bin/tool\n"
				     "bin/tool2 => bin/tool\n"
				     "d/\n"
				     "d/.wh..wh..opq\n"
				     "d/in\n"
				     "fifo\n"
				     ".wh.gone\n"
				     "x\n");
	/* the digest is the stream's; the stream unpacks to the same tree */
	char *data;
	size_t len;
	char hex[65];
	assert_int_equal(lseek(out, 0, SEEK_SET), 0);
	assert_int_equal(read_fd_all(out, 1 << 20, &data, &len, NULL), 0);
	sha256_hex_of(data, len, hex);
	free(data);
	assert_string_equal(ds.digest, hex);
	assert_int_equal(ds.compressed_size, len);

	assert_int_equal(mkdirat(f->tmpfd, "layer2", 0755), 0);
	int l2 = openat(f->tmpfd, "layer2", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_int_equal(lseek(out, 0, SEEK_SET), 0);
	assert_int_equal(layer_extract(l2, out, NULL, &xs, &err), 0);
	assert_string_equal(xs.diff_id, ds.diff_id);
	assert_string_equal(xs.digest, ds.digest);
	assert_int_equal(xs.compression, LAYER_COMPRESSION_GZIP);
	assert_int_equal(fstatat(l2, "gone", &s, AT_SYMLINK_NOFOLLOW), 0);
	assert_true(S_ISCHR(s.st_mode) && s.st_rdev == 0);
	assert_int_equal(fstatat(l2, "bin/tool2", &s, 0), 0);
	assert_int_equal(s.st_nlink, 2);
	assert_int_equal(s.st_mode & 07777, 04755);
	snprintf(path, sizeof(path), "/proc/self/fd/%d/d", l2);
	assert_int_equal(getxattr(path,
				  geteuid() ? "user.overlay.opaque" : "trusted.overlay.opaque", v,
				  sizeof(v)),
			 1);
	snprintf(path, sizeof(path), "/proc/self/fd/%d/x", l2);
	assert_int_equal(getxattr(path, "user.k", v, sizeof(v)), 1);

	/* same tree, same bytes: gzip carries no timestamp, walk order is sorted */
	int out2 = memfd_create("diff2", MFD_CLOEXEC);
	assert_int_equal(layer_diff_write(l2, out2, &o, &ds2, &err), 0);
	assert_string_equal(ds2.digest, ds.digest);
	close(out2);
	int out3 = memfd_create("diff3", MFD_CLOEXEC);
	struct layer_diff_opts z = {.compression = LAYER_DIFF_ZSTD};
	assert_int_equal(layer_diff_write(l2, out3, &z, &ds3, &err), 0);
	assert_string_equal(ds3.diff_id, ds.diff_id);
	assert_int_equal(lseek(out3, 0, SEEK_SET), 0);
	assert_int_equal(layer_extract(-1, out3, NULL, &xs, &err), 0);
	assert_int_equal(xs.compression, LAYER_COMPRESSION_ZSTD);
	assert_string_equal(xs.diff_id, ds.diff_id);
	close(out3);
	close(out);
	close(l2);
}

static int write_proc(const char *file, const char *text)
{
	int fd = open(file, O_WRONLY | O_CLOEXEC);
	int r = fd >= 0 && write(fd, text, strlen(text)) == (ssize_t)strlen(text) ? 0 : -1;

	if (fd >= 0)
		close(fd);
	return r;
}

/* Runs in a child inside a fresh user namespace mapping only our own uid: returns 0 or the
 * number of the check that failed. */
static int rootless_child(struct fx *f, int tar_fd, int tar_fd2)
{
	struct layer_extract_stats st;
	berth_error err = {0};
	char uid_map[64], path[256], v[8];
	struct stat s;

	unsigned gid = (unsigned)getegid(); /* reads as the overflow gid once unshared */

	snprintf(uid_map, sizeof(uid_map), "0 %u 1", (unsigned)geteuid());
	if (unshare(CLONE_NEWUSER) < 0)
		return 100; /* no user namespaces here */
	if (write_proc("/proc/self/setgroups", "deny") < 0 ||
	    write_proc("/proc/self/uid_map", uid_map) < 0)
		return 101;
	snprintf(uid_map, sizeof(uid_map), "0 %u 1", gid);
	if (write_proc("/proc/self/gid_map", uid_map) < 0)
		return 102;

	struct layer_extract_opts rl = {.rootless = true};
	if (layer_extract(f->layer, tar_fd, &rl, &st, &err) < 0)
		return 1;
	if (st.chown_skipped != 1 || st.skipped_devices != 1)
		return 2;
	if (fstatat(f->layer, "owned", &s, 0) < 0 || s.st_uid != 0)
		return 3;
	if (fstatat(f->layer, "gone", &s, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISCHR(s.st_mode))
		return 4; /* whiteouts may be created without privileges */
	snprintf(path, sizeof(path), "/proc/self/fd/%d/d", f->layer);
	if (getxattr(path, "user.overlay.opaque", v, sizeof(v)) != 1)
		return 5;
	/* the same owner as root (not rootless) must fail, naming the entry */
	struct layer_extract_opts root = {0};
	if (rm_rf_at(f->tmpfd, "layer2", NULL) < 0 || mkdirat(f->tmpfd, "layer2", 0755) < 0)
		return 6;
	int l2 = openat(f->tmpfd, "layer2", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int r = layer_extract(l2, tar_fd2, &root, NULL, &err);
	close(l2);
	if (r >= 0 || !strstr(err.msg, "\"owned\""))
		return 7;
	return 0;
}

static void test_rootless_user_namespace(void **state)
{
	struct fx *f = *state;
	int fds[2];
	int status;
	pid_t pid;

	for (int i = 0; i < 2; i++) {
		struct tb t = tb_new(0);
		struct archive_entry *e = tb_entry("owned", AE_IFREG, 0644);
		archive_entry_set_uid(e, 1234);
		archive_entry_set_size(e, 1);
		tb_put(&t, e, "x");
		if (i == 0) {
			tb_dev(&t, "null", AE_IFCHR, 1, 3);
			tb_file(&t, ".wh.gone", "", 0644);
			tb_dir(&t, "d", 0755);
			tb_file(&t, "d/.wh..wh..opq", "", 0644);
		}
		fds[i] = tb_done(&t);
	}
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(rootless_child(f, fds[0], fds[1]));
	close(fds[0]);
	close(fds[1]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == 100)
		skip();
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_false(exists_in(f->layer, "null"));
	assert_canary(f, 0);
}

/* A socket cannot go into a pax archive: libarchive refuses it with a message (statically
 * linked, the message comes from src/lib/transport/archive_static.c) and writes nothing. */
static void test_pax_refuses_a_socket(void **state)
{
	struct archive *a = archive_write_new();
	struct archive_entry *e = archive_entry_new();
	char buf[4096];
	size_t used = 0;

	(void)state;
	assert_int_equal(archive_write_set_format_pax_restricted(a), ARCHIVE_OK);
	assert_int_equal(archive_write_open_memory(a, buf, sizeof(buf), &used), ARCHIVE_OK);
	archive_entry_set_pathname(e, "run/ctl.sock");
	archive_entry_set_filetype(e, AE_IFSOCK);
	archive_entry_set_perm(e, 0600);
	assert_int_equal(archive_write_header(a, e), ARCHIVE_FAILED);
	assert_non_null(strstr(archive_error_string(a), "run/ctl.sock"));
	assert_non_null(strstr(archive_error_string(a), "cannot"));
	archive_entry_free(e);
	archive_write_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_regular_layer, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_digests_gzip_zstd, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_expected_digests, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_dotdot_refused, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_symlink_escape_neutralised, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_write_through_existing_symlink, fx_setup,
					    fx_teardown),
	    cmocka_unit_test_setup_teardown(test_hardlinks_outside_refused, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_symlink_loop, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_devices, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_overlay_whiteouts, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_apply_whiteouts, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_dir_replaced_by_file_refused, fx_setup,
					    fx_teardown),
	    cmocka_unit_test_setup_teardown(test_corrupt_streams, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_limits, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_validate_only_and_empty, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_diff_roundtrip, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_rootless_user_namespace, fx_setup, fx_teardown),
	    cmocka_unit_test(test_pax_refuses_a_socket),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
