/* SPDX-License-Identifier: Apache-2.0 */
/*
 * seccomp.c - the OCI linux.seccomp object: validation (in the caller), loading through
 * libseccomp (in the container's process), and the converter from the containers-common profile
 * format (/usr/share/containers/seccomp.json) that podman users already have.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "runtime/runtime-internal.h"
#include "util/fileio.h"
#include "util/hash.h"

#define SECCOMP_PROFILE_MAX (4u << 20)

static const struct {
	const char *name;
	uint32_t action;
} action_table[] = {
    {"SCMP_ACT_KILL", SCMP_ACT_KILL_THREAD},
    {"SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD},
    {"SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS},
    {"SCMP_ACT_TRAP", SCMP_ACT_TRAP},
    {"SCMP_ACT_ERRNO", SCMP_ACT_ERRNO(0)},
    {"SCMP_ACT_TRACE", SCMP_ACT_TRACE(0)},
    {"SCMP_ACT_ALLOW", SCMP_ACT_ALLOW},
    {"SCMP_ACT_LOG", SCMP_ACT_LOG},
};

static const struct {
	const char *name;
	int op;
} op_table[] = {
    {"SCMP_CMP_NE", SCMP_CMP_NE},
    {"SCMP_CMP_LT", SCMP_CMP_LT},
    {"SCMP_CMP_LE", SCMP_CMP_LE},
    {"SCMP_CMP_EQ", SCMP_CMP_EQ},
    {"SCMP_CMP_GE", SCMP_CMP_GE},
    {"SCMP_CMP_GT", SCMP_CMP_GT},
    {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ},
};

void rt_seccomp_free(struct rt_seccomp *s)
{
	if (!s)
		return;
	free(s->arches);
	for (size_t i = 0; i < s->n_rules; i++) {
		strv_free(s->rules[i].names);
		free(s->rules[i].args);
	}
	free(s->rules);
	free(s->bpf);
	free(s->canon);
	free(s);
}

static void rt_seccomp_freep(struct rt_seccomp **p)
{
	rt_seccomp_free(*p);
}

/* An action name plus an optional errnoRet into the 32-bit libseccomp action. */
static int parse_action(json_t *action, json_t *errno_ret, const char *where, uint32_t *ret,
			berth_error *err)
{
	const char *name = json_string_value(action);

	if (!name)
		return berr(err, EINVAL, "%s: action must be a string", where);
	for (size_t i = 0; i < ELEMENTSOF(action_table); i++) {
		if (strcmp(action_table[i].name, name) != 0)
			continue;
		uint32_t a = action_table[i].action;
		if (a == SCMP_ACT_ERRNO(0) || a == SCMP_ACT_TRACE(0)) {
			json_int_t e = a == SCMP_ACT_ERRNO(0) ? EPERM : 0;
			if (errno_ret && !json_is_null(errno_ret)) {
				if (!json_is_integer(errno_ret) ||
				    json_integer_value(errno_ret) < 0 ||
				    json_integer_value(errno_ret) > 0xffff)
					return berr(err, EINVAL,
						    "%s: errnoRet must be an integer 0..65535",
						    where);
				e = json_integer_value(errno_ret);
			}
			a = a == SCMP_ACT_ERRNO(0) ? SCMP_ACT_ERRNO((uint32_t)e)
						   : SCMP_ACT_TRACE((uint32_t)e);
		}
		*ret = a;
		return 0;
	}
	return berr(err, EINVAL, "%s: unknown action \"%s\"", where, name);
}

static int parse_arch(const char *name, uint32_t *ret)
{
	/* libseccomp knows "x86_64", OCI says "SCMP_ARCH_X86_64". */
	char lower[32];
	uint32_t a;

	if (strncmp(name, "SCMP_ARCH_", 10) != 0 || strlen(name + 10) >= sizeof(lower))
		return -EINVAL;
	for (size_t i = 0; i <= strlen(name + 10); i++) {
		char c = name[10 + i];
		lower[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
	a = seccomp_arch_resolve_name(lower);
	if (a == 0)
		return -EINVAL;
	*ret = a;
	return 0;
}

static int parse_rule(json_t *e, size_t idx, struct rt_seccomp_rule *rule, berth_error *err)
{
	json_t *names = json_object_get(e, "names"), *args = json_object_get(e, "args"), *n, *a;
	char where[48];
	size_t i;
	int r;

	snprintf(where, sizeof(where), "syscalls[%zu]", idx);
	if (!json_is_object(e))
		return berr(err, EINVAL, "%s must be an object", where);
	if (!names) {
		/* The old single "name" form is still seen in the wild. */
		json_t *one = json_object_get(e, "name");
		if (!json_is_string(one))
			return berr(err, EINVAL, "%s needs \"names\"", where);
		rule->names = calloc(2, sizeof(char *));
		if (!rule->names || !(rule->names[0] = strdup(json_string_value(one))))
			return -ENOMEM;
	} else {
		if (!json_is_array(names) || json_array_size(names) > 4096)
			return berr(err, EINVAL, "%s.names must be an array of syscall names",
				    where);
		rule->names = calloc(json_array_size(names) + 1, sizeof(char *));
		if (!rule->names)
			return -ENOMEM;
		json_array_foreach(names, i, n)
		{
			if (!json_is_string(n) || json_string_length(n) == 0 ||
			    json_string_length(n) > 64)
				return berr(err, EINVAL, "%s.names[%zu] must be a syscall name",
					    where, i);
			if (!(rule->names[i] = strdup(json_string_value(n))))
				return -ENOMEM;
		}
	}
	r = parse_action(json_object_get(e, "action"), json_object_get(e, "errnoRet"), where,
			 &rule->action, err);
	if (r < 0)
		return r;
	if (args && !json_is_null(args)) {
		if (!json_is_array(args) || json_array_size(args) > 6)
			return berr(err, EINVAL, "%s.args must be an array of at most 6 conditions",
				    where);
		rule->args = calloc(json_array_size(args) + 1, sizeof(*rule->args));
		if (!rule->args)
			return -ENOMEM;
		json_array_foreach(args, i, a)
		{
			json_t *index = json_object_get(a, "index"),
			       *value = json_object_get(a, "value"),
			       *two = json_object_get(a, "valueTwo");
			const char *op = json_string_value(json_object_get(a, "op"));
			struct rt_seccomp_arg *arg = &rule->args[rule->n_args];
			size_t k;

			if (!json_is_integer(index) || json_integer_value(index) < 0 ||
			    json_integer_value(index) > 5 || !json_is_integer(value) ||
			    (two && !json_is_integer(two)) || !op)
				return berr(
				    err, EINVAL,
				    "%s.args[%zu] needs index 0..5, an integer value and op", where,
				    i);
			for (k = 0; k < ELEMENTSOF(op_table); k++)
				if (strcmp(op_table[k].name, op) == 0)
					break;
			if (k == ELEMENTSOF(op_table))
				return berr(err, EINVAL, "%s.args[%zu]: unknown op \"%s\"", where,
					    i, op);
			arg->index = (unsigned)json_integer_value(index);
			arg->value = (uint64_t)json_integer_value(value);
			arg->value_two = two ? (uint64_t)json_integer_value(two) : 0;
			arg->op = op_table[k].op;
			rule->n_args++;
		}
	}
	return 0;
}

/* canon_header() - what a compiled filter depends on besides the object's text: the
 * libseccomp that compiles it, the native architecture and the kernel (libseccomp probes the
 * kernel's seccomp API level). */
static char *canon_header(void)
{
	const struct scmp_version *v = seccomp_version();
	struct utsname u;
	char *h = NULL;

	if (uname(&u) < 0)
		snprintf(u.release, sizeof(u.release), "?");
	if (asprintf(&h, "berth-seccomp 2 libseccomp %u.%u.%u arch %u kernel %s\n", v->major,
		     v->minor, v->micro, seccomp_arch_native(), u.release) < 0)
		return NULL;
	return h;
}

/* set_canon() - @s's cache key: the header and the object's @text (the whole of it goes into
 * the cache file and is compared on reading, so the name's hash need not be collision-proof). */
static int set_canon(struct rt_seccomp *s, const char *text, size_t len)
{
	_cleanup_free_ char *head = canon_header();

	free(s->canon);
	s->canon = NULL;
	if (!head || asprintf(&s->canon, "%s%.*s", head, (int)len, text) < 0)
		return -ENOMEM;
	snprintf(s->key, sizeof(s->key), "%016llx",
		 (unsigned long long)hash64(s->canon, strlen(s->canon), 0));
	return 0;
}

/* cache_key() - the key of an object given as jansson: its sorted compact text. */
static int cache_key(json_t *json, struct rt_seccomp *s)
{
	_cleanup_free_ char *text = json_dumps(json, JSON_COMPACT | JSON_SORT_KEYS);

	return text ? set_canon(s, text, strlen(text)) : -ENOMEM;
}

int rt_seccomp_parse(json_t *json, struct rt_seccomp **ret, berth_error *err)
{
	_cleanup_(rt_seccomp_freep) struct rt_seccomp *s = NULL;
	json_t *arches = json_object_get(json, "architectures");
	json_t *syscalls = json_object_get(json, "syscalls"), *e;
	size_t i;
	int r;

	if (!json_is_object(json))
		return berr(err, EINVAL, "must be an object");
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	r = parse_action(json_object_get(json, "defaultAction"),
			 json_object_get(json, "defaultErrnoRet"), "defaultAction",
			 &s->default_action, err);
	if (r < 0)
		return r;
	if (arches && !json_is_null(arches)) {
		if (!json_is_array(arches) || json_array_size(arches) > 32)
			return berr(err, EINVAL,
				    "architectures must be an array of SCMP_ARCH_* names");
		s->arches = calloc(json_array_size(arches) + 1, sizeof(uint32_t));
		if (!s->arches)
			return -ENOMEM;
		json_array_foreach(arches, i, e)
		{
			const char *name = json_string_value(e);
			if (!name || parse_arch(name, &s->arches[s->n_arches]) < 0)
				return berr(err, EINVAL,
					    "architectures[%zu]: unknown architecture \"%s\"", i,
					    name ? name : "?");
			s->n_arches++;
		}
	}
	if (syscalls && !json_is_null(syscalls)) {
		if (!json_is_array(syscalls) || json_array_size(syscalls) > RT_MAX_SECCOMP_RULES)
			return berr(err, EINVAL, "syscalls must be an array of at most %d rules",
				    RT_MAX_SECCOMP_RULES);
		s->rules = calloc(json_array_size(syscalls) + 1, sizeof(*s->rules));
		if (!s->rules)
			return -ENOMEM;
		json_array_foreach(syscalls, i, e)
		{
			r = parse_rule(e, i, &s->rules[s->n_rules++], err);
			if (r < 0)
				return r;
		}
	}
	r = cache_key(json, s);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(s);
	return 0;
}

static void seccomp_releasep(scmp_filter_ctx *ctx)
{
	if (*ctx)
		seccomp_release(*ctx);
}

/* build() - the libseccomp filter for @s (not loaded). */
static int build(const struct rt_seccomp *s, scmp_filter_ctx *ret, berth_error *err)
{
	_cleanup_(seccomp_releasep) scmp_filter_ctx ctx = NULL;
	int r;

	ctx = seccomp_init(s->default_action);
	if (!ctx)
		return berr(err, ENOMEM, "seccomp: cannot create the filter");
	/* no_new_privs is process.noNewPrivileges' business, not libseccomp's. */
	r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
	if (r < 0)
		return berr_errno(err, -r, "seccomp: clear the no_new_privs attribute");
	for (size_t i = 0; i < s->n_arches; i++) {
		r = seccomp_arch_add(ctx, s->arches[i]);
		if (r < 0 && r != -EEXIST)
			return berr_errno(err, -r, "seccomp: add architecture %u", s->arches[i]);
	}
	for (size_t i = 0; i < s->n_rules; i++) {
		const struct rt_seccomp_rule *rule = &s->rules[i];
		struct scmp_arg_cmp cmp[6];

		if (rule->action == s->default_action)
			continue;
		for (size_t k = 0; k < rule->n_args; k++)
			cmp[k] = (struct scmp_arg_cmp){
			    rule->args[k].index, (enum scmp_compare)rule->args[k].op,
			    rule->args[k].value, rule->args[k].value_two};
		for (char **n = rule->names; *n; n++) {
			int nr = seccomp_syscall_resolve_name(*n);
			/* A syscall this libseccomp does not know cannot be filtered: skip as runc
			 * does. */
			if (nr == __NR_SCMP_ERROR)
				continue;
			r = seccomp_rule_add_array(ctx, rule->action, nr, (unsigned)rule->n_args,
						   cmp);
			if (r < 0)
				return berr_errno(err, -r, "seccomp: add the rule for %s", *n);
		}
	}
	*ret = TAKE_PTR(ctx);
	return 0;
}

int rt_seccomp_load(const struct rt_seccomp *s, berth_error *err)
{
	_cleanup_(seccomp_releasep) scmp_filter_ctx ctx = NULL;
	int r;

	if (s->bpf) {
		/* What libseccomp's seccomp_load() does with the same program: flags 0 (no TSYNC,
		 * no LOG), no_new_privs left to the caller. */
		struct sock_fprog prog = { .len = (unsigned short)s->bpf_len, .filter = s->bpf };
		if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) == 0)
			return 0;
		if (errno != ENOSYS)
			return berr_errno(err, errno, "seccomp: load the filter");
		if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0)
			return berr_errno(err, errno, "seccomp: load the filter");
		return 0;
	}
	r = build(s, &ctx, err);
	if (r < 0)
		return r;
	r = seccomp_load(ctx);
	if (r < 0)
		return berr_errno(err, -r, "seccomp: load the filter");
	return 0;
}

/* --- the compiled-filter cache ------------------------------------------------------------ */

#define BPF_INSNS_MAX 4096 /* the kernel's BPF_MAXINSNS */

static char *cache_dir;

void runtime_seccomp_cache(const char *dir)
{
	free(cache_dir);
	cache_dir = dir ? strdup(dir) : NULL;
}

/* take_program() - check @data as a filter program and move it into @s. */
static int take_program(struct rt_seccomp *s, char *data, size_t len)
{
	if (len == 0 || len % sizeof(struct sock_filter) != 0 ||
	    len / sizeof(struct sock_filter) > BPF_INSNS_MAX) {
		free(data);
		return -EINVAL;
	}
	s->bpf = (struct sock_filter *)(void *)data;
	s->bpf_len = len / sizeof(struct sock_filter);
	return 0;
}

/* cache_dir_open() - @dir (made on demand), only when it is ours alone: a directory others
 * may write is neither trusted nor fed. Return: an fd, or -1. */
static int cache_dir_open(const char *dir)
{
	struct stat st;
	int fd;

	if (!dir)
		return -1;
	(void)mkdir(dir, 0700);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0 && (fstat(fd, &st) < 0 || st.st_uid != geteuid() || (st.st_mode & 022))) {
		close(fd);
		return -1;
	}
	return fd;
}

/* cache_file_read() - a cache file @name under @dirfd whose head is @key and a NUL, then a body
 * and its hash64() (8 bytes, native order). Only a regular file of ours others cannot write;
 * a stale key, a torn or changed body reads as missing. Return: 0 with the body in
 * @ret_body/@ret_len (NUL-terminated), or a negative errno. */
static int cache_file_read(int dirfd, const char *name, const char *key, size_t body_max,
			   char **ret_body, size_t *ret_len)
{
	_cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	_cleanup_free_ char *data = NULL;
	size_t len = 0, head = strlen(key) + 1, blen;
	uint64_t sum;
	char *body;
	struct stat st;

	if (fd < 0 || fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 022))
		return -EPERM;
	if (read_fd_all(fd, head + body_max + sizeof(sum), &data, &len, NULL) < 0)
		return -EIO;
	if (len < head + sizeof(sum) || memcmp(data, key, head) != 0)
		return -ESTALE;
	blen = len - head - sizeof(sum);
	memcpy(&sum, data + head + blen, sizeof(sum));
	if (sum != hash64(data + head, blen, 0))
		return -EBADMSG;
	body = malloc(blen + 1);
	if (!body)
		return -ENOMEM;
	memcpy(body, data + head, blen);
	body[blen] = '\0';
	*ret_body = body;
	*ret_len = blen;
	return 0;
}

/* cache_file_write() - store @body under @key for the next reader, atomically and durably: a
 * crash never leaves a torn body under a valid name (and cache_file_read() checks anyway). */
static void cache_file_write(int dirfd, const char *name, const char *key, const void *body,
			     size_t blen)
{
	size_t head = strlen(key) + 1;
	uint64_t sum = hash64(body, blen, 0);
	_cleanup_free_ char *data = malloc(head + blen + sizeof(sum));

	if (!data)
		return;
	memcpy(data, key, head);
	memcpy(data + head, body, blen);
	memcpy(data + head + blen, &sum, sizeof(sum));
	(void)write_file_atomic_at(dirfd, name, data, head + blen + sizeof(sum), 0600, NULL);
}

/* cache_read() - @s's program from the cache, if it holds one for @s's canon. */
static int cache_read(struct rt_seccomp *s, int dirfd)
{
	char name[32], *prog = NULL;
	size_t len = 0;
	int r;

	snprintf(name, sizeof(name), "%s.bpf", s->key);
	r = cache_file_read(dirfd, name, s->canon, BPF_INSNS_MAX * sizeof(struct sock_filter),
			    &prog, &len);
	return r < 0 ? r : take_program(s, prog, len);
}

/* compile() - libseccomp's program for @s, exported through a memfd. */
static int compile(struct rt_seccomp *s)
{
	_cleanup_(seccomp_releasep) scmp_filter_ctx ctx = NULL;
	_cleanup_close_ int fd = -1;
	char *data = NULL;
	size_t len = 0;

	if (build(s, &ctx, NULL) < 0)
		return -EINVAL;
	fd = memfd_create("berth-seccomp", MFD_CLOEXEC);
	if (fd < 0 || seccomp_export_bpf(ctx, fd) < 0 || lseek(fd, 0, SEEK_SET) < 0)
		return -EIO;
	if (read_fd_all(fd, BPF_INSNS_MAX * sizeof(struct sock_filter), &data, &len, NULL) < 0)
		return -EIO;
	return take_program(s, data, len);
}

void rt_seccomp_prepare(struct rt_seccomp *s)
{
	_cleanup_close_ int dirfd = -1;
	char name[32];

	if (!s || s->bpf)
		return;
	dirfd = cache_dir_open(cache_dir);
	if (dirfd >= 0 && cache_read(s, dirfd) == 0)
		return;
	if (compile(s) < 0)
		return; /* rt_seccomp_load() compiles in the child and reports the error */
	snprintf(name, sizeof(name), "%s.bpf", s->key);
	if (dirfd >= 0)
		cache_file_write(dirfd, name, s->canon, s->bpf,
				 s->bpf_len * sizeof(struct sock_filter));
}

int rt_seccomp_from_text(const char *text, size_t len, struct rt_seccomp **ret,
			 berth_error *err)
{
	_cleanup_(rt_seccomp_freep) struct rt_seccomp *s = calloc(1, sizeof(*s));
	_cleanup_(json_decrefp_) json_t *json = NULL;
	_cleanup_close_ int dirfd = -1;
	json_error_t jerr;
	int r;

	if (!s || set_canon(s, text, len) < 0)
		return -ENOMEM;
	/* A text compiled before was validated then: its program is all the runtime needs. */
	dirfd = cache_dir_open(cache_dir);
	if (dirfd >= 0 && cache_read(s, dirfd) == 0) {
		*ret = TAKE_PTR(s);
		return 0;
	}
	json = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
	if (!json)
		return berr(err, EINVAL, "line %d: %s", jerr.line, jerr.text);
	rt_seccomp_free(TAKE_PTR(s));
	r = rt_seccomp_parse(json, &s, err);
	if (r < 0)
		return r;
	/* keyed by the text as written, so that the next start finds it without parsing */
	r = set_canon(s, text, len);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(s);
	return 0;
}

/* --- containers-common profile → OCI object --------------------------------------------- */

static bool caps_has(json_t *caps, unsigned long long set, bool all)
{
	json_t *c;
	size_t i;

	json_array_foreach(caps, i, c)
	{
		cap_value_t v;
		char lower[64];
		const char *name = json_string_value(c);
		bool has = false;

		if (name && strlen(name) < sizeof(lower)) {
			for (size_t k = 0; k <= strlen(name); k++)
				lower[k] = (char)(name[k] >= 'A' && name[k] <= 'Z' ? name[k] + 32
										   : name[k]);
			has = cap_from_name(lower, &v) == 0 && v >= 0 && v < 64 && (set >> v) & 1;
		}
		if (all && !has)
			return false;
		if (!all && has)
			return true;
	}
	return all;
}

static bool str_in(json_t *arr, const char *s)
{
	json_t *e;
	size_t i;

	json_array_foreach(arr, i, e) if (json_is_string(e) &&
					  strcmp(json_string_value(e), s) == 0) return true;
	return false;
}

/* "5.8" <= this kernel's release? */
static bool kernel_at_least(const char *min)
{
	struct utsname u;
	unsigned a = 0, b = 0, x = 0, y = 0;

	if (!min || !min[0])
		return true;
	if (uname(&u) < 0 || sscanf(u.release, "%u.%u", &x, &y) < 1 ||
	    sscanf(min, "%u.%u", &a, &b) < 1)
		return false;
	return x > a || (x == a && y >= b);
}

static const char *native_go_arch(void)
{
#if defined(__x86_64__)
	return "amd64";
#elif defined(__aarch64__)
	return "arm64";
#elif defined(__i386__)
	return "x86";
#elif defined(__s390x__)
	return "s390x";
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return "ppc64le";
#else
	return "unknown";
#endif
}

static const char *native_scmp_arch(void)
{
#if defined(__x86_64__)
	return "SCMP_ARCH_X86_64";
#elif defined(__aarch64__)
	return "SCMP_ARCH_AARCH64";
#elif defined(__i386__)
	return "SCMP_ARCH_X86";
#elif defined(__s390x__)
	return "SCMP_ARCH_S390X";
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return "SCMP_ARCH_PPC64LE";
#else
	return "unknown";
#endif
}

static bool rule_applies(json_t *rule, unsigned long long caps)
{
	json_t *inc = json_object_get(rule, "includes"), *exc = json_object_get(rule, "excludes");
	json_t *v;

	if (json_is_object(inc)) {
		if ((v = json_object_get(inc, "arches")) && json_array_size(v) > 0 &&
		    !str_in(v, native_go_arch()))
			return false;
		if ((v = json_object_get(inc, "caps")) && json_array_size(v) > 0 &&
		    !caps_has(v, caps, true))
			return false;
		if (!kernel_at_least(json_string_value(json_object_get(inc, "minKernel"))))
			return false;
	}
	if (json_is_object(exc)) {
		if ((v = json_object_get(exc, "arches")) && str_in(v, native_go_arch()))
			return false;
		if ((v = json_object_get(exc, "caps")) && json_array_size(v) > 0 &&
		    caps_has(v, caps, false))
			return false;
	}
	return true;
}

/* convert() - the containers-common profile @text (read from @path) as an OCI object. */
static int convert(const char *path, const char *text, unsigned long long caps, json_t **ret,
		   berth_error *err)
{
	_cleanup_(json_decrefp_) json_t *in = NULL, *out = NULL;
	struct rt_seccomp *check = NULL;
	json_t *arches, *syscalls, *e, *map;
	json_error_t jerr;
	size_t i;
	int r;

	in = json_loads(text, 0, &jerr);
	if (!json_is_object(in))
		return berr(err, EINVAL, "seccomp profile %s: line %d: %s", path, jerr.line,
			    in ? "not a JSON object" : jerr.text);
	out = json_object();
	arches = json_array();
	syscalls = json_array();
	if (!out || json_object_set_new(out, "architectures", arches) < 0 ||
	    json_object_set_new(out, "syscalls", syscalls) < 0)
		return -ENOMEM;
	if (!json_is_string(json_object_get(in, "defaultAction")))
		return berr(err, EINVAL, "seccomp profile %s has no defaultAction", path);
	json_object_set(out, "defaultAction", json_object_get(in, "defaultAction"));
	if (json_is_integer(json_object_get(in, "defaultErrnoRet")))
		json_object_set(out, "defaultErrnoRet", json_object_get(in, "defaultErrnoRet"));

	/* Only this machine's architecture and its compat sub-architectures. */
	map = json_object_get(in, "archMap");
	json_array_foreach(map, i, e)
	{
		json_t *sub = json_object_get(e, "subArchitectures"), *s;
		size_t k;
		if (!json_is_string(json_object_get(e, "architecture")) ||
		    strcmp(json_string_value(json_object_get(e, "architecture")),
			   native_scmp_arch()) != 0)
			continue;
		json_array_append(arches, json_object_get(e, "architecture"));
		json_array_foreach(sub, k, s) if (json_is_string(s)) json_array_append(arches, s);
	}
	if (!map && json_is_array(json_object_get(in, "architectures")))
		json_object_set(out, "architectures", json_object_get(in, "architectures"));

	json_array_foreach(json_object_get(in, "syscalls"), i, e)
	{
		json_t *rule;
		if (!json_is_object(e))
			return berr(err, EINVAL,
				    "seccomp profile %s: syscalls[%zu] is not an object", path, i);
		if (!rule_applies(e, caps))
			continue;
		rule = json_object();
		if (!rule || json_array_append_new(syscalls, rule) < 0)
			return -ENOMEM;
		json_object_set(rule, "names", json_object_get(e, "names"));
		if (json_object_get(e, "name"))
			json_object_set_new(rule, "names",
					    json_pack("[O]", json_object_get(e, "name")));
		json_object_set(rule, "action", json_object_get(e, "action"));
		if (json_is_array(json_object_get(e, "args")) &&
		    json_array_size(json_object_get(e, "args")))
			json_object_set(rule, "args", json_object_get(e, "args"));
		if (json_is_integer(json_object_get(e, "errnoRet")))
			json_object_set(rule, "errnoRet", json_object_get(e, "errnoRet"));
	}
	/* The result must be something the runtime accepts. */
	r = rt_seccomp_parse(out, &check, err);
	rt_seccomp_free(check);
	if (r < 0)
		return berr_prefix(err, "seccomp profile %s", path);
	*ret = TAKE_PTR(out);
	return 0;
}

int runtime_seccomp_from_containers_json(const char *path, unsigned long long caps, void **ret,
					 berth_error *err)
{
	_cleanup_free_ char *text = NULL;
	json_t *out = NULL;
	int r;

	r = read_file_at(AT_FDCWD, path, SECCOMP_PROFILE_MAX, &text, NULL, err);
	if (r < 0)
		return berr_prefix(err, "seccomp profile %s", path);
	r = convert(path, text, caps, &out, err);
	if (r < 0)
		return r;
	*ret = out;
	return 0;
}

/* profile_key() - everything the conversion of @text (the file @path, as @st) depends on: the
 * file (its identity and a hash of what was read), @caps (rules gated on capabilities), and
 * canon_header()'s architecture and kernel (rules gated on arches and minKernel). */
static char *profile_key(const char *path, const struct stat *st, const char *text, size_t len,
			 unsigned long long caps)
{
	_cleanup_free_ char *head = canon_header();
	char *key = NULL;

	if (!head ||
	    asprintf(&key,
		     "berth-seccomp-oci 1 berth %s\npath %s\nfile %llu %llu %lld %lld.%09ld "
		     "%lld.%09ld %016llx\ncaps %llx\n%s",
		     BERTH_VERSION, path, (unsigned long long)st->st_dev,
		     (unsigned long long)st->st_ino, (long long)st->st_size,
		     (long long)st->st_mtim.tv_sec, st->st_mtim.tv_nsec,
		     (long long)st->st_ctim.tv_sec, st->st_ctim.tv_nsec,
		     (unsigned long long)hash64(text, len, 0), caps, head) < 0)
		return NULL;
	return key;
}

int runtime_seccomp_profile_text(const char *path, unsigned long long caps, const char *cache,
				 char **ret, berth_error *err)
{
	_cleanup_close_ int fd = -1, dirfd = -1;
	_cleanup_free_ char *text = NULL, *key = NULL, *body = NULL;
	_cleanup_(json_decrefp_) json_t *out = NULL;
	size_t len = 0, blen = 0;
	struct stat st;
	char name[32];
	int r;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0)
		return berr_errno(err, errno, "seccomp profile %s", path);
	r = read_fd_all(fd, SECCOMP_PROFILE_MAX, &text, &len, err);
	if (r < 0)
		return berr_prefix(err, "seccomp profile %s", path);
	key = profile_key(path, &st, text, len, caps);
	if (!key)
		return berr(err, ENOMEM, "out of memory");
	snprintf(name, sizeof(name), "%016llx.oci",
		 (unsigned long long)hash64(key, strlen(key), 0));
	dirfd = cache_dir_open(cache);
	if (dirfd >= 0 &&
	    cache_file_read(dirfd, name, key, SECCOMP_PROFILE_MAX, &body, &blen) == 0 &&
	    blen > 0 && body[0] == '{' && strlen(body) == blen) {
		*ret = TAKE_PTR(body);
		return 0;
	}
	r = convert(path, text, caps, &out, err);
	if (r < 0)
		return r;
	body = json_dumps(out, JSON_COMPACT);
	if (!body)
		return berr(err, ENOMEM, "out of memory");
	if (dirfd >= 0)
		cache_file_write(dirfd, name, key, body, strlen(body));
	*ret = TAKE_PTR(body);
	return 0;
}
