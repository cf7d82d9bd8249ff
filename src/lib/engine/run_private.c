/* SPDX-License-Identifier: Apache-2.0 */
/*
 * run_private.c - running a function with the store's ownership (see run_private.h).
 */
#include "engine/run_private.h"

#include <errno.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/userns.h"

struct child_result {
	int r;
	berth_error err;
};

int ctr_run_private(struct berth_ctx *ctx, bool mount_ns, int (*fn)(void *data, berth_error *err),
		    void *data, berth_error *err)
{
	struct child_result *res;
	pid_t pid;
	int status, r;

	if (ctx->rootless) {
		struct userns_mapping m;
		r = userns_mapping_for_user(ctx->uid, ctx->gid, NULL, "/etc/subuid", "/etc/subgid",
					    &m, err);
		if (r < 0)
			return r;
		return userns_run(&m, fn, data, err);
	}
	if (!mount_ns)
		return fn(data, err);
	res = mmap(NULL, sizeof(*res), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (res == MAP_FAILED)
		return berr_errno(err, errno, "map shared memory");
	res->r = -EIO;
	pid = fork();
	if (pid < 0) {
		munmap(res, sizeof(*res));
		return berr_errno(err, errno, "fork");
	}
	if (pid == 0) {
		if (unshare(CLONE_NEWNS) < 0 ||
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
			res->r = berr_errno(&res->err, errno, "new mount namespace");
		else
			res->r = fn(data, &res->err);
		_exit(0);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	r = res->r;
	if (r < 0 && err)
		*err = res->err;
	else if (r < 0)
		berr_clear(err);
	munmap(res, sizeof(*res));
	if (r >= 0 && (!WIFEXITED(status) || WEXITSTATUS(status) != 0))
		r = berr(err, EIO, "helper process died");
	return r;
}
