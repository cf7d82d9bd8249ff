/* SPDX-License-Identifier: Apache-2.0 */
/*
 * oci-internal.h - helpers shared by the oci/ sources only.
 */
#ifndef BERTH_OCI_INTERNAL_H
#define BERTH_OCI_INTERNAL_H

#include "util/error.h"

/**
 * oci_err_prefix() - berr_prefix() that returns @r, so the caller's errno survives even when
 * @err is NULL (berr_prefix() alone would then report -EIO). Lives in digest.c.
 */
int oci_err_prefix(int r, berth_error *err, const char *fmt, ...) _printf_(3, 4);

#endif
