/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_transport_registry.c - the registry client's protocol helpers (WWW-Authenticate, Link,
 * error bodies, digests) and its error lines against real sockets on 127.0.0.1: a refused
 * connection, and a plain-HTTP server asked over HTTPS. Whole pushes and pulls against real
 * registries are in tests/system/transfer*.bats and tests/interop/transfer*.bats.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "transport/registry_client.h"

static void test_challenge_bearer(void **state)
{
	struct reg_challenge c = {0};
	(void)state;
	assert_int_equal(
	    reg_parse_challenge("Bearer realm=\"https://auth.example/token\","
				"service=\"registry.example\",scope=\"repository:a/b:pull\"",
				&c),
	    0);
	assert_string_equal(c.scheme, "bearer");
	assert_string_equal(c.realm, "https://auth.example/token");
	assert_string_equal(c.service, "registry.example");
	assert_string_equal(c.scope, "repository:a/b:pull");
	reg_challenge_done(&c);

	assert_int_equal(reg_parse_challenge("Basic realm=\"Registry Realm\"", &c), 0);
	assert_string_equal(c.scheme, "basic");
	assert_string_equal(c.realm, "Registry Realm");
	assert_null(c.service);
	reg_challenge_done(&c);

	/* unquoted values and escapes */
	assert_int_equal(reg_parse_challenge("bearer realm=http://x/t,service=a\\b", &c), 0);
	assert_string_equal(c.realm, "http://x/t");
	reg_challenge_done(&c);
	assert_int_equal(reg_parse_challenge("Bearer realm=\"a\\\"b\"", &c), 0);
	assert_string_equal(c.realm, "a\"b");
	reg_challenge_done(&c);
}

static void test_challenge_malformed(void **state)
{
	struct reg_challenge c = {0};
	(void)state;
	assert_int_equal(reg_parse_challenge("", &c), -EINVAL);
	assert_int_equal(reg_parse_challenge("Bearer service=\"x\"", &c), -EINVAL); /* no realm */
	assert_int_equal(reg_parse_challenge("Bearer realm=\"unterminated", &c), -EINVAL);
	assert_int_equal(reg_parse_challenge("Bearer realm", &c), -EINVAL);
}

static void test_link_next(void **state)
{
	char *u;
	(void)state;
	u = reg_parse_link_next("</v2/app/tags/list?n=2&last=b>; rel=\"next\"");
	assert_string_equal(u, "/v2/app/tags/list?n=2&last=b");
	free(u);
	u = reg_parse_link_next(
	    "</prev>; rel=\"prev\", <https://r/v2/_catalog?last=x>; rel=\"next\"");
	assert_string_equal(u, "https://r/v2/_catalog?last=x");
	free(u);
	assert_null(reg_parse_link_next("</prev>; rel=\"prev\""));
	assert_null(reg_parse_link_next("garbage"));
	assert_null(reg_parse_link_next(""));
}

static void test_error_summary(void **state)
{
	const char *body = "{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\",\"message\":\"manifest "
			   "unknown\",\"detail\":{\"Tag\":\"x\"}}]}";
	char *code = NULL, *msg;
	(void)state;
	msg = reg_error_summary(body, strlen(body), &code);
	assert_string_equal(msg, "manifest unknown");
	assert_string_equal(code, "MANIFEST_UNKNOWN");
	free(msg);
	free(code);
	/* a server may not inject new lines into our one-line errors */
	const char *evil = "{\"errors\":[{\"code\":\"X\",\"message\":\"a\\nError: b\"}]}";
	msg = reg_error_summary(evil, strlen(evil), NULL);
	assert_null(strchr(msg, '\n'));
	free(msg);
	assert_null(reg_error_summary("<html>502</html>", 16, NULL));
	assert_null(reg_error_summary("{}", 2, NULL));
	assert_null(reg_error_summary(NULL, 0, NULL));
}

static void test_digest_and_host(void **state)
{
	(void)state;
	assert_true(reg_is_digest(
	    "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
	assert_false(reg_is_digest(
	    "sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"));
	assert_false(reg_is_digest("sha256:e3b0"));
	assert_false(reg_is_digest("md5:e3b0c44298fc1c149afbf4c8996fb924"));
	assert_false(reg_is_digest(NULL));
	assert_string_equal(reg_api_host("docker.io"), "registry-1.docker.io");
	assert_string_equal(reg_api_host("127.0.0.1:5000"), "127.0.0.1:5000");
}

/* A listening socket on 127.0.0.1 with a kernel-chosen port. */
static int listen_any(int *port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t l = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(fd, 4), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &l), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

/* Answers every connection with a plain HTTP response, as a non-TLS registry does. */
static void *plain_http_server(void *arg)
{
	int lfd = *(int *)arg;
	for (int i = 0; i < 4; i++) {
		int c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (c < 0)
			break;
		char buf[4096];
		(void)!read(c, buf, sizeof(buf));
		static const char resp[] = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n"
					   "Connection: close\r\n\r\n";
		(void)!write(c, resp, sizeof(resp) - 1);
		close(c);
	}
	return NULL;
}

static void test_http_answer_to_https(void **state)
{
	struct reg_client *c = reg_client_new();
	struct reg_repo *r = NULL;
	struct reg_opts o = {.tls_verify = true, .op = "push"};
	berth_error err = {0};
	pthread_t t;
	char host[64];
	int port, lfd = listen_any(&port);
	(void)state;

	snprintf(host, sizeof(host), "127.0.0.1:%d", port);
	assert_int_equal(pthread_create(&t, NULL, plain_http_server, &lfd), 0);
	char name[128];
	snprintf(name, sizeof(name), "%s/app", host);
	assert_true(reg_repo_open(c, host, "app", &o, name, &r, &err) < 0);
	char want[256];
	snprintf(want, sizeof(want),
		 "push %s/app: the registry answered HTTP to an HTTPS request; mark it insecure = "
		 "true in registries.conf or pass --tls-verify=false",
		 host);
	assert_string_equal(err.msg, want);
	shutdown(lfd, SHUT_RDWR);
	close(lfd);
	pthread_join(t, NULL);
	reg_client_free(c);
}

static void test_connection_refused(void **state)
{
	struct reg_client *c = reg_client_new();
	struct reg_repo *r = NULL;
	struct reg_opts o = {.tls_verify = false, .op = "pull"};
	berth_error err = {0};
	char host[64];
	int port, lfd = listen_any(&port);
	(void)state;

	close(lfd); /* nothing listens there now */
	snprintf(host, sizeof(host), "127.0.0.1:%d", port);
	assert_int_equal(reg_repo_open(c, host, "x", &o, host, &r, &err), -ECONNREFUSED);
	assert_non_null(strstr(err.msg, "cannot connect to 127.0.0.1:"));
	assert_non_null(strstr(err.msg, "is the registry running there?"));
	assert_null(r);
	reg_client_free(c);
}

static void test_bad_host(void **state)
{
	struct reg_client *c = reg_client_new();
	struct reg_repo *r = NULL;
	struct reg_opts o = {.tls_verify = true};
	berth_error err = {0};
	(void)state;
	assert_int_equal(reg_repo_open(c, "a/b", "x", &o, "a/b", &r, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "invalid registry host"));
	/* .invalid never resolves (RFC 6761): no network needed */
	assert_int_equal(reg_repo_open(c, "nohost.invalid", "x", &o, "nohost.invalid/x", &r, &err),
			 -EHOSTUNREACH);
	assert_string_equal(
	    err.msg, "nohost.invalid/x: unknown host nohost.invalid: check the registry name, "
		     "or your DNS");
	reg_client_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_challenge_bearer),   cmocka_unit_test(test_challenge_malformed),
	    cmocka_unit_test(test_link_next),	       cmocka_unit_test(test_error_summary),
	    cmocka_unit_test(test_digest_and_host),    cmocka_unit_test(test_http_answer_to_https),
	    cmocka_unit_test(test_connection_refused), cmocka_unit_test(test_bad_host),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
