/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "oci/digest.h"

/* sha256("") and sha256("abc") */
#define EMPTY_HEX "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define ABC_HEX	  "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
#define EMPTY	  "sha256:" EMPTY_HEX
#define ABC	  "sha256:" ABC_HEX
#define SHA512_EMPTY                                                                               \
	"sha512:cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2"    \
	"b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e"

static void test_parse_valid(void **state)
{
	oci_digest_algo algo = OCI_DIGEST_SHA512;
	const char *hex = NULL;

	(void)state;
	assert_int_equal(oci_digest_parse(EMPTY, &algo, &hex, NULL), 0);
	assert_int_equal(algo, OCI_DIGEST_SHA256);
	assert_string_equal(hex, EMPTY_HEX);
	assert_int_equal(oci_digest_parse(SHA512_EMPTY, &algo, &hex, NULL), 0);
	assert_int_equal(algo, OCI_DIGEST_SHA512);
	assert_true(oci_digest_is_sha256(EMPTY));
	assert_false(oci_digest_is_sha256(SHA512_EMPTY));
	assert_string_equal(oci_digest_hex(ABC), ABC_HEX);
	assert_null(oci_digest_hex("sha256:abc"));
}

static void test_parse_invalid(void **state)
{
	berth_error err = {0};
	const char *hex = "untouched";

	(void)state;
	assert_int_equal(oci_digest_parse(NULL, NULL, NULL, &err), -EINVAL);
	assert_int_equal(oci_digest_parse("", NULL, NULL, &err), -EINVAL);
	assert_int_equal(oci_digest_parse("e3b0c44298fc", NULL, &hex, &err), -EINVAL);
	assert_string_equal(hex, "untouched");
	assert_non_null(strstr(err.msg, "expected \"algorithm:hex\""));
	/* uppercase hex */
	assert_int_equal(oci_digest_validate("sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B9"
					     "34CA495991B7852B855",
					     &err),
			 -EINVAL);
	assert_non_null(strstr(err.msg, "exactly 64 lowercase hex"));
	/* too short, too long, trailing junk */
	assert_int_equal(oci_digest_validate("sha256:e3b0", &err), -EINVAL);
	assert_int_equal(oci_digest_validate(EMPTY "0", &err), -EINVAL);
	assert_int_equal(oci_digest_validate(EMPTY " ", &err), -EINVAL);
	assert_int_equal(oci_digest_validate("sha512:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b9"
					     "34ca495991b7852b855",
					     &err),
			 -EINVAL);
	assert_non_null(strstr(err.msg, "sha512 needs exactly 128"));
	/* well-formed but unknown algorithm */
	assert_int_equal(oci_digest_validate("md5:d41d8cd98f00b204e9800998ecf8427e", &err),
			 -ENOTSUP);
	assert_non_null(strstr(err.msg, "unsupported digest algorithm \"md5\""));
	assert_int_equal(
	    oci_digest_validate("sha256+b64u:LCa0a2j_xo_5m0U8HTBBNBNCLXBkg7-g-YpeiGJm564", &err),
	    -ENOTSUP);
	/* malformed algorithm */
	assert_int_equal(oci_digest_validate("SHA256:abc", &err), -EINVAL);
	assert_int_equal(oci_digest_validate(":abc", &err), -EINVAL);
	assert_int_equal(oci_digest_validate("sha256-:abc", &err), -EINVAL);
}

static void test_ids(void **state)
{
	char s[OCI_SHORT_ID_LEN + 1];
	char *d = NULL;
	berth_error err = {0};

	(void)state;
	assert_true(oci_hex_is_id(EMPTY_HEX));
	assert_false(oci_hex_is_id(EMPTY));
	assert_false(oci_hex_is_id(NULL));
	assert_false(oci_hex_is_id("e3b0"));
	assert_true(oci_hex_is_prefix("e3b0"));
	assert_false(oci_hex_is_prefix(""));
	assert_false(oci_hex_is_prefix("e3b0x"));
	assert_false(oci_hex_is_prefix(EMPTY "0"));
	assert_int_equal(oci_digest_short_id(EMPTY, s, NULL), 0);
	assert_string_equal(s, "e3b0c44298fc");
	assert_int_equal(oci_digest_short_id(ABC_HEX, s, NULL), 0);
	assert_string_equal(s, "ba7816bf8f01");
	assert_int_equal(oci_digest_short_id("bogus", s, &err), -EINVAL);
	assert_int_equal(oci_digest_from_hex(ABC_HEX, &d, NULL), 0);
	assert_string_equal(d, ABC);
	free(d);
	assert_int_equal(oci_digest_from_hex("abc", &d, &err), -EINVAL);
	assert_int_equal(oci_digest_from_hex(NULL, &d, &err), -EINVAL);
}

static void test_compute(void **state)
{
	char d[OCI_DIGEST_SHA256_LEN + 1];
	uint64_t size = 0;
	int p[2];
	berth_error err = {0};

	(void)state;
	oci_digest_of_buffer("", 0, d);
	assert_string_equal(d, EMPTY);
	oci_digest_of_buffer("abc", 3, d);
	assert_string_equal(d, ABC);

	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	assert_int_equal(write(p[1], "abc", 3), 3);
	close(p[1]);
	assert_int_equal(oci_digest_of_fd(p[0], 0, d, &size, NULL), 0);
	close(p[0]);
	assert_string_equal(d, ABC);
	assert_int_equal(size, 3);

	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	assert_int_equal(write(p[1], "abc", 3), 3);
	close(p[1]);
	assert_int_equal(oci_digest_of_fd(p[0], 2, d, &size, &err), -EFBIG);
	close(p[0]);
}

static void test_verifier_ok(void **state)
{
	oci_verifier *v = NULL;
	char d[OCI_DIGEST_SHA256_LEN + 1];
	char buf[8];
	int p[2];

	(void)state;
	assert_int_equal(oci_verifier_new("layer x", ABC, 3, &v, NULL), 0);
	assert_int_equal(oci_verifier_update(v, "a", 1, NULL), 0);
	assert_int_equal(oci_verifier_update(v, "bc", 2, NULL), 0);
	assert_int_equal(oci_verifier_size(v), 3);
	assert_int_equal(oci_verifier_finish(v, d, NULL), 0);
	assert_string_equal(d, ABC);
	assert_int_equal(oci_verifier_finish(v, d, NULL), -EINVAL);
	oci_verifier_free(v);

	/* unknown size, through a pipe */
	assert_int_equal(oci_verifier_new(NULL, ABC, -1, &v, NULL), 0);
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	assert_int_equal(write(p[1], "abc", 3), 3);
	close(p[1]);
	while (oci_verifier_read(v, p[0], buf, 2, NULL) > 0)
		;
	close(p[0]);
	assert_int_equal(oci_verifier_finish(v, NULL, NULL), 0);
	oci_verifier_free(v);
	assert_null(oci_verifier_free(NULL));
}

static void test_verifier_mismatch(void **state)
{
	oci_verifier *v = NULL;
	berth_error err = {0};

	(void)state;
	/* wrong digest */
	assert_int_equal(oci_verifier_new("layer x", EMPTY, 3, &v, NULL), 0);
	assert_int_equal(oci_verifier_update(v, "abc", 3, NULL), 0);
	assert_int_equal(oci_verifier_finish(v, NULL, &err), -EBADMSG);
	assert_non_null(strstr(err.msg, "verify layer x: content has digest " ABC));
	oci_verifier_free(v);

	/* more than promised: refused while streaming */
	assert_int_equal(oci_verifier_new("blob", ABC, 2, &v, NULL), 0);
	assert_int_equal(oci_verifier_update(v, "ab", 2, NULL), 0);
	assert_int_equal(oci_verifier_update(v, "c", 1, &err), -EFBIG);
	assert_non_null(strstr(err.msg, "larger than the 2 bytes"));
	oci_verifier_free(v);

	/* fewer than promised */
	assert_int_equal(oci_verifier_new("blob", ABC, 4, &v, NULL), 0);
	assert_int_equal(oci_verifier_update(v, "abc", 3, NULL), 0);
	assert_int_equal(oci_verifier_finish(v, NULL, &err), -ENODATA);
	assert_non_null(strstr(err.msg, "got 3 bytes but its descriptor promised 4"));
	oci_verifier_free(v);

	/* bad expectations */
	assert_int_equal(oci_verifier_new("blob", "sha256:xyz", 1, &v, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "verify blob: invalid digest"));
	assert_int_equal(oci_verifier_new("blob", SHA512_EMPTY, 0, &v, &err), -ENOTSUP);
	assert_int_equal(oci_verifier_new("blob", ABC, -2, &v, &err), -EINVAL);
	assert_int_equal(oci_verifier_new("blob", "sha256:xyz", 1, &v, NULL), -EINVAL);
	assert_int_equal(
	    oci_verifier_new("blob", "md5:d41d8cd98f00b204e9800998ecf8427e", 1, &v, NULL),
	    -ENOTSUP);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_valid), cmocka_unit_test(test_parse_invalid),
	    cmocka_unit_test(test_ids),		cmocka_unit_test(test_compute),
	    cmocka_unit_test(test_verifier_ok), cmocka_unit_test(test_verifier_mismatch),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
