/* SPDX-License-Identifier: Apache-2.0 */
/*
 * archive_static.c - linked only when libarchive is linked statically (meson.build).
 *
 * libarchive's pax writer reports an entry type it cannot store through a helper that lives in
 * the object registering every writer format (7zip, xar, ...). Pulling that object in would
 * drag liblzma, libbz2 and libxml2 (with ICU and libstdc++) into berth-transfer, whose start-up
 * is paid by every pull and push. This definition of the helper keeps that object out.
 */
#include <errno.h>
#include <archive.h>
#include <archive_entry.h>

void __archive_write_entry_filetype_unsupported(struct archive *a, struct archive_entry *entry,
						const char *format);

void __archive_write_entry_filetype_unsupported(struct archive *a, struct archive_entry *entry,
						const char *format)
{
	archive_set_error(a, EINVAL,
			  "%s: the %s format cannot store a file of type 0%o",
			  archive_entry_pathname(entry), format,
			  (unsigned)archive_entry_filetype(entry));
}
