/*
 * cap_decap_impl.h - private to capture/: the pieces cap_decap() is made of.
 *
 * A struct cap_view is a cursor plus one bit of history: whether its end was
 * set by a length some header declared (an IP total length that the bytes
 * captured cover) rather than by the end of the capture.  Running out of
 * bytes then means two different things:
 *  - the capture ended (the switch, the snap length or the test cut it):
 *    CAP_DECAP_TRUNCATED;
 *  - a declared length ended before a header that the same packet declares
 *    (an IP total length too short for the GRE header): the lengths
 *    contradict each other, CAP_DECAP_BAD_LENGTH.
 */
#ifndef FS_CAP_DECAP_IMPL_H
#define FS_CAP_DECAP_IMPL_H

#include "capture.h"
#include "cursor.h"

struct cap_view {
	struct cursor	c;
	int		declared_end;	/* c.end comes from a declared length */
};

/* The result for a view whose cursor failed (TRUNCATED or BAD_LENGTH). */
int	cap_view_cut(const struct cap_view *v);

/*
 * Read one GRE header and what it announces (an ERSPAN II or III header)
 * from v; first says whether it is the packet's first GRE header (whose
 * fields go into out).  On CAP_DECAP_OK, out->encap and out->inner_link are
 * set and v is at the carried payload; on an error, out is filled as far as
 * the header could be read.
 */
int	cap_gre_read(struct cap_view *v, int first, struct cap_decap *out);

#endif /* FS_CAP_DECAP_IMPL_H */
