/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_store.c - the image store on a temp dir: names, blobs, layers, images, lookup as podman
 * resolves names, tags, deletion, gc, events, times.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "store/events.h"
#include "store/store-internal.h"
#include "store/store-time.h"
#include "store/store.h"
#include "util/fileio.h"
#include "util/lock.h"
#include "util/sha256.h"

struct fixture {
	char dir[64];
	char root[96];
	char runroot[96];
	struct store *s;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	berth_error err = { 0 };

	snprintf(f->dir, sizeof(f->dir), "/tmp/berth-test-store.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->root, sizeof(f->root), "%s/root", f->dir);
	snprintf(f->runroot, sizeof(f->runroot), "%s/run", f->dir);
	assert_int_equal(store_open(f->root, f->runroot, &f->s, &err), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	store_close(f->s);
	rm_rf_at(AT_FDCWD, f->dir, NULL);
	free(f);
	return 0;
}

/* A one-file ustar archive: @name with @content. */
static size_t make_tar(char *buf, size_t cap, const char *name, const char *content)
{
	size_t len = strlen(content), total = 512 + ((len + 511) / 512) * 512 + 1024;
	unsigned sum = 0;
	char *h = buf;

	assert_true(total <= cap);
	memset(buf, 0, total);
	snprintf(h, 100, "%s", name);
	snprintf(h + 100, 8, "%07o", 0644);
	snprintf(h + 108, 8, "%07o", 0);
	snprintf(h + 116, 8, "%07o", 0);
	snprintf(h + 124, 12, "%011o", (unsigned)(len & 07777777));
	snprintf(h + 136, 12, "%011o", 0);
	h[156] = '0';
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	memset(h + 148, ' ', 8);
	for (int i = 0; i < 512; i++)
		sum += (unsigned char)h[i];
	snprintf(h + 148, 8, "%06o", sum);
	memcpy(buf + 512, content, len);
	return total;
}

/* Imports a one-layer image named @name whose file says @content; returns its id. */
static void add_image(struct store *s, const char *name, const char *content,
		      char id[STORE_ID_LEN + 1])
{
	char tar[4096], blob[STORE_DIGEST_LEN + 1], cfgd[STORE_DIGEST_LEN + 1],
		mand[STORE_DIGEST_LEN + 1], layer[STORE_ID_LEN + 1], cfg[1024], man[1024];
	size_t n = make_tar(tar, sizeof(tar), "etc/hello", content);
	berth_error err = { 0 };
	_cleanup_free_ char *norm = NULL;

	assert_int_equal(store_blob_ingest_buf(s, tar, n, NULL, blob, &err), 0);
	assert_int_equal(store_layer_create_from_blob(s, NULL, blob, NULL, NULL, layer, &err), 0);
	snprintf(cfg, sizeof(cfg),
		 "{\"created\":\"2024-01-02T03:04:05Z\",\"architecture\":\"amd64\",\"os\":\"linux\","
		 "\"config\":{},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:%s\"]},\"x\":\"%s\"}",
		 layer, content);
	assert_int_equal(store_blob_ingest_buf(s, cfg, strlen(cfg), NULL, cfgd, &err), 0);
	snprintf(man, sizeof(man), "{\"schemaVersion\":2,\"config\":{\"digest\":\"%s\"},\"layers\":[{\"digest\":\"%s\"}]}",
		 cfgd, blob);
	assert_int_equal(store_blob_ingest_buf(s, man, strlen(man), NULL, mand, &err), 0);
	char *layers[] = { layer, NULL };
	char *names[] = { NULL, NULL };
	if (name) {
		assert_int_equal(store_name_normalize(name, &norm, &err), 0);
		names[0] = norm;
	}
	struct store_image_spec spec = {
		.config_digest = cfgd,
		.manifest_digest = mand,
		.layers = layers,
		.n_layers = 1,
		.names = name ? names : NULL,
	};
	assert_int_equal(store_image_create(s, &spec, id, &err), 0);
}

/* A layer already here is reused for another blob only if that blob really unpacks to it. */
static void test_layer_reuse_verifies_blob(void **state)
{
	struct fixture *f = *state;
	char good[4096], evil[4096], gblob[STORE_DIGEST_LEN + 1], eblob[STORE_DIGEST_LEN + 1];
	char layer[STORE_ID_LEN + 1], again[STORE_ID_LEN + 1], diff_id[STORE_DIGEST_LEN + 1];
	size_t gn = make_tar(good, sizeof(good), "etc/hello", "trusted");
	size_t en = make_tar(evil, sizeof(evil), "etc/hello", "attacker");
	berth_error err = { 0 };

	assert_int_equal(store_blob_ingest_buf(f->s, good, gn, NULL, gblob, &err), 0);
	assert_int_equal(store_blob_ingest_buf(f->s, evil, en, NULL, eblob, &err), 0);
	assert_int_equal(store_layer_create_from_blob(f->s, NULL, gblob, NULL, NULL, layer, &err), 0);
	/* Uncompressed: the diff_id is the blob digest. */
	snprintf(diff_id, sizeof(diff_id), "%s", gblob);
	assert_int_equal(store_layer_create_from_blob(f->s, NULL, gblob, NULL, diff_id, again, &err), 0);
	assert_string_equal(again, layer);
	assert_true(store_layer_create_from_blob(f->s, NULL, eblob, NULL, diff_id, again, &err) < 0);
}

static void test_normalize(void **state)
{
	static const char *const cases[][2] = {
		{ "busybox", "localhost/busybox:latest" },
		{ "busybox:1.36", "localhost/busybox:1.36" },
		{ "foo/bar", "localhost/foo/bar:latest" },
		{ "quay.io/a/b", "quay.io/a/b:latest" },
		{ "docker.io/registry", "docker.io/library/registry:latest" },
		{ "127.0.0.1:5000/app:v2", "127.0.0.1:5000/app:v2" },
		{ "localhost/x", "localhost/x:latest" },
		{ "a/b@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
		  "localhost/a/b@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" },
	};
	static const char *const bad[] = { "", "UPPER", "a//b", "a:", "-a", "a@sha256:12", "a:b c" };
	berth_error err = { 0 };

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *out = NULL;
		assert_int_equal(store_name_normalize(cases[i][0], &out, &err), 0);
		assert_string_equal(out, cases[i][1]);
		free(out);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *out = NULL;
		assert_int_equal(store_name_normalize(bad[i], &out, &err), -EINVAL);
		assert_null(out);
	}
	assert_int_equal(store_name_normalize("UPPER", &(char *){ NULL }, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "must be lowercase"));
}

static void test_blobs(void **state)
{
	struct fixture *f = *state;
	char d[STORE_DIGEST_LEN + 1];
	berth_error err = { 0 };
	char *data = NULL;
	struct stat st;
	char tmp_entries = 0;

	assert_int_equal(store_blob_ingest_buf(f->s, "hello", 5, NULL, d, &err), 0);
	assert_string_equal(d, "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
	assert_true(store_blob_exists(f->s, d));
	assert_int_equal(store_blob_read(f->s, d, 100, &data, NULL, &err), 0);
	assert_string_equal(data, "hello");
	free(data);
	assert_int_equal(store_blob_verify(f->s, d, &err), 0);
	/* a mismatch keeps nothing */
	assert_int_equal(store_blob_ingest_buf(f->s, "hellO", 5, d, NULL, &err), -EBADMSG);
	assert_non_null(strstr(err.msg, "does not match"));
	assert_int_equal(stat(f->root, &st), 0);
	{
		char p[160];
		snprintf(p, sizeof(p), "%s/tmp", f->root);
		int fd = open(p, O_RDONLY | O_DIRECTORY);
		assert_true(fd >= 0);
		char cmd[200];
		snprintf(cmd, sizeof(cmd), "test -z \"$(ls -A %s)\"", p);
		tmp_entries = (char)system(cmd);
		close(fd);
	}
	assert_int_equal(tmp_entries, 0);
	assert_false(store_blob_exists(f->s, "sha256:nothex"));
	assert_int_equal(store_blob_open(f->s, "../../etc/passwd", &(int){ -1 }, &err), -EINVAL);
	/* corruption is detected */
	{
		char p[200];
		snprintf(p, sizeof(p), "%s/blobs/sha256/%s", f->root, d + 7);
		FILE *fp = fopen(p, "a");
		fputs("x", fp);
		fclose(fp);
		assert_int_equal(store_blob_verify(f->s, d, &err), -EBADMSG);
	}
}

static void test_chain_id(void **state)
{
	char id[STORE_ID_LEN + 1], want[SHA256_HEX_LEN + 1];
	const char *d1 = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
	const char *d2 = "sha256:2222222222222222222222222222222222222222222222222222222222222222";
	char buf[256];

	(void)state;
	assert_int_equal(store_layer_chain_id(NULL, d1, id, NULL), 0);
	assert_string_equal(id, d1 + 7);
	assert_int_equal(store_layer_chain_id(d1 + 7, d2, id, NULL), 0);
	snprintf(buf, sizeof(buf), "%s %s", d1, d2);
	sha256_hex_of(buf, strlen(buf), want);
	assert_string_equal(id, want);
}

static void test_images_lookup(void **state)
{
	struct fixture *f = *state;
	char a[STORE_ID_LEN + 1], b[STORE_ID_LEN + 1];
	struct store_image *img = NULL;
	berth_error err = { 0 };
	char ref[80];

	add_image(f->s, "busybox", "a", a);
	add_image(f->s, "myhost:5000/team/registry:2", "b", b);
	assert_string_not_equal(a, b);

	assert_int_equal(store_image_lookup(f->s, "busybox", &img, &err), 0);
	assert_string_equal(img->id, a);
	assert_string_equal(img->names[0], "localhost/busybox:latest");
	assert_int_equal(img->n_layers, 1);
	assert_int_equal(img->created, 1704164645LL * 1000000000LL);
	store_image_free(img);
	assert_int_equal(store_image_lookup(f->s, "registry:2", &img, &err), 0);
	assert_string_equal(img->id, b);
	store_image_free(img);
	assert_int_equal(store_image_lookup(f->s, "team/registry:2", &img, &err), 0);
	store_image_free(img);
	snprintf(ref, sizeof(ref), "sha256:%s", b);
	assert_int_equal(store_image_lookup(f->s, ref, &img, &err), 0);
	assert_string_equal(img->id, b);
	store_image_free(img);
	snprintf(ref, sizeof(ref), "%.6s", a);
	assert_int_equal(store_image_lookup(f->s, ref, &img, &err), 0);
	assert_string_equal(img->id, a);
	store_image_free(img);

	assert_int_equal(store_image_lookup(f->s, "registry", &img, &err), -ENOENT);
	assert_string_equal(err.msg, "registry: image not known");
	assert_int_equal(store_image_lookup(f->s, "nope", &img, &err), -ENOENT);
	assert_string_equal(err.msg, "nope: image not known");

	/* ambiguous short name */
	assert_int_equal(store_image_add_name(f->s, a, "quay.io/x/dup:latest", &err), 0);
	assert_int_equal(store_image_add_name(f->s, b, "quay.io/y/dup:latest", &err), 0);
	assert_int_equal(store_image_lookup(f->s, "dup", &img, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "more than one image"));
	/* localhost wins over suffix matches */
	assert_int_equal(store_image_add_name(f->s, b, "localhost/dup:latest", &err), 0);
	assert_int_equal(store_image_lookup(f->s, "dup", &img, &err), 0);
	assert_string_equal(img->id, b);
	store_image_free(img);

	/* a tag moves */
	assert_int_equal(store_image_add_name(f->s, b, "localhost/busybox:latest", &err), 0);
	assert_int_equal(store_image_lookup(f->s, "busybox", &img, &err), 0);
	assert_string_equal(img->id, b);
	store_image_free(img);
	assert_int_equal(store_image_remove_name(f->s, a, "localhost/busybox:latest", &err), -ENOENT);

	struct store_image **list = NULL;
	size_t n = 0;
	assert_int_equal(store_image_list(f->s, &list, &n, &err), 0);
	assert_int_equal(n, 2);
	store_image_list_free(list, n);
}

static void test_delete_and_gc(void **state)
{
	struct fixture *f = *state;
	char a[STORE_ID_LEN + 1], b[STORE_ID_LEN + 1], path[256];
	struct store_image *img = NULL;
	char **lower = NULL;
	berth_error err = { 0 };
	sqlite3_stmt *st = NULL;
	size_t removed = 99;

	add_image(f->s, "one", "shared", a);
	/* same layer, different config: the layer is shared */
	{
		char tar[4096], blob[STORE_DIGEST_LEN + 1], layer[STORE_ID_LEN + 1];
		size_t n = make_tar(tar, sizeof(tar), "etc/hello", "shared");
		assert_int_equal(store_blob_ingest_buf(f->s, tar, n, NULL, blob, &err), 0);
		assert_int_equal(store_layer_create_from_blob(f->s, NULL, blob, NULL, NULL, layer, &err), 0);
	}
	add_image(f->s, "two", "other", b);
	assert_int_equal(store_image_lower_dirs(f->s, a, &lower, &err), 0);
	snprintf(path, sizeof(path), "%s/hello", lower[0]);
	assert_int_equal(strncmp(lower[0], f->root, strlen(f->root)), 0);
	{
		char *c = NULL;
		char rel[300];
		snprintf(rel, sizeof(rel), "%s/etc/hello", lower[0]);
		assert_int_equal(read_file_at(AT_FDCWD, rel, 100, &c, NULL, &err), 0);
		assert_string_equal(c, "shared");
		free(c);
	}

	/* a container using the image blocks deletion */
	assert_int_equal(store_prepare(f->s, "INSERT INTO containers(id, name, image_id) VALUES ('c1', 'n1', ?)",
				       &st, &err), 0);
	sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
	assert_int_equal(store_image_in_use(f->s, a, NULL, &err), 1);
	assert_int_equal(store_image_delete(f->s, a, &err), -EBUSY);
	assert_string_equal(err.msg, "image is in use by a container: c1; remove it first with berth rm");
	assert_int_equal(store_exec(f->s, "DELETE FROM containers", &err), 0);

	assert_int_equal(store_image_delete(f->s, a, &err), 0);
	assert_int_equal(store_image_lookup(f->s, "one", &img, &err), -ENOENT);
	assert_int_equal(access(lower[0], F_OK), -1);
	strv_free(lower);
	assert_int_equal(store_image_lookup(f->s, "two", &img, &err), 0);
	store_image_free(img);

	/* leftovers of a dead process go, a locked temp file stays */
	{
		char p[256];
		int tfd, held;
		snprintf(p, sizeof(p), "%s/tmp/blob-dead", f->root);
		close(open(p, O_CREAT | O_WRONLY | O_CLOEXEC, 0600));
		snprintf(p, sizeof(p), "%s/tmp/blob-live", f->root);
		tfd = open(p, O_CREAT | O_RDWR | O_CLOEXEC, 0600);
		assert_int_equal(lock_fd(tfd, true, false), 0);
		snprintf(p, sizeof(p), "%s/overlay/deadbeef", f->root);
		assert_int_equal(mkdir(p, 0700), 0);
		/* run gc from a child: flocks are per open file, so our own lock must be foreign */
		pid_t pid = fork();
		if (pid == 0) {
			struct store *s2 = NULL;
			if (store_open(f->root, f->runroot, &s2, NULL) < 0)
				_exit(1);
			int r = store_gc(s2, &removed, NULL);
			store_close(s2);
			_exit(r < 0 ? 1 : removed >= 2 ? 0 : 2);
		}
		int status = 0;
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_int_equal(WEXITSTATUS(status), 0);
		snprintf(p, sizeof(p), "%s/tmp/blob-live", f->root);
		held = access(p, F_OK);
		assert_int_equal(held, 0);
		snprintf(p, sizeof(p), "%s/tmp/blob-dead", f->root);
		assert_int_equal(access(p, F_OK), -1);
		close(tfd);
	}
	/* and the store checks clean */
	struct store_check_report rep = { 0 };
	assert_int_equal(store_check(f->s, false, false, &rep, &err), 0);
	assert_int_equal(rep.n_errors, 0);
	store_check_report_done(&rep);
}

static void test_reopen_migrations(void **state)
{
	struct fixture *f = *state;
	struct store *s2 = NULL;
	berth_error err = { 0 };
	char *v = NULL;

	assert_int_equal(store_meta_set(f->s, "idmap", "0:1000:1", &err), 0);
	assert_int_equal(store_open(f->root, f->runroot, &s2, &err), 0);
	assert_int_equal(store_meta_get(s2, "idmap", &v, &err), 0);
	assert_string_equal(v, "0:1000:1");
	free(v);
	assert_int_equal(store_meta_get(s2, "nope", &v, &err), -ENOENT);
	store_close(s2);
}

static void test_container_dirs(void **state)
{
	struct fixture *f = *state;
	berth_error err = { 0 };
	char *p = NULL, sub[256];
	int lfd = -1;

	assert_int_equal(store_container_dirs_create(f->s, "abc123", &p, &err), 0);
	snprintf(sub, sizeof(sub), "%s/upper", p);
	assert_int_equal(access(sub, F_OK), 0);
	free(p);
	assert_int_equal(store_container_dirs_create(f->s, "../evil", NULL, &err), -EINVAL);
	assert_int_equal(store_container_lock(f->s, "abc123", &lfd, &err), 0);
	close(lfd);
	assert_int_equal(store_container_dirs_remove(f->s, "abc123", &err), 0);
	assert_int_equal(access(sub, F_OK), -1);
}

struct collected {
	int n;
	char last[64];
};

static int collect(json_t *ev, void *ud)
{
	struct collected *c = ud;

	c->n++;
	snprintf(c->last, sizeof(c->last), "%s", json_string_value(json_object_get(ev, "Status")));
	return 0;
}

static void test_events(void **state)
{
	struct fixture *f = *state;
	berth_error err = { 0 };
	struct collected c = { 0 };
	json_t *attrs = json_object();
	struct store_event ev = { .type = "container", .action = "start", .id = "abc", .name = "web",
				  .image = "busybox", .attributes = attrs };

	json_object_set_new(attrs, "containerExitCode", json_string("0"));
	assert_int_equal(store_event_emit(f->runroot, &ev, &err), 0);
	ev.action = "died";
	assert_int_equal(store_event_emit(f->runroot, &ev, &err), 0);
	json_decref(attrs);
	assert_int_equal(store_events_read(f->runroot, 0, 0, false, collect, &c, &err), 0);
	assert_int_equal(c.n, 2);
	assert_string_equal(c.last, "died");
	c.n = 0;
	assert_int_equal(store_events_read(f->runroot, 0, 1000, false, collect, &c, &err), 0);
	assert_int_equal(c.n, 0);
}

static void test_time(void **state)
{
	int64_t t;
	char buf[64];

	(void)state;
	assert_int_equal(store_time_parse("2024-01-02T03:04:05Z", &t), 0);
	assert_int_equal(t, 1704164645LL * 1000000000LL);
	assert_int_equal(store_time_parse("2024-01-02T05:04:05.5+02:00", &t), 0);
	assert_int_equal(t, 1704164645LL * 1000000000LL + 500000000LL);
	assert_int_equal(store_time_parse("2024-13-02T03:04:05Z", &t), -EINVAL);
	assert_int_equal(store_time_parse("yesterday", &t), -EINVAL);
	store_time_format(1704164645LL * 1000000000LL + 123000000LL, buf, sizeof(buf));
	assert_string_equal(buf, "2024-01-02T03:04:05.123Z");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_normalize),
		cmocka_unit_test(test_chain_id),
		cmocka_unit_test(test_time),
		cmocka_unit_test_setup_teardown(test_blobs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_images_lookup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_delete_and_gc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reopen_migrations, setup, teardown),
		cmocka_unit_test_setup_teardown(test_container_dirs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_events, setup, teardown),
		cmocka_unit_test_setup_teardown(test_layer_reuse_verifies_blob, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
