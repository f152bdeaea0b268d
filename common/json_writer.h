/*
 * json_writer.h - write one JSON object per line, streaming.
 *
 * Why not jansson here: sFlow counters are unsigned 64-bit and jansson's
 * integers are signed 64-bit, so a hostile (or just large) counter would
 * print negative.  This writer prints uint64_t exactly, escapes every string
 * (quotes, backslash, control bytes, non-ASCII as \u00XX), and never
 * allocates.  Nesting is bounded; misuse is a programming error, not input.
 */
#ifndef FS_JSON_WRITER_H
#define FS_JSON_WRITER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_WRITER_MAX_DEPTH	8

struct json_writer {
	FILE	*out;
	int	 depth;
	int	 need_comma[JSON_WRITER_MAX_DEPTH];
};

void	jw_begin(struct json_writer *, FILE *out);	/* opens the line's object */
void	jw_end(struct json_writer *);			/* closes it, writes \n */

void	jw_object(struct json_writer *, const char *key);	/* key: {  */
void	jw_object_end(struct json_writer *);
void	jw_array(struct json_writer *, const char *key);	/* key: [  */
void	jw_array_end(struct json_writer *);

/* Members (inside an object) or, with key NULL, array elements. */
void	jw_u64(struct json_writer *, const char *key, uint64_t v);
void	jw_str(struct json_writer *, const char *key, const char *s);
void	jw_bool(struct json_writer *, const char *key, int v);
/*
 * A member (or element) whose value is already serialised JSON: len bytes
 * of json written as they are (a stored event, "null").  The caller
 * vouches that they are one well-formed JSON value.
 */
void	jw_raw(struct json_writer *, const char *key, const char *json,
	    size_t len);

#endif /* FS_JSON_WRITER_H */
