/* SPDX-License-Identifier: Apache-2.0 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "util/sd_notify.h"

static void test_sends_to_path_socket(void **state)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char dir[] = "/tmp/berth-notify-XXXXXX", buf[128];
	int fd;
	ssize_t n;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/notify", dir);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	setenv("NOTIFY_SOCKET", sa.sun_path, 1);
	assert_int_equal(sd_notify_send(NULL, "READY=1\nMAINPID=42"), 1);
	n = recv(fd, buf, sizeof(buf) - 1, 0);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_string_equal(buf, "READY=1\nMAINPID=42");
	close(fd);
	unlink(sa.sun_path);
	rmdir(dir);
	unsetenv("NOTIFY_SOCKET");
	assert_int_equal(sd_notify_send(NULL, "READY=1"), 0);
	assert_true(sd_notify_send("relative/path", "READY=1") < 0);
}

static void test_listen_fds_only_for_us(void **state)
{
	char pid[32];

	(void)state;
	setenv("LISTEN_PID", "1", 1);
	setenv("LISTEN_FDS", "2", 1);
	assert_int_equal(sd_listen_fds(), 0);
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	setenv("LISTEN_PID", pid, 1);
	assert_int_equal(sd_listen_fds(), 2);
	assert_null(getenv("LISTEN_FDS"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sends_to_path_socket),
		cmocka_unit_test(test_listen_fds_only_for_us),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
