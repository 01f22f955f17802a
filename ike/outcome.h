/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Outcomes of initiate and terminate (outcome.c): who waits for which
 * connection, and when to call the shell's ike_shell_initiate_done() /
 * ike_shell_terminate_done() (agent.h). The dispatcher feeds it dead SAs
 * and asks it to check the waiters at the end of every entry.
 */
#ifndef IKE_OUTCOME_H
#define IKE_OUTCOME_H

#include "ike_sa.h"

/* An initiate of conn (child, or all its children when NULL) whose IKE SA
 * is sa. 0 or -ENOMEM (then nobody waits; the caller says so). */
int ike_outcome_wait_initiate(struct ike_agent *a, const char *conn,
			      const char *child, struct ike_sa *sa);
/* A terminate of conn. 0 or -ENOMEM. */
int ike_outcome_wait_terminate(struct ike_agent *a, const char *conn);
/* sa died (ike_sa_take_dead): fails the initiates waiting on it. */
void ike_outcome_sa_dead(struct ike_sa *sa);
/* Reports what is decided: initiates whose SAs are up, terminates whose
 * connection has no IKE SA left. */
void ike_outcome_check(struct ike_agent *a);
/* Drops every waiter of a without reporting (shutdown). */
void ike_outcome_forget(struct ike_agent *a);
/* Waiters of a (tests). */
unsigned int ike_outcome_pending(const struct ike_agent *a);

#endif
