/* SPDX-License-Identifier: Apache-2.0 */
/*
 * security.c - what the container's process gives up before exec: rlimits, supplementary
 * groups, uid/gid, capabilities (bounding, then effective/permitted/inheritable, then ambient),
 * no_new_privs and the seccomp filter.
 *
 * Order matters. Without no_new_privs, loading a filter needs CAP_SYS_ADMIN, so the filter goes
 * in first (as runc does) and the profile must allow setresuid/capset/execve; with
 * no_new_privs it goes in last, after every privileged call.
 */
#include <errno.h>
#include <grp.h>
#include <inttypes.h>
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include "runtime/runtime-internal.h"
#include "util/log.h"

void rt_rlimits_clamp(struct rt_rlimit *rl, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct rlimit cur;

		if (getrlimit(rl[i].resource, &cur) < 0 || cur.rlim_max == RLIM_INFINITY)
			continue;
		if (rl[i].hard > cur.rlim_max) {
			log_warn("%s: hard limit %" PRIu64 " is above this host's %llu (raising it "
							   "needs CAP_SYS_RESOURCE); using %llu",
				 rt_rlimit_name(rl[i].resource), rl[i].hard,
				 (unsigned long long)cur.rlim_max,
				 (unsigned long long)cur.rlim_max);
			rl[i].hard = cur.rlim_max;
		}
		if (rl[i].soft > rl[i].hard)
			rl[i].soft = rl[i].hard;
	}
}

static int set_rlimits(const struct runtime_config *cfg, berth_error *err)
{
	for (size_t i = 0; i < cfg->n_rlimits; i++) {
		struct rlimit l = {cfg->rlimits[i].soft, cfg->rlimits[i].hard};

		if (setrlimit(cfg->rlimits[i].resource, &l) < 0)
			return berr_errno(err, errno, "set rlimit %d to %" PRIu64 "/%" PRIu64,
					  cfg->rlimits[i].resource, cfg->rlimits[i].soft,
					  cfg->rlimits[i].hard);
	}
	return 0;
}

static int last_cap(void)
{
	int last = CAP_LAST_CAP;

	/* The running kernel may know more (or fewer) than our headers. */
	while (last < 63 && prctl(PR_CAPBSET_READ, last + 1, 0, 0, 0) >= 0)
		last++;
	while (last > 0 && prctl(PR_CAPBSET_READ, last, 0, 0, 0) < 0)
		last--;
	return last;
}

static int drop_bounding(uint64_t keep, int last, berth_error *err)
{
	for (int c = 0; c <= last; c++) {
		if ((keep >> c) & 1)
			continue;
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
			return berr_errno(err, errno, "drop capability %d from the bounding set",
					  c);
	}
	return 0;
}

static int set_caps(const uint64_t sets[RT_CAP_NSETS], int last, berth_error *err)
{
	struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct data[2];

	memset(data, 0, sizeof(data));
	for (int k = 0; k < 2; k++) {
		data[k].effective = (uint32_t)(sets[RT_CAP_EFFECTIVE] >> (32 * k));
		data[k].permitted = (uint32_t)(sets[RT_CAP_PERMITTED] >> (32 * k));
		data[k].inheritable = (uint32_t)(sets[RT_CAP_INHERITABLE] >> (32 * k));
	}
	/* libcap's capset() wrapper would do the same; the raw call keeps this allocation-free. */
	if (capset(&hdr, data) < 0)
		return berr_errno(err, errno, "set capabilities");
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return berr_errno(err, errno, "clear ambient capabilities");
	for (int c = 0; c <= last; c++) {
		if (!((sets[RT_CAP_AMBIENT] >> c) & 1))
			continue;
		/* As runc: an ambient cap not also permitted+inheritable is skipped, not fatal. */
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) < 0 && errno != EPERM)
			return berr_errno(err, errno, "raise ambient capability %d", c);
	}
	return 0;
}

int rt_apply_process_security(const struct runtime_config *cfg, uid_t uid, gid_t gid,
			      berth_error *err)
{
	int last = last_cap();
	uint64_t none[RT_CAP_NSETS] = {0};
	int r;

	if ((r = set_rlimits(cfg, err)) < 0)
		return r;
	if (cfg->has_caps && (r = drop_bounding(cfg->caps[RT_CAP_BOUNDING], last, err)) < 0)
		return r;
	if (cfg->seccomp && !cfg->no_new_privileges && (r = rt_seccomp_load(cfg->seccomp, err)) < 0)
		return r;
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return berr_errno(err, errno, "keep capabilities across setuid");
	if (setgroups(cfg->n_additional_gids, cfg->additional_gids) < 0 &&
	    !(errno == EPERM && cfg->n_additional_gids == 0))
		return berr_errno(
		    err, errno,
		    "set supplementary groups (a user namespace with setgroups=deny allows none)");
	if (setresgid(gid, gid, gid) < 0)
		return berr_errno(err, errno, "set gid %u (is it mapped in the user namespace?)",
				  gid);
	if (setresuid(uid, uid, uid) < 0)
		return berr_errno(err, errno, "set uid %u (is it mapped in the user namespace?)",
				  uid);
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
		return berr_errno(err, errno, "reset keepcaps");
	if (cfg->has_caps)
		r = set_caps(cfg->caps, last, err);
	else if (uid != 0)
		r = set_caps(none, last, err);
	if (r < 0)
		return r;
	if (cfg->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return berr_errno(err, errno, "set no_new_privs");
	if (cfg->seccomp && cfg->no_new_privileges && (r = rt_seccomp_load(cfg->seccomp, err)) < 0)
		return r;
	return 0;
}
