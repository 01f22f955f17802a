/* SPDX-License-Identifier: GPL-2.0-only */
/* The generated BPF skeletons, with the ABI they need included first. */
#ifndef XSD_SKEL_H
#define XSD_SKEL_H

#include <xdpsec/abi.h>

/* bpftool's generated code casts away const; it is not ours to fix. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wcast-qual"
#include "bpf/tc_egress.skel.h"
#include "bpf/tc_inner.skel.h"
#include "bpf/xdp_ingress.skel.h"
#include "bpf/xdp_steer.skel.h"
#pragma GCC diagnostic pop

#endif
