/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_reference.c - libFuzzer target for image references, transport names, digests and
 * --platform values. Any input must parse or fail with a message; what parses must print back
 * to a string that parses to the same thing (and the familiar form must normalize back to the
 * full one).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "oci/digest.h"
#include "oci/manifest.h"
#include "oci/reference.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void must_equal(const char *a, const char *b)
{
	if (!a || !b || strcmp(a, b) != 0)
		abort();
}

static void check_ref(const char *s, unsigned flags)
{
	oci_ref *r = NULL, *again = NULL;
	berth_error err = {0};
	char *full, *full2, *fam;

	if (oci_ref_parse(s, flags, &r, &err) < 0) {
		if (!err.msg[0])
			abort(); /* every failure explains itself */
		return;
	}
	full = oci_ref_string(r);
	if (oci_ref_parse(full, flags, &again, NULL) < 0)
		abort();
	full2 = oci_ref_string(again);
	must_equal(full, full2);
	oci_ref_free(again);
	free(full2);
	if (flags & OCI_REF_NORMALIZE) {
		fam = oci_ref_familiar(r);
		if (oci_ref_parse(fam, flags, &again, NULL) < 0)
			abort();
		full2 = oci_ref_string(again);
		must_equal(full, full2);
		oci_ref_free(again);
		free(full2);
		free(fam);
	}
	if ((flags & (OCI_REF_NORMALIZE | OCI_REF_LOCAL)) && !r->domain)
		abort();
	free(full);
	oci_ref_free(r);
}

static void check_image_name(const char *s)
{
	oci_image_name *n = NULL, *again = NULL;
	char *t, *t2;

	if (oci_image_name_parse(s, &n, NULL) < 0)
		return;
	if (!oci_image_name_has_transport(s))
		abort();
	t = oci_image_name_string(n);
	if (oci_image_name_parse(t, &again, NULL) < 0)
		abort();
	t2 = oci_image_name_string(again);
	must_equal(t, t2);
	free(t);
	free(t2);
	oci_image_name_free(again);
	oci_image_name_free(n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	char id[OCI_SHORT_ID_LEN + 1];
	oci_platform p = {0};

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	check_ref(s, 0);
	check_ref(s, OCI_REF_NORMALIZE | OCI_REF_DEFAULT_TAG);
	check_ref(s, OCI_REF_NORMALIZE);
	check_ref(s, OCI_REF_LOCAL | OCI_REF_DEFAULT_TAG | OCI_REF_NO_DIGEST);
	(void)oci_ref_is_short_name(s);
	check_image_name(s);
	if (oci_digest_validate(s, NULL) == 0 && oci_digest_short_id(s, id, NULL) < 0)
		abort();
	if (oci_platform_parse(s, &p, NULL) == 0) {
		if (!p.os || !p.architecture)
			abort();
		oci_platform_clear(&p);
	}
	free(s);
	return 0;
}
