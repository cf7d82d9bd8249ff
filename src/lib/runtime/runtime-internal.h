/* SPDX-License-Identifier: Apache-2.0 */
/*
 * runtime-internal.h - the parsed config.json and the pieces of the runtime that share it
 * (config.c parses, mounts.c builds the rootfs, security.c does user/caps/rlimits/seccomp,
 * cgroup.c the cgroups, runtime.c the process flow). Not for use outside src/lib/runtime.
 */
#ifndef BERTH_RUNTIME_INTERNAL_H
#define BERTH_RUNTIME_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>
#include <linux/filter.h>
#include <sys/types.h>

#include "runtime/runtime.h"
#include "util/userns.h"

/** json_decrefp_() - cleanup helper for jansson references. */
static inline void json_decrefp_(json_t **p)
{
	json_decref(*p);
}

/* Hard limits on config.json (it is written by the engine, but may come from a user's bundle). */
#define RT_CONFIG_MAX_SIZE   (4u << 20)
#define RT_MAX_ARGS	     4096
#define RT_MAX_MOUNTS	     1024
#define RT_MAX_LAYERS	     500
#define RT_MAX_SECCOMP_RULES 2048
#define RT_MAX_PATHS	     1024

enum rt_cap_set {
	RT_CAP_BOUNDING,
	RT_CAP_EFFECTIVE,
	RT_CAP_INHERITABLE,
	RT_CAP_PERMITTED,
	RT_CAP_AMBIENT,
	RT_CAP_NSETS
};

/** struct rt_rlimit - one process.rlimits entry (@resource is RLIMIT_*) */
struct rt_rlimit {
	int resource;
	uint64_t soft;
	uint64_t hard;
};

/**
 * struct rt_mount - one mounts[] entry
 * @flags:	MS_* flags from options (MS_BIND/MS_REC for bind/rbind)
 * @attr_set:	MOUNT_ATTR_* to apply to bind mounts (ro, nosuid, nodev, noexec)
 * @propagation:MS_PRIVATE/MS_SLAVE/MS_SHARED (| MS_REC) or 0
 * @data:	the options the kernel parses itself ("mode=755,size=65536k"), or NULL
 */
struct rt_mount {
	char *destination;
	char *type;
	char *source;
	unsigned long flags;
	uint64_t attr_set;
	unsigned long propagation;
	char *data;
};

/**
 * struct rt_device - one linux.devices entry: a node to create at @path in the container
 * @type:	'c', 'b' or 'p' (fifo)
 * @mode:	permission bits (fileMode), 0666 when absent
 */
struct rt_device {
	char *path;
	char type;
	unsigned major, minor;
	mode_t mode;
	uid_t uid;
	gid_t gid;
};

/** struct rt_seccomp_arg - an OCI seccomp args[] condition (@op is enum scmp_compare) */
struct rt_seccomp_arg {
	unsigned index;
	uint64_t value;
	uint64_t value_two;
	int op;
};

/** struct rt_seccomp_rule - an OCI seccomp syscalls[] entry (@action is SCMP_ACT_*) */
struct rt_seccomp_rule {
	char **names;
	uint32_t action;
	struct rt_seccomp_arg *args;
	size_t n_args;
};

/** struct rt_seccomp - linux.seccomp, validated (@arches are SCMP_ARCH_*) */
struct rt_seccomp {
	uint32_t default_action;
	uint32_t *arches;
	size_t n_arches;
	struct rt_seccomp_rule *rules;
	size_t n_rules;
	char *canon;		 /* libseccomp's version and the object's text: the cache key ... */
	char key[17];		 /* ... and its hash, the cache file's name */
	struct sock_filter *bpf; /* the compiled filter, once rt_seccomp_prepare() made it */
	size_t bpf_len;		 /* ... in instructions */
};

/** struct runtime_config - config.json as the runtime uses it */
struct runtime_config {
	char *bundle;
	/* process */
	char **args;
	char **env;
	char *cwd;
	uid_t uid;
	gid_t gid;
	mode_t umask; /* process.user.umask, default 022 */
	gid_t *additional_gids;
	size_t n_additional_gids;
	bool terminal;
	bool has_caps;
	uint64_t caps[RT_CAP_NSETS];
	struct rt_rlimit *rlimits;
	size_t n_rlimits;
	bool no_new_privileges;
	/* root, hostname, mounts */
	char *root_path;
	bool root_readonly;
	char *hostname;
	struct rt_mount *mounts;
	size_t n_mounts;
	/* linux */
	int ns_new;	  /* CLONE_NEW* flags of the namespaces to create */
	int ns_join;	  /* CLONE_NEW* flags of the namespaces joined by path */
	char *ns_path[8]; /* indexed by rt_ns_index() */
	bool has_idmap;
	struct userns_mapping idmap;
	int64_t memory_limit; /* bytes, 0 = none */
	int64_t cpu_quota;    /* us, 0 = none */
	uint64_t cpu_period;  /* us, 0 = default */
	int64_t pids_limit;   /* 0 = none */
	char *cgroups_path;
	char **device_rules; /* "A c 1:3 rwm" / "D a *:* rwm", linux.resources.devices in order */
	struct rt_device *devices; /* linux.devices */
	size_t n_devices;
	struct rt_seccomp *seccomp;
	char **masked_paths;
	char **readonly_paths;
	char **sysctl; /* key, value, key, value, ..., NULL */
	/* io.berth.rootfs.* annotations */
	char **lowerdirs;
	char *upperdir;
	char *workdir;
	bool userxattr;
};

/** rt_ns_index() - the slot of a CLONE_NEW* flag in ns_path[], or -1 */
int rt_ns_index(int flag);

/** rt_rlimit_name() - "RLIMIT_NOFILE" for RLIMIT_NOFILE */
const char *rt_rlimit_name(int resource);

/** rt_seccomp_parse() - validate an OCI seccomp object (jansson json_t *) into @ret. */
int rt_seccomp_parse(json_t *json, struct rt_seccomp **ret, berth_error *err);
void rt_seccomp_free(struct rt_seccomp *s);

/**
 * rt_seccomp_from_text() - linux.seccomp from its JSON text: the program cached for exactly this
 * text (see runtime_seccomp_cache()) when there is one, else the text parsed and validated as
 * rt_seccomp_parse() does (rt_seccomp_prepare() then compiles and caches it).
 */
int rt_seccomp_from_text(const char *text, size_t len, struct rt_seccomp **ret,
			 berth_error *err);

/** rt_seccomp_load() - build and load the filter (in the container's process). */
int rt_seccomp_load(const struct rt_seccomp *s, berth_error *err);

/**
 * rt_seccomp_prepare() - compile the filter before cloning (in the parent), reusing the copy
 * cached by an earlier container with the same profile. Failing is not an error: then
 * rt_seccomp_load() compiles in the child as before.
 */
void rt_seccomp_prepare(struct rt_seccomp *s);

/** rt_loopback_up() - bring "lo" up (in the child, in its new network namespace). */
int rt_loopback_up(berth_error *err);

/** rt_mounts_setup() - build the rootfs and pivot into it (in the child, namespaces ready). */
int rt_mounts_setup(const struct runtime_config *cfg, bool in_userns, berth_error *err);

/** rt_apply_process_security() - rlimits, user, caps, no_new_privs, seccomp, in that order. */
int rt_apply_process_security(const struct runtime_config *cfg, uid_t uid, gid_t gid,
			      berth_error *err);

/** rt_rlimits_clamp() - in the parent: lower requested limits above our hard limits, warn. */
void rt_rlimits_clamp(struct rt_rlimit *rl, size_t n);

/**
 * rt_cgroup_prepare() - create the container's cgroup and apply limits (parent side)
 * @ret_paths:	NULL-terminated list of cgroup directories to add the pid to
 * Return: 0 (also when no cgroup is used, then *ret_paths is NULL) or a negative errno
 */
int rt_cgroup_prepare(const struct runtime_config *cfg, char ***ret_paths, berth_error *err);

/** rt_cgroup_lookup() - the existing cgroup dirs of a running container (for exec). */
int rt_cgroup_lookup(const struct runtime_config *cfg, char ***ret_paths);

/** rt_cgroup_enter() - write @pid ("0": self) into each cgroup.procs of @paths. */
int rt_cgroup_enter(char **paths, pid_t pid, berth_error *err);

#endif
