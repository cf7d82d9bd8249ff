// SPDX-License-Identifier: Apache-2.0
/*
 * pull_missing.c - podman's --pull policies for run and create: "missing" (the default) pulls an
 * image that is not in the store, "always" and "newer" pull it every time, "never" does not;
 * the pull is `berth pull` (berth-transfer), its progress lines on stderr. "newer" pulls like
 * "always" (berth's pull downloads only the blobs the store lacks, so an image that did not
 * change on the registry costs one manifest request), except that, as podman's, a failed pull
 * is no error while the store has the image: the local one runs.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/args.h"
#include "cli/commands.h"
#include "store/store.h"
#include "util/macro.h"

int cli_pull_missing(struct berth_ctx *ctx, struct cli_args *args)
{
	const char *image = cli_argv(args)[0], *policy = cli_str(args, "pull");
	_cleanup_free_ char *berth = berth_ctx_helper_path(ctx, "berth");
	_cleanup_free_ char **argv = NULL;
	struct store_image *img = NULL;
	struct store *s = NULL;
	size_t n = 0, ng = 0;
	int status = 0;
	pid_t pid;

	bool newer = policy && strcmp(policy, "newer") == 0;
	bool always = newer || (policy && strcmp(policy, "always") == 0);
	bool have = false;

	/* create reports "image not known"; localhost/ names are local (podman tries a registry) */
	if ((policy && strcmp(policy, "never") == 0) || strncmp(image, "localhost/", 10) == 0)
		return 0;
	if (!always || newer) {
		if (cli_open_store(ctx, &s) != 0)
			return 125;
		int r = store_image_lookup(s, image, &img, NULL);
		store_image_free(img);
		store_close(s);
		have = r == 0;
		if (!always && r != -ENOENT)
			return 0; /* found, or an error create reports better */
	}
	while (ctx->global_argv && ctx->global_argv[ng])
		ng++;
	if (!berth || !(argv = calloc(ng + 4, sizeof(char *))))
		return cli_error("out of memory");
	argv[n++] = berth;
	for (size_t i = 0; i < ng; i++)
		argv[n++] = ctx->global_argv[i];
	argv[n++] = "pull";
	argv[n++] = (char *)image;
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return cli_error("cannot pull %s: fork: %s", image, strerror(errno));
	if (pid == 0) {
		/* stdout is the container's (run -d, create print its id): not the image id */
		int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
		if (null < 0 || dup2(null, STDOUT_FILENO) < 0)
			_exit(125);
		execv(berth, argv);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (newer && have) {
		fprintf(stderr, "WARN[0000] pull %s failed: using the local image\n", image);
		return 0;
	}
	/* pull printed its own Error: line */
	return 125;
}
