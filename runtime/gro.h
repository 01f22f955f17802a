/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Kernel GRO for opened packets: the worker hands them to the stack one
 * frame at a time through the steer veth; GRO on its stack side, polled by
 * a NAPI thread, merges a TCP flow's segments back into one packet before
 * the stack routes it (docs/bpf.md, "GRO on the way back").
 */
#ifndef XSD_GRO_H
#define XSD_GRO_H

#include <stddef.h>
#include <stdint.h>

/* Turns GRO on, in a NAPI thread, for frames the worker sends from
 * worker_if to stack_if. Returns 0 or -errno, with err set. */
int xsd_steer_gro(const char *stack_if, const char *worker_if, char *err, size_t errlen);

#endif
