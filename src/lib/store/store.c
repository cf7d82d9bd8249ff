/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store.c - opening the store, the database and its migrations, transactions, the store lock,
 * the meta table and the containers' writable-layer directories. See store.h for the layout and
 * the crash-safety argument.
 */
#include "store/store.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store/store-internal.h"
#include "util/fileio.h"
#include "util/heap_prefault.h"
#include "util/lock.h"
#include "util/userns.h"
#include "util/macro.h"

#define STORE_BUSY_TIMEOUT_MS 30000
/* heap pages a command that opens the store goes on to touch (SQLite's schema, pages, rows) */
#define STORE_OPEN_HEAP (192 * 1024)
/*
 * WAL frames (4 KiB pages) after which a commit empties the WAL into berth.db: wal_hook().
 * Every process that opens the store reads the whole WAL to rebuild its index (~20 us a
 * frame here: `ps -a` took 1.5-2.5 ms longer with 108 frames than with none), while a
 * checkpoint costs a write command two syncs (~1 ms). 32 bounds the first and keeps the second
 * to about one write command in four; a create+ps+rm+ps loop costs the same at 8, 16 or 128.
 */
#define STORE_WAL_CHECKPOINT_FRAMES 32

struct store {
	char *root;
	char *runroot;
	int root_fd;
	int lock_fd;
	sqlite3 *db;
	pid_t pid;
	dev_t db_dev; /* the database file opened, to tell a store replaced under the path */
	ino_t db_ino;
};

/*
 * Numbered migrations: entry N brings a database from user_version N to N+1. Only ever append.
 * The containers, pods, volumes and exec_sessions tables are created here so that every store
 * file works on the same schema; their queries live in container.c, pod.c, ...
 */
static const char *const migrations[] = {
	/* 1: the initial schema */
	"CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	"CREATE TABLE layers ("
	"  id TEXT PRIMARY KEY,"
	"  parent TEXT REFERENCES layers(id),"
	"  diff_id TEXT NOT NULL,"
	"  compressed_digest TEXT,"
	"  media_type TEXT,"
	"  compressed_size INTEGER NOT NULL DEFAULT 0,"
	"  size INTEGER NOT NULL DEFAULT 0,"
	"  content_size INTEGER NOT NULL DEFAULT 0,"
	"  created INTEGER NOT NULL);"
	"CREATE INDEX layers_parent ON layers(parent);"
	"CREATE TABLE images ("
	"  id TEXT PRIMARY KEY,"
	"  digest TEXT NOT NULL,"
	"  manifest_media_type TEXT NOT NULL,"
	"  config_digest TEXT NOT NULL,"
	"  created INTEGER NOT NULL DEFAULT 0,"
	"  added INTEGER NOT NULL,"
	"  size INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE image_names ("
	"  name TEXT PRIMARY KEY,"
	"  image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,"
	"  seq INTEGER NOT NULL);"
	"CREATE INDEX image_names_image ON image_names(image_id);"
	"CREATE TABLE image_layers ("
	"  image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,"
	"  idx INTEGER NOT NULL,"
	"  layer_id TEXT NOT NULL REFERENCES layers(id),"
	"  blob_digest TEXT NOT NULL,"
	"  PRIMARY KEY (image_id, idx));"
	"CREATE INDEX image_layers_layer ON image_layers(layer_id);"
	"CREATE TABLE pods ("
	"  id TEXT PRIMARY KEY,"
	"  name TEXT UNIQUE NOT NULL,"
	"  created INTEGER,"
	"  config TEXT,"
	"  infra_id TEXT);"
	"CREATE TABLE containers ("
	"  id TEXT PRIMARY KEY,"
	"  name TEXT UNIQUE NOT NULL,"
	"  image_id TEXT REFERENCES images(id),"
	"  image_name TEXT,"
	"  created INTEGER,"
	"  config TEXT,"
	"  state TEXT,"
	"  pid INTEGER,"
	"  pid_start INTEGER,"
	"  monitor_pid INTEGER,"
	"  started_at INTEGER,"
	"  finished_at INTEGER,"
	"  exit_code INTEGER,"
	"  pod_id TEXT,"
	"  restart_count INTEGER DEFAULT 0);"
	"CREATE INDEX containers_image ON containers(image_id);"
	"CREATE TABLE volumes ("
	"  name TEXT PRIMARY KEY,"
	"  created INTEGER,"
	"  driver TEXT,"
	"  mountpoint TEXT,"
	"  labels TEXT,"
	"  options TEXT);"
	"CREATE TABLE exec_sessions ("
	"  id TEXT PRIMARY KEY,"
	"  container_id TEXT,"
	"  config TEXT,"
	"  pid INTEGER,"
	"  exit_code INTEGER,"
	"  running INTEGER);",
};

void store_crash_point(const char *name)
{
	const char *at = getenv("BERTH_STORE_CRASH_AT");

	if (at && strcmp(at, name) == 0)
		raise(SIGKILL);
}

int64_t store_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

sqlite3 *store_db(struct store *s)
{
	return s->db;
}

int store_name_owner(struct store *s, const char *table, const char *name, char **ret_id,
		     berth_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *q = NULL;
	char sql[64];
	int r, rc;

	snprintf(sql, sizeof(sql), "SELECT id FROM %s WHERE name = ?1", table);
	r = store_prepare(s, sql, &q, err);
	if (r < 0)
		return r;
	sqlite3_bind_text(q, 1, name, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(q);
	if (rc == SQLITE_DONE)
		return 0;
	if (rc != SQLITE_ROW)
		return store_sql_error(s, err, "look up a name");
	*ret_id = strdup((const char *)sqlite3_column_text(q, 0));
	return *ret_id ? 1 : berr(err, ENOMEM, "out of memory");
}

int store_sql_error(struct store *s, berth_error *err, const char *what)
{
	int code = sqlite3_errcode(s->db);
	const char *hint = "";
	int e = -EIO;

	if (code == SQLITE_BUSY || code == SQLITE_LOCKED) {
		e = -EBUSY;
		hint = "; another berth process holds the store database, try again";
	} else if (code == SQLITE_CONSTRAINT)
		e = -EEXIST;
	else if (code == SQLITE_CORRUPT || code == SQLITE_NOTADB)
		hint = "; run berth system check";
	return berr(err, e, "%s: store database %s/berth.db: %s%s", what, s->root,
		    sqlite3_errmsg(s->db), hint);
}

int store_exec(struct store *s, const char *sql, berth_error *err)
{
	if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return store_sql_error(s, err, "query");
	return 0;
}

int store_prepare(struct store *s, const char *sql, sqlite3_stmt **ret, berth_error *err)
{
	if (sqlite3_prepare_v2(s->db, sql, -1, ret, NULL) != SQLITE_OK)
		return store_sql_error(s, err, "prepare");
	return 0;
}

char *store_col_strdup(sqlite3_stmt *st, int col, bool *oom)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	char *r;

	if (!t)
		return NULL;
	r = strdup((const char *)t);
	if (!r)
		*oom = true;
	return r;
}

int store_bind_text(sqlite3_stmt *st, int idx, const char *v)
{
	return v ? sqlite3_bind_text(st, idx, v, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(st, idx);
}

int store_rows(struct store *s, sqlite3_stmt *st, void *(*conv)(sqlite3_stmt *st),
	       void (*free_row)(void *row), void ***ret, size_t *ret_n, const char *what,
	       berth_error *err)
{
	void **list = NULL;
	size_t n = 0, cap = 0;
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			void **nl = realloc(list, ncap * sizeof(*nl));
			if (!nl)
				break;
			list = nl;
			cap = ncap;
		}
		if (!(list[n] = conv(st)))
			break;
		n++;
	}
	if (rc != SQLITE_DONE) {
		while (n > 0)
			free_row(list[--n]);
		free(list);
		return rc == SQLITE_ROW ? berr(err, ENOMEM, "out of memory")
					: store_sql_error(s, err, what);
	}
	*ret = list;
	*ret_n = n;
	return 0;
}

int store_tx_begin(struct store *s, berth_error *err)
{
	if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return store_sql_error(s, err, "begin transaction");
	return 0;
}

int store_tx_commit(struct store *s, berth_error *err)
{
	if (sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		int r = store_sql_error(s, err, "commit");
		store_tx_rollback(s);
		return r;
	}
	return 0;
}

void store_tx_rollback(struct store *s)
{
	if (!sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

static int user_version(struct store *s, int *ret, berth_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	int r = store_prepare(s, "PRAGMA user_version", &st, err);

	if (r < 0)
		return r;
	if (sqlite3_step(st) != SQLITE_ROW)
		return store_sql_error(s, err, "read schema version");
	*ret = sqlite3_column_int(st, 0);
	return 0;
}

static int migrate(struct store *s, berth_error *err)
{
	int v, r;

	r = user_version(s, &v, err);
	if (r < 0)
		return r;
	if (v == (int)ELEMENTSOF(migrations))
		return 0;
	r = store_tx_begin(s, err);
	if (r < 0)
		return r;
	/* Re-read inside the write transaction: another process may have migrated meanwhile. */
	r = user_version(s, &v, err);
	if (r < 0)
		goto fail;
	if (v > (int)ELEMENTSOF(migrations)) {
		r = berr(err, EPROTO,
			 "store %s has schema version %d, newer than this berth knows (%zu); upgrade berth",
			 s->root, v, ELEMENTSOF(migrations));
		goto fail;
	}
	for (; v < (int)ELEMENTSOF(migrations); v++) {
		char pragma[64];
		r = store_exec(s, migrations[v], err);
		if (r < 0) {
			berr_prefix(err, "migration %d", v + 1);
			goto fail;
		}
		snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", v + 1);
		r = store_exec(s, pragma, err);
		if (r < 0)
			goto fail;
	}
	return store_tx_commit(s, err);
fail:
	store_tx_rollback(s);
	return r;
}

/*
 * wal_hook() - after each commit: once the WAL holds STORE_WAL_CHECKPOINT_FRAMES frames, copy
 * them into berth.db and empty the WAL (a TRUNCATE checkpoint).
 *
 * SQLite's own auto-checkpoint (PASSIVE) never empties the WAL for berth: it restarts the WAL
 * only for a connection that began reading after a complete checkpoint, and every berth
 * command is a new process whose first connection rebuilds the WAL index from the file,
 * which sets the checkpointed count back to 0. So the WAL only grew, every commit past the
 * threshold re-copied all of it with two fdatasync()s, and every command (ps too) read and
 * checksummed all of it when it opened the store: ~1.5 us per 4 KiB frame, 5 frames a create.
 * The checkpoint never waits for a reader or writer (busy timeout 0 meanwhile): if one is
 * active it returns SQLITE_BUSY and the next commit tries again.
 */
static int wal_hook(void *unused, sqlite3 *db, const char *name, int frames)
{
	if (frames < STORE_WAL_CHECKPOINT_FRAMES)
		return SQLITE_OK;
	sqlite3_busy_timeout(db, 0);
	sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
	sqlite3_busy_timeout(db, STORE_BUSY_TIMEOUT_MS);
	return SQLITE_OK;
}

/*
 * No bulk page-cache allocation per connection: SQLite would build a free list through 20
 * page-sized slots at the first read, touching (faulting in) every one of them, while nearly
 * every page a berth command reads comes through mmap_size's mapping and never needs a slot.
 * Page faults are the larger part of a short command's time on the VMs berth runs on.
 */
static void sqlite_configure_once(void)
{
	sqlite3_config(SQLITE_CONFIG_PAGECACHE, NULL, 0, 0);
}

static int open_db(struct store *s, berth_error *err)
{
	static pthread_once_t configured = PTHREAD_ONCE_INIT;
	_cleanup_free_ char *path = NULL;
	struct stat st;
	int r;

	pthread_once(&configured, sqlite_configure_once);
	if (asprintf(&path, "%s/berth.db", s->root) < 0)
		return berr(err, ENOMEM, "out of memory");
	/* SQLite opens its files with O_CLOEXEC itself (unix VFS, since 3.7.x). */
	r = sqlite3_open_v2(path, &s->db,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (r != SQLITE_OK) {
		r = berr(err, EIO, "open store database %s: %s", path,
			 s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(r));
		return r;
	}
	sqlite3_busy_timeout(s->db, STORE_BUSY_TIMEOUT_MS);
	if (fstatat(s->root_fd, "berth.db", &st, 0) == 0) {
		s->db_dev = st.st_dev;
		s->db_ino = st.st_ino;
	}
	/*
	 * Every berth command is a short-lived connection. By default the last one to close
	 * checkpoints the WAL into berth.db and deletes it: two fdatasync()s, an unlink and, on the
	 * next open, a new WAL whose creation syncs the directory too: about 4 syncs per command.
	 * Keeping the WAL across connections leaves checkpoints to wal_hook(), every
	 * STORE_WAL_CHECKPOINT_FRAMES frames: each process rebuilds the WAL index by reading every
	 * frame (one pread each), so a small WAL keeps `ps` fast while a checkpoint's two syncs
	 * come every few write commands.
	 * Crash safety is unchanged: with synchronous=NORMAL under WAL a crash (even of the
	 * machine) never corrupts the database, a power loss may only lose the last transactions,
	 * which describe containers that the same power loss ended anyway; `system check` repairs
	 * the rest from the files, as after any crash.
	 */
	sqlite3_db_config(s->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
	sqlite3_wal_hook(s->db, wal_hook, NULL);
	/*
	 * mmap_size: SQLite reads pages through a read-only mapping instead of a pread() each
	 * (`ps -a` with 640 containers: 38 preads instead of 196).
	 *
	 * Switching a new database to WAL, or opening a WAL another process is recovering, can
	 * fail with SQLITE_BUSY without SQLite calling the busy handler (two first commands on
	 * a fresh store at once): retry for as long as the busy timeout would have waited.
	 */
	for (int waited_ms = 0;; waited_ms += 5) {
		r = store_exec(s,
			       "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
			       "PRAGMA foreign_keys=ON; PRAGMA journal_size_limit=1048576; "
			       "PRAGMA mmap_size=268435456;",
			       err);
		if (r != -EBUSY || waited_ms >= STORE_BUSY_TIMEOUT_MS)
			break;
		berr_clear(err);
		nanosleep(&(struct timespec){ .tv_nsec = 5 * 1000000L }, NULL);
	}
	if (r < 0)
		return r;
	return migrate(s, err);
}

static int ensure_dirs(struct store *s, berth_error *err)
{
	static const char *const subdirs[] = { "blobs", "blobs/sha256", "overlay",
					       "overlay-containers", "tmp" };
	int r;

	r = mkdir_p(s->root, 0700, err);
	if (r < 0)
		return r;
	r = mkdir_p(s->runroot, 0700, err);
	if (r < 0)
		return r;
	s->root_fd = open(s->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->root_fd < 0)
		return berr_errno(err, errno, "open store root %s", s->root);
	for (size_t i = 0; i < ELEMENTSOF(subdirs); i++)
		if (mkdirat(s->root_fd, subdirs[i], 0700) < 0 && errno != EEXIST)
			return berr_errno(err, errno, "create %s/%s", s->root, subdirs[i]);
	return 0;
}

int store_open(const char *root, const char *runroot, struct store **ret, berth_error *err)
{
	_cleanup_store_ struct store *s = calloc(1, sizeof(*s));
	int r;

	heap_prefault(STORE_OPEN_HEAP);
	if (!s)
		return berr(err, ENOMEM, "out of memory");
	s->root_fd = -1;
	s->lock_fd = -1;
	s->pid = getpid();
	s->root = strdup(root);
	s->runroot = strdup(runroot);
	if (!s->root || !s->runroot)
		return berr(err, ENOMEM, "out of memory");
	r = ensure_dirs(s, err);
	if (r < 0)
		return r;
	r = open_db(s, err);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(s);
	return 0;
}

void store_close(struct store *s)
{
	if (!s)
		return;
	/* A child of fork() must not touch the parent's SQLite connection (sqlite.org/howtocorrupt). */
	if (s->db && s->pid == getpid())
		sqlite3_close_v2(s->db);
	if (s->root_fd >= 0)
		close(s->root_fd);
	if (s->lock_fd >= 0)
		close(s->lock_fd);
	free(s->root);
	free(s->runroot);
	free(s);
}

bool store_recycle(struct store *s)
{
	struct stat st;

	if (!s || !s->db || s->pid != getpid())
		return false;
	store_unlock(s);
	store_tx_rollback(s);
	/* a statement left unfinalized would keep a read snapshot: later reads would be stale */
	if (sqlite3_next_stmt(s->db, NULL))
		return false;
	return fstatat(s->root_fd, "berth.db", &st, 0) == 0 && st.st_dev == s->db_dev &&
	       st.st_ino == s->db_ino;
}

const char *store_root(const struct store *s)
{
	return s->root;
}

const char *store_runroot(const struct store *s)
{
	return s->runroot;
}

int store_root_fd(const struct store *s)
{
	return s->root_fd;
}

int store_lock(struct store *s, bool exclusive, berth_error *err)
{
	int r;

	if (s->lock_fd < 0) {
		r = lock_open_at(s->root_fd, "store.lock", exclusive, true, &s->lock_fd, err);
		return r;
	}
	r = lock_fd(s->lock_fd, exclusive, true);
	if (r < 0)
		return berr_errno(err, -r, "lock store %s", s->root);
	return 0;
}

void store_unlock(struct store *s)
{
	if (s->lock_fd >= 0) {
		close(s->lock_fd);
		s->lock_fd = -1;
	}
}

/* ---- meta ---- */

int store_meta_get(struct store *s, const char *key, char **ret, berth_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	bool oom = false;
	char *v;
	int r = store_prepare(s, "SELECT value FROM meta WHERE key = ?", &st, err);

	if (r < 0)
		return r;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	r = sqlite3_step(st);
	if (r == SQLITE_DONE)
		return -ENOENT;
	if (r != SQLITE_ROW)
		return store_sql_error(s, err, "read store metadata");
	v = store_col_strdup(st, 0, &oom);
	if (!v)
		return berr(err, ENOMEM, "out of memory");
	*ret = v;
	return 0;
}

int store_meta_set(struct store *s, const char *key, const char *value, berth_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	int r = store_prepare(s,
			      value ? "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)"
				    : "DELETE FROM meta WHERE key = ?",
			      &st, err);

	if (r < 0)
		return r;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if (value)
		sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		return store_sql_error(s, err, "write store metadata");
	return 0;
}

/* ---- containers' writable layers ---- */

static bool id_safe(const char *id)
{
	if (!id || !*id || strlen(id) > 128 || strcmp(id, ".") == 0 || strcmp(id, "..") == 0)
		return false;
	for (const char *p = id; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      *p == '-' || *p == '_' || *p == '.'))
			return false;
	return true;
}

int store_container_dir_path(const struct store *s, const char *id, const char *sub, char **ret,
			     berth_error *err)
{
	if (!id_safe(id))
		return berr(err, EINVAL, "invalid container id \"%s\"", id ? id : "");
	if (asprintf(ret, "%s/overlay-containers/%s%s%s", s->root, id, sub ? "/" : "",
		     sub ? sub : "") < 0)
		return berr(err, ENOMEM, "out of memory");
	return 0;
}

int store_container_dirs_create(struct store *s, const char *id, char **ret_path,
				berth_error *err)
{
	static const char *const subs[] = { "upper", "work", "merged" };
	_cleanup_close_ int base = -1, dir = -1;

	if (!id_safe(id))
		return berr(err, EINVAL, "invalid container id \"%s\"", id ? id : "");
	base = openat(s->root_fd, "overlay-containers", O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (base < 0)
		return berr_errno(err, errno, "open %s/overlay-containers", s->root);
	if (mkdirat(base, id, 0700) < 0 && errno != EEXIST)
		return berr_errno(err, errno, "create %s/overlay-containers/%s", s->root, id);
	dir = openat(base, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (dir < 0)
		return berr_errno(err, errno, "open %s/overlay-containers/%s", s->root, id);
	for (size_t i = 0; i < ELEMENTSOF(subs); i++)
		if (mkdirat(dir, subs[i], 0755) < 0 && errno != EEXIST)
			return berr_errno(err, errno, "create %s/overlay-containers/%s/%s", s->root, id,
					  subs[i]);
	if (ret_path)
		return store_container_dir_path(s, id, NULL, ret_path, err);
	return 0;
}

int store_container_dirs_remove(struct store *s, const char *id, berth_error *err)
{
	_cleanup_close_ int base = -1;
	int r;

	if (!id_safe(id))
		return berr(err, EINVAL, "invalid container id \"%s\"", id ? id : "");
	base = openat(s->root_fd, "overlay-containers", O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (base < 0)
		return berr_errno(err, errno, "open %s/overlay-containers", s->root);
	r = rm_rf_at(base, id, err);
	if (r < 0 && r != -ENOENT)
		return r;
	return 0;
}

int store_container_lock(struct store *s, const char *id, int *ret_fd, berth_error *err)
{
	_cleanup_free_ char *dir = NULL, *name = NULL;
	_cleanup_close_ int dfd = -1;
	int r;

	if (!id_safe(id))
		return berr(err, EINVAL, "invalid container id \"%s\"", id ? id : "");
	if (asprintf(&dir, "%s/locks", s->runroot) < 0 || asprintf(&name, "%s.lock", id) < 0)
		return berr(err, ENOMEM, "out of memory");
	r = mkdir_p(dir, 0700, err);
	if (r < 0)
		return r;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return berr_errno(err, errno, "open %s", dir);
	return lock_open_at(dfd, name, true, true, ret_fd, err);
}

/* ---- rootless: the store's id mapping ---- */

bool store_is_rootless(const struct store *s)
{
	(void)s;
	return geteuid() != 0;
}

int store_idmap(struct store *s, struct userns_mapping *ret, berth_error *err)
{
	_cleanup_free_ char *have = NULL, *want = NULL;
	struct userns_mapping cur;
	int r;

	r = userns_mapping_for_user(getuid(), getgid(), NULL, "/etc/subuid", "/etc/subgid", &cur, err);
	if (r < 0)
		return r;
	want = userns_mapping_format(&cur);
	if (!want)
		return berr(err, ENOMEM, "out of memory");
	r = store_meta_get(s, "idmap", &have, err);
	if (r == -ENOENT) {
		/* First use: this mapping is the store's from now on (DESIGN.md, "Rootless"). */
		r = store_meta_set(s, "idmap", want, err);
		if (r < 0)
			return r;
	} else if (r < 0)
		return r;
	else if (strcmp(have, want) != 0)
		return berr(err, EPERM,
			    "store %s was set up with the id mapping %s, but /etc/subuid and /etc/subgid now give %s; run berth system migrate",
			    s->root, have, want);
	*ret = cur;
	return 0;
}

struct rm_job {
	int dirfd;
	const char *name;
};

static int rm_in_ns(void *data, berth_error *err)
{
	struct rm_job *j = data;

	return rm_rf_at(j->dirfd, j->name, err);
}

int store_rm_rf_at(struct store *s, int dirfd, const char *name, berth_error *err)
{
	struct userns_mapping m;
	struct rm_job j = { dirfd, name };
	int r;

	if (!store_is_rootless(s))
		return rm_rf_at(dirfd, name, err);
	/* Files owned by subordinate ids can only be removed from inside the store's namespace. */
	r = rm_rf_at(dirfd, name, NULL);
	if (r >= 0)
		return 0;
	r = store_idmap(s, &m, err);
	if (r < 0)
		return r;
	return userns_run(&m, rm_in_ns, &j, err);
}
