/*
 * curl_loop.h - a libcurl multi handle driven by a libevent loop, so HTTP
 * never blocks the loop: the blacklist fetcher and the switch rules
 * client both run their transfers on it (the wiring is in curl_loop.c).
 */
#ifndef FS_CURL_LOOP_H
#define FS_CURL_LOOP_H

#include <stddef.h>

#include <curl/curl.h>

struct event_base;
struct curl_loop;

/* Called once per finished transfer, after its handle left the multi:
 * the owner may free it or start new transfers from here. */
typedef void curl_loop_done(void *ctx, CURL *easy, CURLcode);

/* NULL with a message in err (out of memory, curl_global_init failed). */
struct curl_loop *curl_loop_new(struct event_base *, curl_loop_done *,
	    void *ctx, char *err, size_t errlen);
/* Start easy on the loop.  0, or -1 with a message in err. */
int	curl_loop_add(struct curl_loop *, CURL *easy, char *err,
	    size_t errlen);
/* Abandon a transfer in flight (no done callback). */
void	curl_loop_remove(struct curl_loop *, CURL *easy);
/* Abandons every transfer; NULL is a no-op. */
void	curl_loop_free(struct curl_loop *);

#endif /* FS_CURL_LOOP_H */
