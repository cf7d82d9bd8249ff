/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "oci/reference.h"

#define D1  "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define HEX "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

/* parse with @flags and compare the full string form */
static void check(const char *in, unsigned flags, const char *want)
{
	oci_ref *r = NULL;
	berth_error err = {0};
	char *s;

	if (oci_ref_parse(in, flags, &r, &err) < 0)
		fail_msg("parse \"%s\": %s", in, err.msg);
	s = oci_ref_string(r);
	assert_non_null(s);
	if (strcmp(s, want) != 0)
		fail_msg("parse \"%s\": got \"%s\", want \"%s\"", in, s, want);
	free(s);
	oci_ref_free(r);
}

/* parse must fail with -EINVAL and a message containing @msg */
static void check_bad(const char *in, unsigned flags, const char *msg)
{
	oci_ref *r = NULL;
	berth_error err = {0};

	if (oci_ref_parse(in, flags, &r, &err) != -EINVAL)
		fail_msg("parse \"%s\" should fail", in);
	if (!strstr(err.msg, msg))
		fail_msg("parse \"%s\": message \"%s\" lacks \"%s\"", in, err.msg, msg);
	assert_null(r);
}

static void test_parse_parts(void **state)
{
	oci_ref *r = NULL;

	(void)state;
	assert_int_equal(oci_ref_parse("localhost:5000/a/b:v1@" D1, 0, &r, NULL), 0);
	assert_string_equal(r->domain, "localhost:5000");
	assert_string_equal(r->path, "a/b");
	assert_string_equal(r->tag, "v1");
	assert_string_equal(r->digest, D1);
	oci_ref_free(r);

	assert_int_equal(oci_ref_parse("busybox", 0, &r, NULL), 0);
	assert_null(r->domain);
	assert_string_equal(r->path, "busybox");
	assert_null(r->tag);
	assert_null(r->digest);
	oci_ref_free(r);

	/* "foo/bar": the first component is not a domain */
	assert_int_equal(oci_ref_parse("foo/bar:1", 0, &r, NULL), 0);
	assert_null(r->domain);
	assert_string_equal(r->path, "foo/bar");
	oci_ref_free(r);

	/* uppercase first component is a domain (Docker's rule) */
	assert_int_equal(oci_ref_parse("Foo/bar", 0, &r, NULL), 0);
	assert_string_equal(r->domain, "Foo");
	oci_ref_free(r);

	/* "localhost:5000" alone is name "localhost" with tag "5000" */
	assert_int_equal(oci_ref_parse("localhost:5000", 0, &r, NULL), 0);
	assert_null(r->domain);
	assert_string_equal(r->path, "localhost");
	assert_string_equal(r->tag, "5000");
	oci_ref_free(r);

	/* the error code survives without an error buffer */
	assert_int_equal(oci_ref_parse("a@sha256:1", 0, &r, NULL), -EINVAL);
	assert_int_equal(oci_ref_parse("a@md5:d41d8cd98f00b204e9800998ecf8427e", 0, &r, NULL),
			 -ENOTSUP);
	assert_null(oci_ref_free(NULL));
}

static void test_grammar(void **state)
{
	char name[300];

	(void)state;
	check("a", 0, "a");
	check("a.b/c", 0, "a.b/c");
	check("a_b__c-d---e.f", 0, "a_b__c-d---e.f");
	check("127.0.0.1:5000/app:latest", 0, "127.0.0.1:5000/app:latest");
	check("[::1]:5000/app", 0, "[::1]:5000/app");
	check_bad("[fe80::1%eth0]/x", OCI_REF_NORMALIZE, "is not a valid registry host");
	check("registry-1.example.com/a/b/c:_T.a-g", 0, "registry-1.example.com/a/b/c:_T.a-g");
	check("x@" D1, 0, "x@" D1);

	check_bad("", 0, "the name is empty");
	check_bad("Busybox", 0, "repository name must be lowercase");
	check_bad("a//b", 0, "expected [HOST[:PORT]/]NAME");
	check_bad("a/", 0, "expected [HOST[:PORT]/]NAME");
	check_bad("-a", 0, "expected");
	check_bad("a-", 0, "expected");
	check_bad("a___b", 0, "expected");
	check_bad("a..b", 0, "expected");
	check_bad("a b", 0, "expected");
	check_bad("a:", 0, "the tag \"\" must be");
	check_bad("a:-x", 0, "the tag \"-x\"");
	check_bad("a:x/y", 0, "is not a valid registry host");
	check_bad("a@sha256:abc", 0, "invalid digest");
	check_bad("a@", 0, "invalid digest");
	check_bad("-x.com/a", 0, "is not a valid registry host");
	check_bad("x.com:/a", 0, "is not a valid registry host");
	check_bad("x.com:5a/a", 0, "is not a valid registry host");
	check_bad("[zz::1]/a", 0, "is not a valid registry host");
	check_bad("a@" D1, OCI_REF_NO_DIGEST, "a digest is not allowed");

	/* tag length limit: 128 ok, 129 refused */
	memset(name, 'a', sizeof(name));
	memcpy(name, "x:", 2);
	name[2 + 128] = '\0';
	check(name, 0, name);
	name[2 + 128] = 't';
	name[2 + 129] = '\0';
	check_bad(name, 0, "must be 1 to 128");

	/* name length limit: 255 ok, 256 refused (counted after normalization) */
	memset(name, 'a', sizeof(name));
	name[255] = '\0';
	check(name, 0, name);
	name[255] = 'a';
	name[256] = '\0';
	check_bad(name, 0, "must not be more than 255");
	memset(name, 'a', sizeof(name));
	name[250] = '\0';
	check_bad(name, OCI_REF_NORMALIZE, "must not be more than 255");
}

static void test_normalize(void **state)
{
	const unsigned N = OCI_REF_NORMALIZE | OCI_REF_DEFAULT_TAG;

	(void)state;
	check("busybox", N, "docker.io/library/busybox:latest");
	check("busybox", OCI_REF_NORMALIZE, "docker.io/library/busybox");
	check("busybox:1.36", N, "docker.io/library/busybox:1.36");
	check("busybox@" D1, N, "docker.io/library/busybox@" D1);
	check("user/app", N, "docker.io/user/app:latest");
	check("docker.io/busybox", N, "docker.io/library/busybox:latest");
	check("index.docker.io/busybox", N, "docker.io/library/busybox:latest");
	check("quay.io/busybox", N, "quay.io/busybox:latest");
	check("localhost/busybox", N, "localhost/busybox:latest");
	check("localhost:5000/a", N, "localhost:5000/a:latest");
	check_bad(HEX, OCI_REF_NORMALIZE, "is an image id");
	check(HEX, 0, HEX);

	/* podman: tag/import to a short name means localhost/NAME:latest */
	check("myimg", OCI_REF_LOCAL | OCI_REF_DEFAULT_TAG, "localhost/myimg:latest");
	check("me/myimg:v2", OCI_REF_LOCAL | OCI_REF_DEFAULT_TAG, "localhost/me/myimg:v2");
	check("quay.io/me/x", OCI_REF_LOCAL | OCI_REF_DEFAULT_TAG, "quay.io/me/x:latest");

	/* the walkthrough's names */
	check("docker.io/library/registry", N, "docker.io/library/registry:latest");
	check("rhel8:5000/registry", OCI_REF_LOCAL | OCI_REF_DEFAULT_TAG,
	      "rhel8:5000/registry:latest");
	check("rhel8:5000/httpd", N, "rhel8:5000/httpd:latest");
	check("registry.fedoraproject.org/f29/httpd", N,
	      "registry.fedoraproject.org/f29/httpd:latest");
}

static void test_format(void **state)
{
	oci_ref *r = NULL;
	char *s;

	(void)state;
	assert_int_equal(oci_ref_parse("busybox:1", OCI_REF_NORMALIZE, &r, NULL), 0);
	s = oci_ref_familiar(r);
	assert_string_equal(s, "busybox:1");
	free(s);
	s = oci_ref_name(r);
	assert_string_equal(s, "docker.io/library/busybox");
	free(s);
	oci_ref_free(r);

	assert_int_equal(oci_ref_parse("docker.io/library/a/b", OCI_REF_NORMALIZE, &r, NULL), 0);
	s = oci_ref_familiar(r);
	assert_string_equal(s, "library/a/b");
	free(s);
	oci_ref_free(r);

	assert_int_equal(oci_ref_parse("user/app@" D1, OCI_REF_NORMALIZE, &r, NULL), 0);
	s = oci_ref_familiar(r);
	assert_string_equal(s, "user/app@" D1);
	free(s);
	oci_ref_free(r);

	/* dropping docker.io here would turn foo.bar into a registry */
	assert_int_equal(oci_ref_parse("docker.io/foo.bar/x", OCI_REF_NORMALIZE, &r, NULL), 0);
	s = oci_ref_familiar(r);
	assert_string_equal(s, "docker.io/foo.bar/x");
	free(s);
	oci_ref_free(r);

	assert_int_equal(oci_ref_parse("quay.io/library/x:v", OCI_REF_NORMALIZE, &r, NULL), 0);
	s = oci_ref_familiar(r);
	assert_string_equal(s, "quay.io/library/x:v");
	free(s);
	oci_ref_free(r);
}

static void test_new_dup_set(void **state)
{
	oci_ref *r = NULL, *d;
	berth_error err = {0};
	char *s;

	(void)state;
	assert_int_equal(oci_ref_new("127.0.0.1:5000", "app", "v1", NULL, &r, NULL), 0);
	d = oci_ref_dup(r);
	assert_int_equal(oci_ref_set_tag(d, "v2", NULL), 0);
	assert_int_equal(oci_ref_set_digest(d, D1, NULL), 0);
	s = oci_ref_string(d);
	assert_string_equal(s, "127.0.0.1:5000/app:v2@" D1);
	free(s);
	assert_int_equal(oci_ref_set_tag(d, ".bad", &err), -EINVAL);
	assert_non_null(strstr(err.msg, "invalid tag \".bad\""));
	assert_int_equal(oci_ref_set_digest(d, "sha256:1", &err), -EINVAL);
	assert_int_equal(oci_ref_set_tag(d, NULL, NULL), 0);
	assert_int_equal(oci_ref_set_digest(d, NULL, NULL), 0);
	s = oci_ref_string(d);
	assert_string_equal(s, "127.0.0.1:5000/app");
	free(s);
	oci_ref_free(d);
	s = oci_ref_string(r);
	assert_string_equal(s, "127.0.0.1:5000/app:v1");
	free(s);
	oci_ref_free(r);
	r = NULL;

	assert_int_equal(oci_ref_new("bad host", "app", NULL, NULL, &r, &err), -EINVAL);
	assert_int_equal(oci_ref_new(NULL, "App", NULL, NULL, &r, &err), -EINVAL);
	assert_int_equal(oci_ref_new(NULL, NULL, NULL, NULL, &r, &err), -EINVAL);
	assert_int_equal(oci_ref_new(NULL, "a", "v", "bad", &r, &err), -EINVAL);
	assert_null(r);
	assert_null(oci_ref_dup(NULL));
}

static void test_predicates(void **state)
{
	(void)state;
	assert_true(oci_ref_is_short_name("busybox"));
	assert_true(oci_ref_is_short_name("user/app:1"));
	assert_false(oci_ref_is_short_name("localhost/busybox"));
	assert_false(oci_ref_is_short_name("quay.io/x"));
	assert_false(oci_ref_is_short_name("host:5000/x"));
	assert_false(oci_ref_is_short_name("Bad"));
	assert_false(oci_ref_is_short_name(NULL));
	assert_true(oci_ref_tag_is_valid("v1.0_rc-2"));
	assert_false(oci_ref_tag_is_valid(NULL));
	assert_false(oci_ref_tag_is_valid("a/b"));
	assert_true(oci_ref_path_is_valid("a/b"));
	assert_false(oci_ref_path_is_valid("a/B"));
	assert_true(oci_ref_domain_is_valid("a.b:1"));
	assert_false(oci_ref_domain_is_valid("a.b:"));
	assert_false(oci_ref_domain_is_valid("a..b"));
}

/* parse a transport name and compare its string form */
static oci_image_name *tcheck(const char *in, const char *want)
{
	oci_image_name *n = NULL;
	berth_error err = {0};
	char *s;

	if (oci_image_name_parse(in, &n, &err) < 0)
		fail_msg("parse \"%s\": %s", in, err.msg);
	s = oci_image_name_string(n);
	assert_non_null(s);
	if (strcmp(s, want) != 0)
		fail_msg("parse \"%s\": got \"%s\", want \"%s\"", in, s, want);
	free(s);
	return n;
}

static void tcheck_bad(const char *in, const char *msg)
{
	oci_image_name *n = NULL;
	berth_error err = {0};

	if (oci_image_name_parse(in, &n, &err) != -EINVAL)
		fail_msg("parse \"%s\" should fail", in);
	if (!strstr(err.msg, msg))
		fail_msg("parse \"%s\": message \"%s\" lacks \"%s\"", in, err.msg, msg);
	assert_null(n);
}

static void test_transports(void **state)
{
	oci_image_name *n;

	(void)state;
	n = tcheck("docker://busybox", "docker://docker.io/library/busybox:latest");
	assert_int_equal(n->transport, OCI_TRANSPORT_DOCKER);
	assert_string_equal(n->ref->path, "library/busybox");
	oci_image_name_free(n);
	oci_image_name_free(
	    tcheck("docker://127.0.0.1:5000/a@" D1, "docker://127.0.0.1:5000/a@" D1));
	oci_image_name_free(tcheck("docker-daemon:x:1", "docker-daemon:docker.io/library/x:1"));

	n = tcheck("oci:/tmp/lay:v1.0", "oci:/tmp/lay:v1.0");
	assert_int_equal(n->transport, OCI_TRANSPORT_OCI);
	assert_string_equal(n->path, "/tmp/lay");
	assert_string_equal(n->layout_ref, "v1.0");
	assert_int_equal(n->source_index, -1);
	oci_image_name_free(n);
	n = tcheck("oci:/tmp/lay", "oci:/tmp/lay");
	assert_null(n->layout_ref);
	oci_image_name_free(n);
	n = tcheck("oci-archive:/tmp/a.tar:@1", "oci-archive:/tmp/a.tar:@1");
	assert_int_equal(n->source_index, 1);
	oci_image_name_free(n);
	n = tcheck("oci-archive:img.tar:localhost/x:1", "oci-archive:img.tar:localhost/x:1");
	assert_string_equal(n->layout_ref, "localhost/x:1");
	oci_image_name_free(n);

	n = tcheck("dir:/tmp/with:colon", "dir:/tmp/with:colon");
	assert_string_equal(n->path, "/tmp/with:colon");
	oci_image_name_free(n);

	n = tcheck("docker-archive:/tmp/x.tar", "docker-archive:/tmp/x.tar");
	assert_null(n->ref);
	oci_image_name_free(n);
	n = tcheck("docker-archive:/tmp/x.tar:app:v1",
		   "docker-archive:/tmp/x.tar:docker.io/library/app:v1");
	assert_string_equal(n->ref->tag, "v1");
	oci_image_name_free(n);
	n = tcheck("docker-archive:/tmp/x.tar:@0", "docker-archive:/tmp/x.tar:@0");
	assert_int_equal(n->source_index, 0);
	oci_image_name_free(n);

	n = tcheck("containers-storage:busybox",
		   "containers-storage:docker.io/library/busybox:latest");
	assert_int_equal(n->transport, OCI_TRANSPORT_CONTAINERS_STORAGE);
	oci_image_name_free(n);
	n = tcheck("containers-storage:" HEX, "containers-storage:@" HEX);
	assert_string_equal(n->id, HEX);
	assert_null(n->ref);
	oci_image_name_free(n);
	n = tcheck("containers-storage:[overlay@/var/lib/x+/run/x]localhost/a@" HEX,
		   "containers-storage:[overlay@/var/lib/x+/run/x]localhost/a:latest@" HEX);
	assert_string_equal(n->store_spec, "overlay@/var/lib/x+/run/x");
	assert_string_equal(n->id, HEX);
	oci_image_name_free(n);

	tcheck_bad("busybox", "expected TRANSPORT:DETAILS");
	tcheck_bad("ftp:x", "unknown transport \"ftp\"");
	tcheck_bad("docker:busybox", "needs \"docker://\"");
	tcheck_bad("docker://Busybox", "docker transport: invalid image reference");
	tcheck_bad("oci:", "the path is missing");
	tcheck_bad("oci::x", "the path is missing");
	tcheck_bad("oci:/x:-bad", "not a valid image name inside the layout");
	tcheck_bad("dir:", "the path is missing");
	tcheck_bad("docker-archive:", "the path is missing");
	tcheck_bad("docker-archive:/x:a@" D1, "a digest is not allowed");
	tcheck_bad("containers-storage:[x", "is not closed");
	tcheck_bad("containers-storage:", "give an image name or id");
	tcheck_bad(NULL, "invalid image name");

	assert_true(oci_image_name_has_transport("docker://x"));
	assert_true(oci_image_name_has_transport("oci-archive:/x"));
	assert_false(oci_image_name_has_transport("docker:5000/x"));
	assert_false(oci_image_name_has_transport("localhost:5000/x"));
	assert_false(oci_image_name_has_transport(NULL));
	assert_string_equal(oci_transport_name(OCI_TRANSPORT_DIR), "dir");
	assert_string_equal(oci_transport_name((oci_transport)99), "unknown");
	assert_null(oci_image_name_free(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_parts), cmocka_unit_test(test_grammar),
	    cmocka_unit_test(test_normalize),	cmocka_unit_test(test_format),
	    cmocka_unit_test(test_new_dup_set), cmocka_unit_test(test_predicates),
	    cmocka_unit_test(test_transports),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
