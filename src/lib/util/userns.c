/* SPDX-License-Identifier: Apache-2.0 */
#include "util/userns.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/sched.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/fileio.h"

static int parse_u32(const char *s, size_t len, uint32_t *ret)
{
	uint64_t v = 0;

	if (len == 0 || len > 10)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > UINT32_MAX)
		return -ERANGE;
	*ret = (uint32_t)v;
	return 0;
}

static bool ranges_overlap(uint32_t a, uint32_t alen, uint32_t b, uint32_t blen)
{
	return (uint64_t)a < (uint64_t)b + blen && (uint64_t)b < (uint64_t)a + alen;
}

int userns_idmap_validate(const struct userns_idmap *m, const char *what, berth_error *err)
{
	if (m->n == 0)
		return berr(err, EINVAL, "%s mapping is empty; give at least one range", what);
	for (size_t i = 0; i < m->n; i++) {
		const struct userns_range *r = &m->ranges[i];
		if (r->count == 0)
			return berr(err, EINVAL, "%s mapping line %zu has size 0", what, i + 1);
		if ((uint64_t)r->inside + r->count > (uint64_t)UINT32_MAX + 1 ||
		    (uint64_t)r->outside + r->count > (uint64_t)UINT32_MAX + 1)
			return berr(err, ERANGE,
				    "%s mapping line %zu overflows the 32-bit id space", what,
				    i + 1);
		for (size_t j = 0; j < i; j++) {
			const struct userns_range *o = &m->ranges[j];
			if (ranges_overlap(r->inside, r->count, o->inside, o->count) ||
			    ranges_overlap(r->outside, r->count, o->outside, o->count))
				return berr(err, EINVAL, "%s mapping lines %zu and %zu overlap",
					    what, j + 1, i + 1);
		}
	}
	return 0;
}

int userns_subid_parse(const char *text, const char *name, uint32_t id, struct userns_idmap *ret,
		       berth_error *err)
{
	struct userns_idmap out = {.n = 0};
	char idstr[16];
	unsigned lineno = 0;

	snprintf(idstr, sizeof(idstr), "%u", id);
	for (const char *line = text; line && *line;) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		const char *c1, *c2;
		uint32_t start, count;

		lineno++;
		while (len > 0 && (line[0] == ' ' || line[0] == '\t')) {
			line++;
			len--;
		}
		while (len > 0 &&
		       (line[len - 1] == ' ' || line[len - 1] == '\t' || line[len - 1] == '\r'))
			len--;
		if (len == 0 || line[0] == '#')
			goto next;
		c1 = memchr(line, ':', len);
		c2 = c1 ? memchr(c1 + 1, ':', len - (size_t)(c1 + 1 - line)) : NULL;
		if (!c1 || !c2)
			return berr(
			    err, EINVAL,
			    "subordinate id file line %u is not NAME:START:COUNT; fix the file",
			    lineno);
		size_t klen = (size_t)(c1 - line);
		bool match = (name && strlen(name) == klen && memcmp(line, name, klen) == 0) ||
			     (strlen(idstr) == klen && memcmp(line, idstr, klen) == 0);
		if (parse_u32(c1 + 1, (size_t)(c2 - c1 - 1), &start) < 0 ||
		    parse_u32(c2 + 1, len - (size_t)(c2 + 1 - line), &count) < 0)
			return berr(
			    err, EINVAL,
			    "subordinate id file line %u has a bad start or count; fix the file",
			    lineno);
		if (!match || count == 0)
			goto next;
		if (start == 0)
			return berr(err, EINVAL,
				    "subordinate id file line %u maps id 0 to a user; fix the file",
				    lineno);
		if ((uint64_t)start + count > (uint64_t)UINT32_MAX + 1)
			return berr(err, ERANGE,
				    "subordinate id file line %u overflows; fix the file", lineno);
		for (size_t j = 0; j < out.n; j++)
			if (ranges_overlap(start, count, out.ranges[j].outside,
					   out.ranges[j].count))
				return berr(err, EINVAL,
					    "subordinate id file line %u overlaps an earlier range "
					    "of the same user; fix the file",
					    lineno);
		if (out.n == USERNS_MAX_RANGES)
			return berr(err, E2BIG,
				    "more than %d subordinate ranges for %s; merge them",
				    USERNS_MAX_RANGES, name ? name : idstr);
		out.ranges[out.n++] = (struct userns_range){0, start, count};
	next:
		line = end ? end + 1 : NULL;
	}
	*ret = out;
	return (int)out.n;
}

static int build_idmap(uint32_t own, const char *path, const char *name, uint32_t id,
		       struct userns_idmap *ret, berth_error *err)
{
	_cleanup_free_ char *text = NULL;
	struct userns_idmap sub;
	uint64_t next = 1;
	int r;

	r = read_file_at(AT_FDCWD, path, USERNS_SUBID_FILE_MAX, &text, NULL, err);
	if (r == -ENOENT)
		sub.n = 0;
	else if (r < 0)
		return r;
	else if ((r = userns_subid_parse(text, name, id, &sub, err)) < 0)
		return berr_prefix(err, "%s", path);

	ret->n = 0;
	ret->ranges[ret->n++] = (struct userns_range){0, own, 1};
	for (size_t i = 0; i < sub.n && ret->n < USERNS_MAX_RANGES; i++) {
		if (next + sub.ranges[i].count > (uint64_t)UINT32_MAX)
			break;
		ret->ranges[ret->n++] = (struct userns_range){(uint32_t)next, sub.ranges[i].outside,
							      sub.ranges[i].count};
		next += sub.ranges[i].count;
	}
	return 0;
}

int userns_mapping_for_user(uid_t uid, gid_t gid, const char *name, const char *subuid_path,
			    const char *subgid_path, struct userns_mapping *ret, berth_error *err)
{
	struct userns_mapping m;
	char buf[4096];
	struct passwd pw, *pwp = NULL;
	int r;

	if (!name && getpwuid_r(uid, &pw, buf, sizeof(buf), &pwp) == 0 && pwp)
		name = pwp->pw_name;
	r = build_idmap(uid, subuid_path, name, uid, &m.uid, err);
	if (r < 0)
		return r;
	/* /etc/subgid is keyed by user name (or uid), as newgidmap reads it. */
	r = build_idmap(gid, subgid_path, name, uid, &m.gid, err);
	if (r < 0)
		return r;
	*ret = m;
	return 0;
}

static int format_idmap(FILE *f, const struct userns_idmap *m)
{
	for (size_t i = 0; i < m->n; i++)
		if (fprintf(f, "%s%u:%u:%u", i ? "," : "", m->ranges[i].inside,
			    m->ranges[i].outside, m->ranges[i].count) < 0)
			return -EIO;
	return 0;
}

char *userns_mapping_format(const struct userns_mapping *m)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int r;

	if (!f)
		return NULL;
	r = fputs("uid=", f) < 0 ? -EIO : format_idmap(f, &m->uid);
	if (r == 0)
		r = fputs(";gid=", f) < 0 ? -EIO : format_idmap(f, &m->gid);
	if (fclose(f) != 0 || r < 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

static int parse_idmap(const char *s, size_t len, struct userns_idmap *ret, berth_error *err)
{
	ret->n = 0;
	while (len > 0) {
		const char *comma = memchr(s, ',', len);
		size_t l = comma ? (size_t)(comma - s) : len;
		const char *c1 = memchr(s, ':', l);
		const char *c2 = c1 ? memchr(c1 + 1, ':', l - (size_t)(c1 + 1 - s)) : NULL;
		struct userns_range r;

		if (!c1 || !c2 || ret->n == USERNS_MAX_RANGES ||
		    parse_u32(s, (size_t)(c1 - s), &r.inside) < 0 ||
		    parse_u32(c1 + 1, (size_t)(c2 - c1 - 1), &r.outside) < 0 ||
		    parse_u32(c2 + 1, l - (size_t)(c2 + 1 - s), &r.count) < 0)
			return berr(err, EINVAL, "id mapping \"%.*s\" is not INSIDE:OUTSIDE:COUNT",
				    (int)l, s);
		ret->ranges[ret->n++] = r;
		if (!comma)
			break;
		len -= l + 1;
		s = comma + 1;
		if (len == 0)
			return berr(err, EINVAL, "id mapping ends with a comma");
	}
	return 0;
}

int userns_mapping_parse(const char *s, struct userns_mapping *ret, berth_error *err)
{
	struct userns_mapping m;
	const char *semi;
	int r;

	if (!s || strncmp(s, "uid=", 4) != 0 || !(semi = strchr(s, ';')) ||
	    strncmp(semi + 1, "gid=", 4) != 0)
		return berr(err, EINVAL,
			    "stored id mapping \"%s\" is malformed; run berth system migrate",
			    s ? s : "");
	r = parse_idmap(s + 4, (size_t)(semi - s - 4), &m.uid, err);
	if (r < 0)
		return r;
	r = parse_idmap(semi + 5, strlen(semi + 5), &m.gid, err);
	if (r < 0)
		return r;
	r = userns_idmap_validate(&m.uid, "uid", err);
	if (r < 0)
		return r;
	r = userns_idmap_validate(&m.gid, "gid", err);
	if (r < 0)
		return r;
	*ret = m;
	return 0;
}

bool userns_mapping_equal(const struct userns_mapping *a, const struct userns_mapping *b)
{
	if (a->uid.n != b->uid.n || a->gid.n != b->gid.n)
		return false;
	for (size_t i = 0; i < a->uid.n; i++)
		if (memcmp(&a->uid.ranges[i], &b->uid.ranges[i], sizeof(struct userns_range)) != 0)
			return false;
	for (size_t i = 0; i < a->gid.n; i++)
		if (memcmp(&a->gid.ranges[i], &b->gid.ranges[i], sizeof(struct userns_range)) != 0)
			return false;
	return true;
}

static int write_proc_file(pid_t pid, const char *name, const char *data, berth_error *err)
{
	char path[64];
	_cleanup_close_ int fd = -1;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return berr_errno(err, errno, "open %s", path);
	if (write(fd, data, strlen(data)) != (ssize_t)strlen(data))
		return berr_errno(err, errno, "write %s", path);
	return 0;
}

static int map_text(const struct userns_idmap *m, char *buf, size_t size)
{
	size_t off = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < m->n; i++) {
		int n = snprintf(buf + off, size - off, "%u %u %u\n", m->ranges[i].inside,
				 m->ranges[i].outside, m->ranges[i].count);
		if (n < 0 || (size_t)n >= size - off)
			return -E2BIG;
		off += (size_t)n;
	}
	return 0;
}

/* Runs newuidmap/newgidmap PID I O C ...; its stderr is captured into @err on failure. */
static int run_newidmap(const char *prog, pid_t pid, const struct userns_idmap *m, berth_error *err)
{
	char *argv[3 + 3 * USERNS_MAX_RANGES + 1];
	char nums[3 * USERNS_MAX_RANGES + 1][12];
	int pfd[2], status;
	size_t a = 0, k = 0;
	char msg[512];
	ssize_t n;
	pid_t child;

	argv[a++] = (char *)prog;
	snprintf(nums[k], sizeof(nums[k]), "%d", (int)pid);
	argv[a++] = nums[k++];
	for (size_t i = 0; i < m->n; i++) {
		uint32_t v[3] = {m->ranges[i].inside, m->ranges[i].outside, m->ranges[i].count};
		for (int j = 0; j < 3; j++) {
			snprintf(nums[k], sizeof(nums[k]), "%u", v[j]);
			argv[a++] = nums[k++];
		}
	}
	argv[a] = NULL;
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return berr_errno(err, errno, "pipe");
	child = fork();
	if (child < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return berr_errno(err, errno, "fork %s", prog);
	}
	if (child == 0) {
		dup2(pfd[1], 2);
		execvp(prog, argv);
		dprintf(2, "cannot run %s: %s", prog, strerror(errno));
		_exit(127);
	}
	close(pfd[1]);
	n = read(pfd[0], msg, sizeof(msg) - 1);
	close(pfd[0]);
	msg[n > 0 ? n : 0] = '\0';
	if (n > 0 && msg[n - 1] == '\n')
		msg[n - 1] = '\0';
	while (waitpid(child, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return berr(err, EPERM,
			    "%s for pid %d failed (%s); check /etc/subuid and /etc/subgid and that "
			    "the uidmap package is installed",
			    prog, (int)pid, msg[0] ? msg : "no message");
	return 0;
}

static bool only_own_id(const struct userns_idmap *m, uint32_t own)
{
	return m->n == 1 && m->ranges[0].count == 1 && m->ranges[0].outside == own;
}

int userns_write_maps(pid_t pid, const struct userns_mapping *m, berth_error *err)
{
	char buf[USERNS_MAX_RANGES * 40];
	int r;

	if ((r = userns_idmap_validate(&m->uid, "uid", err)) < 0 ||
	    (r = userns_idmap_validate(&m->gid, "gid", err)) < 0)
		return r;
	if (geteuid() == 0) {
		if (map_text(&m->uid, buf, sizeof(buf)) < 0)
			return berr(err, E2BIG, "uid mapping too long");
		r = write_proc_file(pid, "uid_map", buf, err);
		if (r < 0)
			return r;
		if (map_text(&m->gid, buf, sizeof(buf)) < 0)
			return berr(err, E2BIG, "gid mapping too long");
		return write_proc_file(pid, "gid_map", buf, err);
	}
	if (only_own_id(&m->uid, geteuid())) {
		map_text(&m->uid, buf, sizeof(buf));
		r = write_proc_file(pid, "uid_map", buf, err);
	} else {
		r = run_newidmap("newuidmap", pid, &m->uid, err);
	}
	if (r < 0)
		return r;
	if (only_own_id(&m->gid, getegid())) {
		r = write_proc_file(pid, "setgroups", "deny", err);
		if (r < 0)
			return r;
		map_text(&m->gid, buf, sizeof(buf));
		return write_proc_file(pid, "gid_map", buf, err);
	}
	return run_newidmap("newgidmap", pid, &m->gid, err);
}

/* The result a userns_run() child sends back. */
struct run_result {
	int rc;
	int exit_code;
	char msg[BERTH_ERROR_MAX];
};

static pid_t clone_ns(unsigned long flags)
{
	struct clone_args args = {.flags = flags, .exit_signal = SIGCHLD};

	return (pid_t)syscall(SYS_clone3, &args, sizeof(args));
}

int userns_run(const struct userns_mapping *m, int (*fn)(void *data, berth_error *err), void *data,
	       berth_error *err)
{
	struct run_result res;
	int sp[2], status, r;
	ssize_t n;
	pid_t child;
	char go;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0)
		return berr_errno(err, errno, "socketpair");
	child = clone_ns(CLONE_NEWUSER | CLONE_NEWNS);
	if (child < 0) {
		r = berr_errno(err, errno, "create a user namespace");
		close(sp[0]);
		close(sp[1]);
		return r;
	}
	if (child == 0) {
		berth_error cerr = {0};
		close(sp[0]);
		memset(&res, 0, sizeof(res));
		if (read(sp[1], &go, 1) != 1)
			_exit(1);
		if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0) {
			res.rc = berr_errno(&cerr, errno, "become root in the user namespace");
		} else {
			res.rc = fn(data, &cerr);
		}
		res.exit_code = cerr.exit_code;
		memcpy(res.msg, cerr.msg, sizeof(res.msg));
		(void)!write(sp[1], &res, sizeof(res));
		_exit(0);
	}
	close(sp[1]);
	r = userns_write_maps(child, m, err);
	if (r < 0) {
		kill(child, SIGKILL);
		close(sp[0]);
		waitpid(child, &status, 0);
		return berr_prefix(err, "user namespace for pid %d", (int)child);
	}
	go = 1;
	if (write(sp[0], &go, 1) != 1)
		r = berr_errno(err, errno, "start the user namespace child");
	n = read(sp[0], &res, sizeof(res));
	close(sp[0]);
	while (waitpid(child, &status, 0) < 0 && errno == EINTR)
		;
	if (r < 0)
		return r;
	if (n != (ssize_t)sizeof(res))
		return berr(err, EIO, "user namespace child died before answering (status 0x%x)",
			    status);
	if (res.rc < 0 && err) {
		err->code = res.rc;
		err->exit_code = res.exit_code;
		res.msg[sizeof(res.msg) - 1] = '\0';
		memcpy(err->msg, res.msg, sizeof(err->msg));
	}
	return res.rc;
}
