/*
 * ctl_lists.h - the configured lists, loaded and compiled into one lookup
 * table: what `finderscope blacklist check` answers from, and what the
 * controller rebuilds when a list changes.
 */
#ifndef FS_CTL_LISTS_H
#define FS_CTL_LISTS_H

#include <stdio.h>

#include "blacklists.h"
#include "ctl_config.h"

/* The cache directory of the lists: state_dir/blacklists. */
int	ctl_lists_cache_dir(const struct ctl_config *, char *buf, size_t size);

/*
 * Parse body as configured list i into a new list, with the list's entry
 * cap; the report says what was rejected.  NULL when out of memory.
 */
struct bl_list *ctl_lists_parse(const struct ctl_config *, size_t i,
	    const void *body, size_t len, struct bl_parse_report *);

/*
 * Build the table: every configured group (watch groups and allow) over
 * lists[] (indexed like cfg->blacklists; a NULL list counts as empty),
 * then local_networks as the group CTL_LOCAL_GROUP.  NULL with err.
 */
struct bl_table *ctl_lists_build_table(const struct ctl_config *,
	    struct bl_list *const *lists, char *err, size_t errlen);

/* Log the first rejected lines of a report, and how many there were. */
void	ctl_lists_log_report(const char *name, const struct bl_parse_report *);

#endif /* FS_CTL_LISTS_H */
