/*
 * ctl_config_print.c - the normalised configuration as YAML, driven by the
 * same key tables that parsed it: every key in table order, defaults
 * included, values in canonical form, strings double-quoted.  What this
 * prints loads again to an equal configuration (the unit tests check it
 * for every fixture); the loader refuses control characters in strings so
 * that every string prints as one quoted line.
 *
 * Also the list of every key's dotted path, for the documentation check.
 */
#include <stdio.h>
#include <string.h>

#include "ctl_config.h"
#include "ctl_config_impl.h"

/* ---- printing --------------------------------------------------------- */

void
ctl_print_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', out);
		fputc(*s, out);
	}
	fputc('"', out);
}

static void
print_item(FILE *out, enum ctl_type type, const void *v)
{
	char buf[CTL_VALUE_STRLEN];
	const char *s;

	switch (type) {
	case CTL_T_ADDR_LIST:
		netaddr_format(v, buf, sizeof(buf));
		ctl_print_string(out, buf);
		break;
	case CTL_T_PREFIX_LIST:
		ctl_print_string(out, ctl_format_prefix(v, buf, sizeof(buf)));
		break;
	case CTL_T_LISTEN_LIST:
		ctl_print_string(out, ctl_format_listen(v, buf, sizeof(buf)));
		break;
	default:
		memcpy(&s, v, sizeof(s));
		ctl_print_string(out, s);
		break;
	}
}

/* Whether an optional key has a value to print. */
static int
is_set(const struct ctl_key *k, const void *v)
{
	const char *s;

	switch (k->type) {
	case CTL_T_STRING:
	case CTL_T_PATH:
	case CTL_T_NAME:
	case CTL_T_URL:
	case CTL_T_IFNAME:
		memcpy(&s, v, sizeof(s));
		return s != NULL;
	case CTL_T_ADDR:
		return ((const struct netaddr *)v)->family != NETADDR_NONE;
	default:
		return 1;
	}
}

static void
print_value(FILE *out, const struct ctl_key *k, const void *base)
{
	const char *v = (const char *)base + k->offset;
	char buf[CTL_VALUE_STRLEN];
	const char *s;
	uint64_t u64;
	uint32_t u32;
	size_t i, n;
	int iv;

	switch (k->type) {
	case CTL_T_STRING:
	case CTL_T_PATH:
	case CTL_T_NAME:
	case CTL_T_URL:
	case CTL_T_IFNAME:
		memcpy(&s, v, sizeof(s));
		ctl_print_string(out, s);
		break;
	case CTL_T_ENUM:
		memcpy(&iv, v, sizeof(iv));
		fputs(k->names[iv - (int)k->min], out);
		break;
	case CTL_T_FORMAT: {
		enum bl_format f;

		memcpy(&f, v, sizeof(f));
		fputs(bl_format_name(f), out);
		break;
	}
	case CTL_T_BOOL:
		memcpy(&iv, v, sizeof(iv));
		fputs(iv ? "true" : "false", out);
		break;
	case CTL_T_U32:
		memcpy(&u32, v, sizeof(u32));
		fprintf(out, "%u", u32);
		break;
	case CTL_T_DURATION:
		memcpy(&u32, v, sizeof(u32));
		fputs(ctl_format_duration(u32, buf, sizeof(buf)), out);
		break;
	case CTL_T_SIZE:
		memcpy(&u64, v, sizeof(u64));
		fputs(ctl_format_size(u64, buf, sizeof(buf)), out);
		break;
	case CTL_T_SPACE:
		fputs(ctl_format_space(
		    (const struct ctl_space *)(const void *)v, buf,
		    sizeof(buf)), out);
		break;
	case CTL_T_ADDR:
		ctl_print_string(out, netaddr_format(
		    (const struct netaddr *)(const void *)v, buf, sizeof(buf)));
		break;
	case CTL_T_PREFIX:
		ctl_print_string(out, ctl_format_prefix(
		    (const struct ctl_prefix *)(const void *)v, buf,
		    sizeof(buf)));
		break;
	case CTL_T_LISTEN:
		ctl_print_string(out, ctl_format_listen(
		    (const struct ctl_listen *)(const void *)v, buf,
		    sizeof(buf)));
		break;
	case CTL_T_ADDR_LIST:
	case CTL_T_PREFIX_LIST:
	case CTL_T_LISTEN_LIST:
	case CTL_T_STRING_LIST: {
		const char *items;

		memcpy(&items, v, sizeof(items));
		memcpy(&n, (const char *)base + k->count, sizeof(n));
		fputc('[', out);
		for (i = 0; i < n; i++) {
			if (i > 0)
				fputs(", ", out);
			print_item(out, k->type,
			    items + i * ctl_item_size(k->type));
		}
		fputc(']', out);
		break;
	}
	case CTL_T_SECTION:
	case CTL_T_CUSTOM:
		break;
	}
}

int
ctl_print_section(FILE *out, const struct ctl_section *sec, const void *base,
    int indent, int item)
{
	const struct ctl_key *k;
	size_t j;

	for (j = 0; j < sec->n_keys; j++) {
		k = &sec->keys[j];
		if (sec->skip != NULL && sec->skip(k, base))
			continue;
		if (k->type == CTL_T_CUSTOM) {
			if (k->print(out, k, base, indent) == -1)
				return -1;
			continue;
		}
		if (!is_set(k, (const char *)base + k->offset))
			continue;
		if (item) {
			fprintf(out, "%*s- ", indent - 2, "");
			item = 0;
		} else
			fprintf(out, "%*s", indent, "");
		fprintf(out, "%s:", k->name);
		if (k->type == CTL_T_SECTION) {
			fputc('\n', out);
			if (ctl_print_section(out, k->sub,
			    (const char *)base + k->offset, indent + 2,
			    0) == -1)
				return -1;
			continue;
		}
		fputc(' ', out);
		print_value(out, k, base);
		fputc('\n', out);
	}
	return ferror(out) ? -1 : 0;
}

/* ---- the whole config ------------------------------------------------ */

int
ctl_config_print(const struct ctl_config *cfg, FILE *out)
{
	fputs("# finderscope configuration, normalised: every key with its "
	    "value or default\n", out);
	if (ctl_print_section(out, &ctl_top_section, cfg, 0, 0) == -1)
		return -1;
	return fflush(out) == 0 && !ferror(out) ? 0 : -1;
}

/* ---- key paths, for the documentation check ---------------------------- */

static void
visit_section(const struct ctl_section *sec, const char *prefix,
    void (*visit)(const char *, void *), void *ctx)
{
	char path[256];
	size_t j;

	for (j = 0; j < sec->n_keys; j++) {
		const struct ctl_key *k = &sec->keys[j];

		snprintf(path, sizeof(path), "%s%s", prefix, k->name);
		visit(path, ctx);
		if (k->sub == NULL)
			continue;
		snprintf(path, sizeof(path), "%s%s%s", prefix, k->name,
		    k->type == CTL_T_CUSTOM ? "[]." : ".");
		visit_section(k->sub, path, visit, ctx);
	}
}

void
ctl_config_keys(void (*visit)(const char *path, void *ctx), void *ctx)
{
	visit_section(&ctl_top_section, "", visit, ctx);
}
