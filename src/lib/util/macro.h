/* SPDX-License-Identifier: Apache-2.0 */
/*
 * macro.h - cleanup attributes and ownership helpers used everywhere in berth.
 *
 * A variable declared _cleanup_(x_freep) is released when it leaves scope; TAKE_PTR()/TAKE_FD()
 * hand ownership to someone else and leave NULL / -1 behind so the cleanup does nothing.
 */
#ifndef BERTH_UTIL_MACRO_H
#define BERTH_UTIL_MACRO_H

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _unused_ __attribute__((unused))
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define _warn_unused_ __attribute__((warn_unused_result))

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))

#define TAKE_PTR(p)                                                                            \
	({                                                                                         \
		__typeof__(p) _tp = (p);                                                               \
		(p) = NULL;                                                                            \
		_tp;                                                                                   \
	})

#define TAKE_FD(fd)                                                                            \
	({                                                                                         \
		int _tf = (fd);                                                                        \
		(fd) = -1;                                                                             \
		_tf;                                                                                   \
	})

/** freep() - cleanup helper for heap pointers. */
static inline void freep(void *p)
{
	free(*(void **)p);
}
#define _cleanup_free_ _cleanup_(freep)

/** closep() - cleanup helper for fds; keeps errno intact. */
static inline void closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		close(*fd);
		errno = saved;
	}
}
#define _cleanup_close_ _cleanup_(closep)

/** strv_freep() - cleanup helper for NULL-terminated string vectors. */
static inline void strv_free(char **v)
{
	if (!v)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}
static inline void strv_freep(char ***v)
{
	strv_free(*v);
}
#define _cleanup_strv_free_ _cleanup_(strv_freep)

#endif
