/* SPDX-License-Identifier: Apache-2.0 */
/*
 * container_log.h - the k8s-file log format that podman and conmon write and that `logs` reads:
 *
 *   2024-01-01T00:00:00.000000000Z stdout F a whole line
 *   2024-01-01T00:00:00.000000000Z stderr P the start of a line still being written
 *
 * One record per line of output; a chunk that ends without a newline is written as a partial
 * ("P") record and continued by later records. With a size limit (--log-opt max-size) the file
 * is rotated by renaming a fresh file over it, as conmon does, and the full file is kept as
 * "<path>.1". While a `logs -f` follows, every rotated file is also kept as "<path>.g<N>"
 * (container_log_gen.c): the follower notices the new inode, finishes the file it holds, reads
 * the generations after it in order, and goes on with the new file.
 */
#ifndef BERTH_ENGINE_CONTAINER_LOG_H
#define BERTH_ENGINE_CONTAINER_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

/** CTR_LOG_LINE_MAX - longest record body; longer lines are split into partial records. */
#define CTR_LOG_LINE_MAX (16 * 1024)

struct ctr_log_writer;

/**
 * ctr_log_writer_open() - open (append to) the log file @path
 * @max_size:	rotate once the file would grow beyond this many bytes; 0 = unlimited
 */
int ctr_log_writer_open(const char *path, uint64_t max_size, struct ctr_log_writer **ret,
			berth_error *err);

/**
 * ctr_log_write() - append @len bytes of @stream ("stdout" or "stderr") output
 * @now_ns:	timestamp for the records (unix ns); 0 means now
 * Return: 0 or a negative errno (the data is dropped, as conmon does when the disk is full)
 */
int ctr_log_write(struct ctr_log_writer *w, const char *stream, const char *data, size_t len,
		  int64_t now_ns);

/** ctr_log_writer_close() - close the file; NULL is fine. */
void ctr_log_writer_close(struct ctr_log_writer *w);

/**
 * ctr_log_follow_lock() - announce a follower of @path to the writer: a shared lock held on
 * the returned fd (close it to stop), or -1 when it cannot be taken.
 */
int ctr_log_follow_lock(const char *path);

/** ctr_log_followed() - whether a follower holds ctr_log_follow_lock() on @path now. */
bool ctr_log_followed(const char *path);

/** ctr_log_gen_name() - "<path>.g<seq>", malloc'd (NULL: out of memory). */
char *ctr_log_gen_name(const char *path, uint64_t seq);

/** ctr_log_gen_list() - the kept generations of @path, sorted; *@ret is malloc'd. */
int ctr_log_gen_list(const char *path, uint64_t **ret, size_t *ret_n);

/** ctr_log_format_time() - "2024-01-01T00:00:00.000000000Z" for @ns into @buf (>= 40 bytes). */
void ctr_log_format_time(int64_t ns, char *buf, size_t size);

/** ctr_log_parse_time() - parse an RFC 3339 time (Z or ±hh:mm offset) to unix ns. */
int ctr_log_parse_time(const char *s, size_t len, int64_t *ret_ns);

/**
 * struct ctr_log_record - one parsed line of a k8s-file log (pointers into the input)
 * @time_ns:	its timestamp
 * @is_stderr:	stream
 * @partial:	a "P" record: the line continues in the next record
 * @body/@body_len: the output, without the newline
 */
struct ctr_log_record {
	int64_t time_ns;
	bool is_stderr;
	bool partial;
	const char *body;
	size_t body_len;
};

/** ctr_log_parse_record() - parse one line (without its '\n'); -EINVAL if malformed. */
int ctr_log_parse_record(const char *line, size_t len, struct ctr_log_record *ret);

#endif
