/* SPDX-License-Identifier: Apache-2.0 */
#include "oci/digest.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oci/oci-internal.h"

/* Untrusted strings are quoted in messages up to this many bytes. */
#define QUOTE_MAX 100

static bool is_lower_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

static size_t lower_hex_span(const char *s)
{
	size_t n = 0;

	while (is_lower_hex(s[n]))
		n++;
	return n;
}

static bool is_alg_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool is_alg_sep(char c)
{
	return c == '+' || c == '.' || c == '_' || c == '-';
}

/* algorithm ::= component (separator component)*; component ::= [a-z0-9]+ (OCI image spec) */
static bool algorithm_is_wellformed(const char *s, size_t len)
{
	bool need_char = true;

	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (is_alg_char(s[i]))
			need_char = false;
		else if (is_alg_sep(s[i]) && !need_char)
			need_char = true;
		else
			return false;
	}
	return !need_char;
}

int oci_digest_parse(const char *s, oci_digest_algo *ret_algo, const char **ret_hex,
		     berth_error *err)
{
	const char *colon;
	size_t alg_len, want, have;
	oci_digest_algo algo;

	if (!s || !*s)
		return berr(err, EINVAL,
			    "invalid digest \"\": expected \"sha256:\" followed by 64 "
			    "lowercase hex digits");
	colon = strchr(s, ':');
	if (!colon)
		return berr(err, EINVAL,
			    "invalid digest \"%.*s\": expected \"algorithm:hex\", e.g. \"sha256:\" "
			    "followed by 64 lowercase hex digits",
			    QUOTE_MAX, s);
	alg_len = (size_t)(colon - s);
	if (alg_len == 6 && memcmp(s, "sha256", 6) == 0) {
		algo = OCI_DIGEST_SHA256;
		want = OCI_DIGEST_SHA256_HEX_LEN;
	} else if (alg_len == 6 && memcmp(s, "sha512", 6) == 0) {
		algo = OCI_DIGEST_SHA512;
		want = OCI_DIGEST_SHA512_HEX_LEN;
	} else if (algorithm_is_wellformed(s, alg_len)) {
		return berr(err, ENOTSUP,
			    "unsupported digest algorithm \"%.*s\" in \"%.*s\": berth knows sha256 "
			    "and sha512",
			    (int)(alg_len > QUOTE_MAX ? QUOTE_MAX : alg_len), s, QUOTE_MAX, s);
	} else {
		return berr(err, EINVAL,
			    "invalid digest \"%.*s\": the algorithm must be lowercase letters and "
			    "digits, e.g. \"sha256\"",
			    QUOTE_MAX, s);
	}
	have = lower_hex_span(colon + 1);
	if (colon[1 + have] != '\0' || have != want)
		return berr(err, EINVAL,
			    "invalid digest \"%.*s\": %s needs exactly %zu lowercase hex digits "
			    "after the colon",
			    QUOTE_MAX, s, algo == OCI_DIGEST_SHA256 ? "sha256" : "sha512", want);
	if (ret_algo)
		*ret_algo = algo;
	if (ret_hex)
		*ret_hex = colon + 1;
	return 0;
}

int oci_digest_validate(const char *s, berth_error *err)
{
	return oci_digest_parse(s, NULL, NULL, err);
}

bool oci_digest_is_sha256(const char *s)
{
	oci_digest_algo algo;

	return oci_digest_parse(s, &algo, NULL, NULL) == 0 && algo == OCI_DIGEST_SHA256;
}

bool oci_hex_is_id(const char *s)
{
	return s && lower_hex_span(s) == OCI_DIGEST_SHA256_HEX_LEN &&
	       s[OCI_DIGEST_SHA256_HEX_LEN] == '\0';
}

bool oci_hex_is_prefix(const char *s)
{
	size_t n;

	if (!s)
		return false;
	n = lower_hex_span(s);
	return n >= 1 && n <= OCI_DIGEST_SHA256_HEX_LEN && s[n] == '\0';
}

const char *oci_digest_hex(const char *s)
{
	const char *hex;

	if (oci_digest_parse(s, NULL, &hex, NULL) < 0)
		return NULL;
	return hex;
}

int oci_digest_short_id(const char *s, char ret[OCI_SHORT_ID_LEN + 1], berth_error *err)
{
	const char *hex;

	if (oci_hex_is_id(s)) {
		hex = s;
	} else {
		int r = oci_digest_parse(s, NULL, &hex, err);

		if (r < 0)
			return r;
	}
	memcpy(ret, hex, OCI_SHORT_ID_LEN);
	ret[OCI_SHORT_ID_LEN] = '\0';
	return 0;
}

int oci_digest_from_hex(const char *hex, char **ret, berth_error *err)
{
	char *s;

	if (!oci_hex_is_id(hex))
		return berr(err, EINVAL,
			    "invalid sha256 value \"%.*s\": expected 64 lowercase hex digits",
			    QUOTE_MAX, hex ? hex : "");
	s = malloc(OCI_DIGEST_SHA256_LEN + 1);
	if (!s)
		return berr(err, ENOMEM, "out of memory");
	memcpy(s, "sha256:", 7);
	memcpy(s + 7, hex, OCI_DIGEST_SHA256_HEX_LEN + 1);
	*ret = s;
	return 0;
}

int oci_err_prefix(int r, berth_error *err, const char *fmt, ...)
{
	char prefix[BERTH_ERROR_MAX];
	va_list ap;

	if (!err)
		return r;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	berr_prefix(err, "%s", prefix);
	return r;
}
