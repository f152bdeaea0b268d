/*
 * ctl_lists.c - configured lists to a lookup table.
 */
#include <stdio.h>
#include <stdlib.h>

#include "ctl_lists.h"
#include "log.h"

int
ctl_lists_cache_dir(const struct ctl_config *cfg, char *buf, size_t size)
{
	int n = snprintf(buf, size, "%s/blacklists", cfg->controller.state_dir);

	return n < 0 || (size_t)n >= size ? -1 : 0;
}

struct bl_list *
ctl_lists_parse(const struct ctl_config *cfg, size_t i, const void *body,
    size_t len, struct bl_parse_report *report)
{
	const struct ctl_blacklist *b = &cfg->blacklists[i];
	struct bl_parse_limits limits = { .max_entries = b->max_entries };

	return bl_list_parse(b->name, b->format, body, len, &limits, report);
}

/* local_networks as a list of its own. */
static struct bl_list *
local_list(const struct ctl_config *cfg, char *err, size_t errlen)
{
	char (*text)[CTL_VALUE_STRLEN];
	const char **ptrs;
	struct bl_list *l = NULL;
	size_t i, n = cfg->n_local_networks;

	text = calloc(n ? n : 1, sizeof(*text));
	ptrs = calloc(n ? n : 1, sizeof(*ptrs));
	if (text != NULL && ptrs != NULL) {
		for (i = 0; i < n; i++)
			ptrs[i] = ctl_format_prefix(&cfg->local_networks[i],
			    text[i], sizeof(text[i]));
		l = bl_list_from_strings("local_networks", ptrs, n, err,
		    errlen);
	} else
		snprintf(err, errlen, "out of memory");
	free(text);
	free(ptrs);
	return l;
}

struct bl_table *
ctl_lists_build_table(const struct ctl_config *cfg,
    struct bl_list *const *lists, char *err, size_t errlen)
{
	struct bl_group_spec specs[BL_MAX_GROUPS];
	const struct bl_list **members = NULL, *local_members[1];
	struct bl_list *local = NULL, *empty = NULL;
	struct bl_table *t = NULL;
	size_t g, l, used = 0, total = 0;

	if (cfg->n_groups + 1 > BL_MAX_GROUPS) {
		snprintf(err, errlen, "too many groups");
		return NULL;
	}
	for (g = 0; g < cfg->n_groups; g++)
		total += cfg->groups[g].n_lists;
	members = calloc(total ? total : 1, sizeof(*members));
	empty = bl_list_from_strings("empty", NULL, 0, err, errlen);
	if (members == NULL || empty == NULL ||
	    (local = local_list(cfg, err, errlen)) == NULL)
		goto out;
	for (g = 0; g < cfg->n_groups; g++) {
		const struct ctl_group *cg = &cfg->groups[g];

		specs[g].name = cg->name;
		specs[g].kind = cg->kind;
		specs[g].lists = members + used;
		specs[g].n_lists = cg->n_lists;
		for (l = 0; l < cg->n_lists; l++)
			members[used++] = lists[cg->lists[l]] != NULL ?
			    lists[cg->lists[l]] : empty;
	}
	local_members[0] = local;
	specs[g].name = CTL_LOCAL_GROUP;
	specs[g].kind = BL_GROUP_LOCAL;
	specs[g].lists = local_members;
	specs[g].n_lists = 1;
	t = bl_table_build(specs, cfg->n_groups + 1, err, errlen);
out:
	if (members == NULL)
		snprintf(err, errlen, "out of memory");
	free(members);
	bl_list_free(local);
	bl_list_free(empty);
	return t;
}

void
ctl_lists_log_report(const char *name, const struct bl_parse_report *r)
{
	uint32_t i;

	for (i = 0; i < r->errors_kept; i++)
		log_warnx("list %s: line %u: %s", name, r->errors[i].line,
		    r->errors[i].why);
	if (r->rejected > r->errors_kept)
		log_warnx("list %s: %llu more lines rejected", name,
		    (unsigned long long)(r->rejected - r->errors_kept));
	if (r->over_cap > 0)
		log_warnx("list %s: %llu entries over the cap dropped", name,
		    (unsigned long long)r->over_cap);
}
