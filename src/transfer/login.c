/* SPDX-License-Identifier: Apache-2.0 */
/*
 * login.c - `berth login` / `berth logout`: credentials are checked against the registry, then
 * kept in auth.json through config/auth.h (mode 0600, atomic writes), as podman keeps them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cli/commands.h"
#include "config/auth.h"
#include "transfer/transfer.h"
#include "util/macro.h"

#define MAX_SECRET 4096

/* registry_key() - "https://host/x/" → "host/x": the key podman uses in auth.json. */
static char *registry_key(const char *arg)
{
	const char *s = arg;
	if (strncmp(s, "https://", 8) == 0)
		s += 8;
	else if (strncmp(s, "http://", 7) == 0)
		s += 7;
	size_t n = strlen(s);
	while (n > 0 && s[n - 1] == '/')
		n--;
	return strndup(s, n);
}

/* read_secret() - one line from stdin; without echo when it is a terminal. */
static int read_secret(const char *prompt, bool hide, char **ret)
{
	char buf[MAX_SECRET];
	struct termios old, quiet;
	bool tty = isatty(STDIN_FILENO);

	if (tty && prompt) {
		fprintf(stderr, "%s", prompt);
		fflush(stderr);
	}
	if (tty && hide && tcgetattr(STDIN_FILENO, &old) == 0) {
		quiet = old;
		quiet.c_lflag &= (tcflag_t)~ECHO;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	} else
		hide = false;
	char *got = fgets(buf, sizeof(buf), stdin);
	if (hide) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fprintf(stderr, "\n");
	}
	if (!got)
		return -EIO;
	buf[strcspn(buf, "\r\n")] = 0;
	*ret = strdup(buf);
	explicit_bzero(buf, sizeof(buf));
	return *ret ? 0 : -ENOMEM;
}

static int get_login(const struct cli_args *args, const char *key)
{
	_cleanup_free_ char *path = xfer_auth_file(args, false), *u = NULL, *p = NULL;
	berth_error err = {0};
	int r = xfer_auth_lookup(path, key, &u, &p, &err);

	if (p)
		explicit_bzero(p, strlen(p));
	if (r < 0)
		return cli_fail(&err);
	if (r == 0)
		return cli_error("not logged into %s", key);
	printf("%s\n", u);
	return 0;
}

int cmd_login(struct berth_ctx *ctx, struct cli_args *args)
{
	_cleanup_free_ char *key = NULL, *host = NULL, *user = NULL, *pass = NULL, *path = NULL;
	struct xfer_side side = {0};
	berth_error err = {0};
	int r;

	(void)ctx;
	if (cli_argc(args) < 1)
		return cli_error("login: name the registry to log into, e.g. berth login "
				 "registry.example.com");
	if (!(key = registry_key(cli_argv(args)[0])) || !*key)
		return cli_error("login: invalid registry \"%s\"", cli_argv(args)[0]);
	if (cli_flag(args, "get-login"))
		return get_login(args, key);
	if (!(host = strndup(key, strcspn(key, "/"))))
		return cli_error("out of memory");
	if (cli_is_set(args, "password") && cli_flag(args, "password-stdin"))
		return cli_error("login: --password and --password-stdin exclude each other");
	if (cli_str(args, "username"))
		user = strdup(cli_str(args, "username"));
	else if (read_secret("Username: ", false, &user) < 0 || !*user)
		return cli_error("login %s: a username is required: pass --username", key);
	if (cli_str(args, "password"))
		pass = strdup(cli_str(args, "password"));
	else if (read_secret(cli_flag(args, "password-stdin") ? NULL : "Password: ", true, &pass) <
		 0)
		return cli_error("login %s: a password is required: pass --password or "
				 "--password-stdin",
				 key);
	if (!user || !pass)
		return cli_error("out of memory");
	if (!xfer_client())
		return cli_error("login: cannot initialise libcurl");
	static const struct xfer_flags lf = {"tls-verify", NULL, "cert-dir", NULL};
	r = xfer_side_init(&side, xfer_client(), args, &lf, host, "login", false, &err);
	side.img.reg.username = user;
	side.img.reg.password = pass;
	if (r == 0)
		r = reg_check_login(xfer_client(), host, &side.img.reg, &err);
	xfer_side_done(&side);
	if (r < 0)
		return cli_fail(&err);
	path = xfer_auth_file(args, true);
	r = auth_store(path, key, user, pass, &err);
	explicit_bzero(pass, strlen(pass));
	if (r < 0)
		return cli_fail(&err);
	printf("Login Succeeded!\n");
	return 0;
}

int cmd_logout(struct berth_ctx *ctx, struct cli_args *args)
{
	_cleanup_free_ char *path = xfer_auth_file(args, true), *key = NULL;
	berth_error err = {0};
	bool all = cli_flag(args, "all");
	int r;

	(void)ctx;
	if (!all && cli_argc(args) != 1)
		return cli_error("logout: name a registry, or pass --all");
	if (all && cli_argc(args) > 0)
		return cli_error("logout: --all takes no registry");
	if (all) {
		r = auth_remove_all(path, &err);
		if (r < 0)
			return cli_fail(&err);
		printf("Removed login credentials for all registries\n");
		return 0;
	}
	if (!(key = registry_key(cli_argv(args)[0])))
		return cli_error("out of memory");
	r = auth_remove(path, key, &err);
	if (r == -ENOENT)
		return cli_error("not logged into %s", key);
	if (r < 0)
		return cli_fail(&err);
	printf("Removed login credentials for %s\n", key);
	return 0;
}
