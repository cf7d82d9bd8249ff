// SPDX-License-Identifier: Apache-2.0
/*
 * bench/timeit.c - run a command N times and print its median wall-clock milliseconds.
 *
 *   timeit N CMD [ARG...] [:: CMD [ARG...]]...
 *
 * Commands separated by a lone "::" run one after the other and count as one run (pause ::
 * unpause); a run stops at the first command that fails.
 * The command is fork+exec'd directly (stdin from /dev/null, stdout and stderr to /dev/null),
 * so a measurement holds nothing but the command itself: timing through a bash loop added
 * ~4 ms per run on the bench VMs to both engines, which squeezed every ratio towards 1.
 * The median, not the mean, because the machines are shared: one run that another
 * engineer's test slowed down does not move it. A command that fails is reported on stderr
 * and makes the exit status 1 (its time is still counted).
 *
 * Built by bench/lib.sh with the host's cc; not part of the meson build.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* run_one() - fork+exec argv with stdio on /dev/null; Return: its wait status, -1 on error */
static int run_one(char **argv, int devnull)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		dup2(devnull, 0);
		dup2(devnull, 1);
		dup2(devnull, 2);
		execvp(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -1;
	return status;
}

/*
 * run_once() - run each "::"-separated command of argv in turn (the separators are replaced by
 * NULL in place, so this is done once, before the first run, by split_commands())
 * @cmds: the commands' argv arrays, @ncmds: how many
 * Return: 0, or the wait status of the first command that failed
 */
static int run_once(char ***cmds, int ncmds, int devnull)
{
	int i, status;

	for (i = 0; i < ncmds; i++) {
		status = run_one(cmds[i], devnull);
		if (status != 0)
			return status;
	}
	return 0;
}

/* split_commands() - cut argv at each lone "::"; Return: the number of commands in @cmds */
static int split_commands(char **argv, char ***cmds)
{
	int n = 0;

	cmds[n++] = argv;
	for (; *argv; argv++) {
		if (strcmp(*argv, "::") == 0) {
			*argv = NULL;
			cmds[n++] = argv + 1;
		}
	}
	return n;
}

int main(int argc, char **argv)
{
	int n, i, ncmds, devnull, failed = 0;
	char ***cmds;
	double *ms, t;

	if (argc < 3 || (n = atoi(argv[1])) < 1) {
		fprintf(stderr, "usage: timeit N CMD [ARG...]\n");
		return 2;
	}
	devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	ms = calloc((size_t)n, sizeof(*ms));
	cmds = calloc((size_t)argc, sizeof(*cmds));
	if (devnull < 0 || !ms || !cmds) {
		perror("timeit");
		return 2;
	}
	ncmds = split_commands(argv + 2, cmds);
	for (i = 0; i < n; i++) {
		int status;

		t = now_ms();
		status = run_once(cmds, ncmds, devnull);
		ms[i] = now_ms() - t;
		if (status != 0 && !failed++)
			fprintf(stderr, "timeit: %s failed (wait status %d)\n", argv[2], status);
	}
	qsort(ms, (size_t)n, sizeof(*ms), cmp_double);
	t = n % 2 ? ms[n / 2] : (ms[n / 2 - 1] + ms[n / 2]) / 2;
	printf("%.1f\n", t);
	return failed ? 1 : 0;
}
