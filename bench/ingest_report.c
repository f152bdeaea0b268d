/*
 * ingest_report.c - bench_ingest's figures as tables for people, "RESULT"
 * lines for scripts and "goal" lines that judge them (see ingest.c for
 * what was measured).  Percentiles are nearest-rank over the triggers
 * that arrived.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "ingest.h"

static void
oom(void)
{
	fprintf(stderr, "bench_ingest: out of memory\n");
	exit(1);
}

double
ing_step_loss(const struct ing_step *s)
{
	return s->sent == 0 ? 1 : (double)(s->sent - (s->handled < s->sent ?
	    s->handled : s->sent)) / (double)s->sent;
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* Nearest rank of the sorted values. */
static int64_t
pct(const int64_t *sorted, size_t n, double p)
{
	size_t k = (size_t)ceil(p * (double)n);

	return n == 0 ? 0 : sorted[k == 0 ? 0 : k - 1 < n ? k - 1 : n - 1];
}

/* The latencies of triggers [from, to) that arrived, sorted, in out. */
static size_t
sorted_range(const struct ing_latency *l, uint64_t from, uint64_t to,
    int64_t *out)
{
	size_t n = 0;
	uint64_t i;

	for (i = from; i < to; i++)
		if (l->ns[i] >= 0)
			out[n++] = l->ns[i];
	qsort(out, n, sizeof(*out), cmp_i64);
	return n;
}

static const char *
met(int ok)
{
	return ok ? "met" : "NOT met";
}

void
ing_report_drain(const struct ing_drain r[2])
{
	double bare = (double)r[0].datagrams / r[0].seconds;
	double full = (double)r[1].datagrams / r[1].seconds;

	printf("%-7s %10s %9s %12s %8s %7s\n", "pass", "datagrams", "seconds",
	    "datagrams/s", "MB/s", "x bare");
	printf("%-7s %10llu %9.4f %12.0f %8.1f %7.2f\n", "bare",
	    (unsigned long long)r[0].datagrams, r[0].seconds, bare,
	    bare * ING_DGRAM_LEN / 1e6, 1.0);
	printf("%-7s %10llu %9.4f %12.0f %8.1f %7.2f\n", "daemon",
	    (unsigned long long)r[1].datagrams, r[1].seconds, full,
	    full * ING_DGRAM_LEN / 1e6, full / bare);
	printf("RESULT drain pass=bare datagrams=%llu seconds=%.6f "
	    "datagrams_per_s=%.0f samples_per_s=%.0f drops=%llu\n",
	    (unsigned long long)r[0].datagrams, r[0].seconds, bare,
	    bare * ING_SAMPLES, (unsigned long long)r[0].drops);
	printf("RESULT drain pass=daemon datagrams=%llu seconds=%.6f "
	    "datagrams_per_s=%.0f samples_per_s=%.0f drops=%llu "
	    "x_bare=%.3f\n", (unsigned long long)r[1].datagrams,
	    r[1].seconds, full, full * ING_SAMPLES,
	    (unsigned long long)r[1].drops, full / bare);
}

void
ing_report_rates(const struct ing_rates r[2])
{
	static const char *const pass[2] = { "bare", "daemon" };
	double best[2] = { 0, 0 };
	int i, short_[2] = { 0, 0 };

	for (i = 0; i < 2; i++) {
		const struct ing_step *s;

		if (r[i].best < 0) {
			printf("%s: no rate with < 0.1 %% loss\n", pass[i]);
			printf("RESULT rate_max pass=%s datagrams_per_s=0\n",
			    pass[i]);
			continue;
		}
		s = &r[i].steps[r[i].best];
		best[i] = s->achieved;
		/* Senders short at the best rate and nothing lost above it:
		 * the receiver's limit was not reached. */
		short_[i] = s->achieved < ING_SENDER_SHORT * s->target &&
		    r[i].best == r[i].n - 1;
		printf("%s: highest rate with < 0.1 %% loss: %.0f datagrams/s "
		    "(%.0f samples/s; target %.0f)%s\n", pass[i], s->achieved,
		    s->achieved * ING_SAMPLES, s->target, short_[i] ?
		    " - the senders' limit, not the receiver's" : "");
		printf("RESULT rate_max pass=%s datagrams_per_s=%.0f "
		    "target=%.0f limited_by=%s\n", pass[i], s->achieved,
		    s->target, short_[i] ? "senders" : "receiver");
	}
	if (best[0] > 0)
		printf("daemon / bare, highest rates: %.2f\n", best[1] / best[0]);
}

void
ing_report_latency(const struct ing_latency *l, uint64_t live_before)
{
	int64_t *v;
	size_t n, slow, tenth = l->n / 10 > 0 ? l->n / 10 : 1;

	if ((v = calloc(l->n, sizeof(*v))) == NULL)
		oom();
	n = sorted_range(l, 0, l->n, v);
	for (slow = 0; slow < n && v[n - 1 - slow] >= ING_GOAL_P99_NS; slow++)
		;
	printf("%llu triggers, %llu lost, %llu other captures requested; "
	    "live captures %llu -> %llu\n", (unsigned long long)l->n,
	    (unsigned long long)l->lost, (unsigned long long)l->mismatched,
	    (unsigned long long)live_before,
	    (unsigned long long)l->live_after);
	printf("%zu triggers took 1 ms or more; the daemon wrote its state "
	    "file %llu times meanwhile (once a second when captures "
	    "changed)\n", slow, (unsigned long long)l->state_writes);
	printf("all:        p50 %7.1f us  p90 %7.1f us  p99 %7.1f us  "
	    "p99.9 %7.1f us  max %8.1f us\n", pct(v, n, 0.5) / 1e3,
	    pct(v, n, 0.9) / 1e3, pct(v, n, 0.99) / 1e3,
	    pct(v, n, 0.999) / 1e3, n ? v[n - 1] / 1e3 : 0);
	printf("RESULT latency triggers=%llu lost=%llu p50_us=%.1f "
	    "p90_us=%.1f p99_us=%.1f p999_us=%.1f max_us=%.1f\n",
	    (unsigned long long)l->n, (unsigned long long)l->lost,
	    pct(v, n, 0.5) / 1e3, pct(v, n, 0.9) / 1e3,
	    pct(v, n, 0.99) / 1e3, pct(v, n, 0.999) / 1e3,
	    n ? v[n - 1] / 1e3 : 0);
	/* The first and the last tenth: live captures make a difference. */
	n = sorted_range(l, 0, tenth, v);
	printf("first %-5zu p50 %7.1f us  p99 %7.1f us  (%llu-%llu live "
	    "captures)\n", tenth, pct(v, n, 0.5) / 1e3, pct(v, n, 0.99) / 1e3,
	    (unsigned long long)live_before,
	    (unsigned long long)(live_before + tenth));
	printf("RESULT latency_part part=first triggers=%zu p50_us=%.1f "
	    "p99_us=%.1f\n", tenth, pct(v, n, 0.5) / 1e3,
	    pct(v, n, 0.99) / 1e3);
	n = sorted_range(l, l->n - tenth, l->n, v);
	printf("last %-6zu p50 %7.1f us  p99 %7.1f us  (%llu-%llu live "
	    "captures)\n", tenth, pct(v, n, 0.5) / 1e3, pct(v, n, 0.99) / 1e3,
	    (unsigned long long)(live_before + l->n - tenth),
	    (unsigned long long)(live_before + l->n));
	printf("RESULT latency_part part=last triggers=%zu p50_us=%.1f "
	    "p99_us=%.1f\n", tenth, pct(v, n, 0.5) / 1e3,
	    pct(v, n, 0.99) / 1e3);
	free(v);
}

/* Memory in MiB throughout: what ps and top call MB. */
void
ing_report_memory(const char *when, const struct ing_stats *st)
{
	printf("%-16s VmRSS %6.1f MiB  VmHWM %6.1f MiB  malloc free %5.1f MiB  "
	    "(table %.1f MiB, %llu prefixes; flows %llu of %llu, %.1f MiB; "
	    "%llu live captures)\n", when, (double)st->vm_rss_kb / 1024,
	    (double)st->vm_hwm_kb / 1024, (double)st->heap_free / 1048576,
	    (double)st->table_memory / 1048576,
	    (unsigned long long)st->prefixes, (unsigned long long)st->flows,
	    (unsigned long long)st->max_flows,
	    (double)st->flows_memory / 1048576,
	    (unsigned long long)st->live_captures);
	printf("RESULT memory when=%s rss_mib=%.1f hwm_mib=%.1f "
	    "malloc_free_mib=%.1f table_mib=%.1f prefixes=%llu flows=%llu "
	    "flows_mib=%.1f live_captures=%llu\n", when,
	    (double)st->vm_rss_kb / 1024, (double)st->vm_hwm_kb / 1024,
	    (double)st->heap_free / 1048576,
	    (double)st->table_memory / 1048576,
	    (unsigned long long)st->prefixes, (unsigned long long)st->flows,
	    (double)st->flows_memory / 1048576,
	    (unsigned long long)st->live_captures);
}

void
ing_report_pipeline(const struct ing_stats *st)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < CTL_VERDICTS; i++)
		v += st->verdicts[i];
	if (v == 0)
		return;
	printf("daemon B, samples looked up: %llu; %.1f %% match, "
	    "%.1f %% not local, %.1f %% not listed; decisions: %llu start, "
	    "%llu covered; flows evicted %llu; decode errors %llu\n",
	    (unsigned long long)v,
	    100.0 * (double)st->verdicts[CTL_VERDICT_MATCH] / (double)v,
	    100.0 * (double)st->verdicts[CTL_VERDICT_NOT_LOCAL] / (double)v,
	    100.0 * (double)st->verdicts[CTL_VERDICT_NOT_LISTED] / (double)v,
	    (unsigned long long)st->decisions[CTL_DECIDE_START],
	    (unsigned long long)st->decisions[CTL_DECIDE_COVERED],
	    (unsigned long long)st->flows_evicted,
	    (unsigned long long)st->decode_errors);
}

void
ing_report_step(const char *pass, const struct ing_step *s)
{
	printf("%-6s %9.0f %9.0f %3d %9llu %9llu %7llu %8.3f %6.0f%%%s\n",
	    pass, s->target, s->achieved, s->senders,
	    (unsigned long long)s->sent, (unsigned long long)s->handled,
	    (unsigned long long)s->drops, 100 * ing_step_loss(s),
	    100 * s->cpu, s->achieved < ING_SENDER_SHORT * s->target ?
	    "  senders short" : "");
	printf("RESULT rate pass=%s target=%.0f achieved=%.0f senders=%d "
	    "sent=%llu handled=%llu drops=%llu loss_pct=%.4f cpu_pct=%.1f\n",
	    pass, s->target, s->achieved, s->senders,
	    (unsigned long long)s->sent, (unsigned long long)s->handled,
	    (unsigned long long)s->drops, 100 * ing_step_loss(s),
	    100 * s->cpu);
}

void
ing_report_goals(const struct ing_drain drain[2], const struct ing_latency *l,
    const struct ing_stats *a, const struct ing_stats *b, int smoke)
{
	const char *tag = smoke ? " [smoke run]" : "";
	double ratio, a_mb = (double)a->vm_rss_kb / 1024;
	double b_mb = (double)b->vm_rss_kb / 1024;
	int64_t *v, p99;
	size_t n;

	ratio = ((double)drain[1].datagrams / drain[1].seconds) /
	    ((double)drain[0].datagrams / drain[0].seconds);
	printf("goal: daemon drain >= %.0f %% of the bare drain: %s (%.0f %%)"
	    "%s\n", ING_GOAL_DRAIN_RATIO * 100,
	    met(ratio >= ING_GOAL_DRAIN_RATIO), ratio * 100, tag);
	if ((v = calloc(l->n ? l->n : 1, sizeof(*v))) == NULL)
		oom();
	n = sorted_range(l, 0, l->n, v);
	p99 = pct(v, n, 0.99);
	free(v);
	printf("goal: trigger latency p99 < 1 ms: %s (%.0f us over %zu "
	    "triggers, %llu lost)%s\n",
	    met(n > 0 && p99 < ING_GOAL_P99_NS && l->lost == 0), p99 / 1e3, n,
	    (unsigned long long)l->lost, tag);
	printf("goal: RSS < %.0f MiB with 1M prefixes and a full flow table: "
	    "%s (A, max_active 16: %.1f MiB; B, max_active 65536: %.1f MiB%s%s)"
	    "%s\n", ING_GOAL_RSS_MIB,
	    met(a_mb < ING_GOAL_RSS_MIB && b_mb < ING_GOAL_RSS_MIB), a_mb, b_mb,
	    b->prefixes < 1000000 ? "; fewer prefixes" : "",
	    a->flows < a->max_flows || b->flows < b->max_flows ?
	    "; a flow table not full" : "", tag);
}
