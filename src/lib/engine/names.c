/* SPDX-License-Identifier: Apache-2.0 */
/*
 * names.c - random container names. The lists are berth's own: adjectives of weather, sea and
 * temperament, and surnames of people who mapped coasts, charted stars or built machines.
 * Randomness comes from getrandom(): names need not be secret, but two concurrent `run`s must
 * not draw the same sequence from a time-seeded PRNG.
 */
#include "engine/names.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "util/macro.h"

static const char *const adjectives[] = {
	"amber",    "ardent",   "balmy",    "bold",     "breezy",   "brisk",    "calm",
	"candid",   "cheerful", "clever",   "coastal",  "cosmic",   "crisp",    "curious",
	"daring",   "deft",     "dusky",    "eager",    "earnest",  "elated",   "fearless",
	"fervent",  "frosty",   "gallant",  "gentle",   "gleaming", "golden",   "hardy",
	"hazy",     "humble",   "jaunty",   "jolly",    "keen",     "kindly",   "lively",
	"lucid",    "lunar",    "mellow",   "merry",    "misty",    "modest",   "nimble",
	"noble",    "patient",  "placid",   "plucky",   "polar",    "proud",    "quiet",
	"radiant",  "rapid",    "restless", "rugged",   "rustic",   "serene",   "silent",
	"sleepy",   "snowy",    "solar",    "spry",     "stately",  "steady",   "stormy",
	"sturdy",   "sunny",    "swift",    "tidal",    "tranquil", "trusty",   "valiant",
	"vivid",    "wandering", "wary",    "windy",    "wise",     "witty",    "zealous",
};

static const char *const surnames[] = {
	"abbe",      "agnesi",    "amundsen",  "arago",     "babbage",   "baffin",    "barents",
	"bering",    "bessel",    "bougainville", "brahe",  "cabot",     "cassini",   "celsius",
	"chandrasekhar", "cook",  "coriolis",  "dampier",   "drake",     "eratosthenes", "euler",
	"faraday",   "fermat",    "flinders",  "foucault",  "franklin",  "fraunhofer", "galvani",
	"gauss",     "germain",   "halley",    "hamilton",  "harrison",  "herschel",  "hopper",
	"hudson",    "huygens",   "jansky",    "joule",     "kepler",    "kovalevskaya", "lagrange",
	"laplace",   "leavitt",   "lovelace",  "magellan",  "maxwell",   "meitner",   "mercator",
	"nansen",    "noether",   "ohm",       "pascal",    "payne",     "peary",     "poincare",
	"ptolemy",   "rayleigh",  "riemann",   "shackleton", "somerville", "tasman",  "tesla",
	"turing",    "vancouver", "vespucci",  "volta",     "watt",      "wegener",   "zheng",
};

static unsigned pick(unsigned n)
{
	unsigned v = 0;

	if (getrandom(&v, sizeof(v), GRND_NONBLOCK) != (ssize_t)sizeof(v)) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		v = (unsigned)ts.tv_nsec ^ (unsigned)getpid() * 2654435761u;
	}
	return v % n;
}

int names_generate(char *buf, size_t size)
{
	const char *a = adjectives[pick(ELEMENTSOF(adjectives))];
	const char *s = surnames[pick(ELEMENTSOF(surnames))];
	int n = snprintf(buf, size, "%s_%s", a, s);

	if (n < 0 || (size_t)n >= size)
		return -ENOBUFS;
	return 0;
}

bool names_valid(const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len > 253)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = name[i];
		bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
		if (!alnum && (i == 0 || (c != '_' && c != '.' && c != '-')))
			return false;
	}
	return true;
}
