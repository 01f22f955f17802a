// SPDX-License-Identifier: GPL-2.0-only
#include "drop.h"

static const char *const drop_names[XS_DROP_MAX] = {
#define XS_DROP_NAME(name, str) [XS_DROP_##name] = str,
	XS_DROP_REASONS(XS_DROP_NAME)
#undef XS_DROP_NAME
};

const char *xs_drop_name(unsigned int reason)
{
	return reason < XS_DROP_MAX ? drop_names[reason] : "unknown";
}
