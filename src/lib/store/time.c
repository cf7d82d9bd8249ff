/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "store/store-time.h"

static int digits(const char **p, int n, int *ret)
{
	int v = 0;

	for (int i = 0; i < n; i++, (*p)++) {
		if (**p < '0' || **p > '9')
			return -EINVAL;
		v = v * 10 + (**p - '0');
	}
	*ret = v;
	return 0;
}

int store_time_parse(const char *s, int64_t *ret_ns)
{
	struct tm tm = { 0 };
	const char *p = s;
	int y, mo, d, h, mi, sec, off = 0;
	int64_t frac = 0;
	time_t t;

	if (digits(&p, 4, &y) < 0 || *p++ != '-' || digits(&p, 2, &mo) < 0 || *p++ != '-' ||
	    digits(&p, 2, &d) < 0 || (*p != 'T' && *p != 't' && *p != ' '))
		return -EINVAL;
	p++;
	if (digits(&p, 2, &h) < 0 || *p++ != ':' || digits(&p, 2, &mi) < 0 || *p++ != ':' ||
	    digits(&p, 2, &sec) < 0)
		return -EINVAL;
	if (*p == '.') {
		int n = 0;
		p++;
		while (*p >= '0' && *p <= '9') {
			if (n < 9) {
				frac = frac * 10 + (*p - '0');
				n++;
			}
			p++;
		}
		if (n == 0)
			return -EINVAL;
		for (; n < 9; n++)
			frac *= 10;
	}
	if (*p == 'Z' || *p == 'z')
		p++;
	else if (*p == '+' || *p == '-') {
		int oh, om, sign = *p == '-' ? -1 : 1;
		p++;
		if (digits(&p, 2, &oh) < 0 || *p++ != ':' || digits(&p, 2, &om) < 0)
			return -EINVAL;
		off = sign * (oh * 3600 + om * 60);
	} else
		return -EINVAL;
	if (*p || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
		return -EINVAL;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	t = timegm(&tm);
	*ret_ns = ((int64_t)t - off) * 1000000000LL + frac;
	return 0;
}

void store_time_format(int64_t ns, char *buf, size_t size)
{
	time_t t = (time_t)(ns / 1000000000LL);
	long frac = (long)(ns % 1000000000LL);
	struct tm tm;
	char base[32];

	if (frac < 0) {
		frac += 1000000000L;
		t--;
	}
	gmtime_r(&t, &tm);
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	if (frac) {
		char f[16];
		snprintf(f, sizeof(f), "%09ld", frac);
		for (int i = 8; i > 0 && f[i] == '0'; i--)
			f[i] = '\0';
		snprintf(buf, size, "%s.%sZ", base, f);
	} else
		snprintf(buf, size, "%sZ", base);
}

void store_time_format_local(int64_t ns, char *buf, size_t size)
{
	time_t t = (time_t)(ns / 1000000000LL);
	long frac = (long)(ns % 1000000000LL);
	struct tm tm;
	char base[32], zone[32];

	if (frac < 0) {
		frac += 1000000000L;
		t--;
	}
	localtime_r(&t, &tm);
	strftime(base, sizeof(base), "%Y-%m-%d %H:%M:%S", &tm);
	strftime(zone, sizeof(zone), "%z %Z", &tm);
	snprintf(buf, size, "%s.%09ld %s", base, frac, zone);
}
