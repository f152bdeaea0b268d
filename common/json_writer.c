/*
 * json_writer.c - streaming JSON lines with exact unsigned 64-bit numbers.
 */
#include <inttypes.h>

#include "json_writer.h"
#include "log.h"

static void
separate(struct json_writer *w, const char *key)
{
	if (w->need_comma[w->depth])
		fputc(',', w->out);
	w->need_comma[w->depth] = 1;
	if (key != NULL) {
		fputc('"', w->out);
		fputs(key, w->out);	/* keys are our own literals */
		fputs("\":", w->out);
	}
}

static void
push(struct json_writer *w, int open)
{
	fputc(open, w->out);
	if (w->depth + 1 >= JSON_WRITER_MAX_DEPTH)
		fatalx("json_writer: nesting deeper than %d",
		    JSON_WRITER_MAX_DEPTH);
	w->need_comma[++w->depth] = 0;
}

static void
pop(struct json_writer *w, int close)
{
	if (w->depth == 0)
		fatalx("json_writer: close without open");
	w->depth--;
	fputc(close, w->out);
}

void
jw_begin(struct json_writer *w, FILE *out)
{
	w->out = out;
	w->depth = 0;
	w->need_comma[0] = 0;
	push(w, '{');
}

void
jw_end(struct json_writer *w)
{
	pop(w, '}');
	fputc('\n', w->out);
}

void
jw_object(struct json_writer *w, const char *key)
{
	separate(w, key);
	push(w, '{');
}

void
jw_object_end(struct json_writer *w)
{
	pop(w, '}');
}

void
jw_array(struct json_writer *w, const char *key)
{
	separate(w, key);
	push(w, '[');
}

void
jw_array_end(struct json_writer *w)
{
	pop(w, ']');
}

void
jw_u64(struct json_writer *w, const char *key, uint64_t v)
{
	separate(w, key);
	fprintf(w->out, "%" PRIu64, v);
}

void
jw_bool(struct json_writer *w, const char *key, int v)
{
	separate(w, key);
	fputs(v ? "true" : "false", w->out);
}

void
jw_str(struct json_writer *w, const char *key, const char *s)
{
	const unsigned char *p = (const unsigned char *)s, *run;

	separate(w, key);
	fputc('"', w->out);
	for (;;) {
		/* Runs of bytes that need no escape go out in one write:
		 * the state file writes thousands of strings per snapshot. */
		for (run = p; *p >= 0x20 && *p < 0x7F && *p != '"' &&
		    *p != '\\'; p++)
			;
		if (p > run)
			fwrite(run, 1, (size_t)(p - run), w->out);
		if (*p == '\0')
			break;
		if (*p == '"' || *p == '\\') {
			fputc('\\', w->out);
			fputc(*p, w->out);
		} else
			fprintf(w->out, "\\u%04x", *p);
		p++;
	}
	fputc('"', w->out);
}

void
jw_raw(struct json_writer *w, const char *key, const char *json, size_t len)
{
	separate(w, key);
	fwrite(json, 1, len, w->out);
}
