// SPDX-License-Identifier: GPL-2.0-only
/*
 * Timers: a singly linked list sorted by due time, earliest first. The
 * state machine embeds struct ike_timer in its objects, so arming never
 * allocates and cancelling is a list unlink. Timers due at the same
 * millisecond fire in the order they were armed.
 */
#include <stdint.h>
#include <time.h>

#include "shell.h"

/* Fired per ike_timer_run(); the rest wait for the next loop turn. */
#define TIMER_RUN_BUDGET 1024u

uint64_t ike_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void timer_unlink(struct ike_agent *a, struct ike_timer *t)
{
	struct ike_timer **pp;

	for (pp = &a->timers; *pp; pp = &(*pp)->next) {
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	}
	t->next = NULL;
	t->armed = false;
}

void ike_timer_arm(struct ike_agent *a, struct ike_timer *t, uint64_t ms,
		   ike_timer_fn fn, void *arg)
{
	struct ike_timer **pp;
	uint64_t now = ike_now_ms();

	if (t->armed)
		timer_unlink(a, t);
	t->due_ms = ms > UINT64_MAX - now ? UINT64_MAX : now + ms;
	t->fn = fn;
	t->arg = arg;
	/* After every timer due no later: equal deadlines keep arm order. */
	for (pp = &a->timers; *pp && (*pp)->due_ms <= t->due_ms; pp = &(*pp)->next)
		;
	t->next = *pp;
	*pp = t;
	t->armed = true;
}

void ike_timer_cancel(struct ike_agent *a, struct ike_timer *t)
{
	if (t && t->armed)
		timer_unlink(a, t);
}

void ike_timer_run(struct ike_agent *a, uint64_t now)
{
	unsigned int budget = TIMER_RUN_BUDGET;

	/* The callback may arm or cancel any timer, itself included, so the
	 * head is taken afresh each time. */
	while (a->timers && a->timers->due_ms <= now && budget--) {
		struct ike_timer *t = a->timers;

		a->timers = t->next;
		t->next = NULL;
		t->armed = false;
		if (t->fn)
			t->fn(a, t->arg);
	}
}

int ike_timer_next_ms(const struct ike_agent *a, uint64_t now)
{
	uint64_t left;

	if (!a->timers)
		return -1;
	if (a->timers->due_ms <= now)
		return 0;
	left = a->timers->due_ms - now;
	return left > INT32_MAX ? INT32_MAX : (int)left;
}
