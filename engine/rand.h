/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Engine-internal: random IVs for CBC (RFC 3602 §2.1: unpredictable).
 */
#ifndef XS_RAND_H
#define XS_RAND_H

#include <stdint.h>

/* Fills iv with len (at most XS_IV_MAX) bytes from the CSPRNG; 0 or -1. */
int xs_rand_iv(uint8_t *iv, unsigned int len);

#endif
