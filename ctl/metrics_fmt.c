// SPDX-License-Identifier: GPL-2.0-only
/* The Prometheus text exposition format; see metrics_fmt.h. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "metrics_fmt.h"

void xs_metric_family(struct xs_outbuf *o, const char *name, const char *type,
		      const char *help)
{
	xs_outbuf_printf(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void labels_put(struct xs_outbuf *o, const char *const *labels)
{
	if (!labels || !labels[0])
		return;
	xs_outbuf_puts(o, "{");
	for (size_t i = 0; labels[i] && labels[i + 1]; i += 2) {
		xs_outbuf_printf(o, "%s%s=\"", i ? "," : "", labels[i]);
		for (const char *v = labels[i + 1]; *v; v++) {
			if (*v == '\\' || *v == '"')
				xs_outbuf_printf(o, "\\%c", *v);
			else if (*v == '\n')
				xs_outbuf_puts(o, "\\n");
			else
				xs_outbuf_write(o, v, 1);
		}
		xs_outbuf_puts(o, "\"");
	}
	xs_outbuf_puts(o, "}");
}

void xs_metric_u64(struct xs_outbuf *o, const char *name, const char *const *labels,
		   uint64_t v)
{
	xs_outbuf_puts(o, name);
	labels_put(o, labels);
	xs_outbuf_printf(o, " %" PRIu64 "\n", v);
}

void xs_metric_double(struct xs_outbuf *o, const char *name, const char *const *labels,
		      double v)
{
	xs_outbuf_puts(o, name);
	labels_put(o, labels);
	xs_outbuf_printf(o, " %.3f\n", v);
}

void xs_metric_one(struct xs_outbuf *o, const char *name, const char *type,
		   const char *help, double v)
{
	xs_metric_family(o, name, type, help);
	xs_metric_double(o, name, NULL, v);
}

void xs_metric_eof(struct xs_outbuf *o)
{
	xs_outbuf_puts(o, "# EOF\n");
}

/* /proc/self/stat field 22 (start time in clock ticks after boot, proc(5))
 * plus btime of /proc/stat. */
double xs_metric_process_start(void)
{
	unsigned long long ticks = 0, btime = 0;
	char buf[1024], *p;
	long hz = sysconf(_SC_CLK_TCK);
	FILE *f;
	size_t n;

	f = fopen("/proc/self/stat", "re");
	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* After the command name, which may hold spaces: field 3 on. */
	p = strrchr(buf, ')');
	if (!p || hz <= 0)
		return 0;
	p += 2;
	for (int field = 3; field < 22 && p; field++) {
		p = strchr(p, ' ');
		if (p)
			p++;
	}
	if (!p || sscanf(p, "%llu", &ticks) != 1)
		return 0;
	f = fopen("/proc/stat", "re");
	if (!f)
		return 0;
	while (fgets(buf, sizeof(buf), f))
		if (sscanf(buf, "btime %llu", &btime) == 1)
			break;
	fclose(f);
	return btime ? (double)btime + (double)ticks / (double)hz : 0;
}

int xs_metric_file_path(const char *in, char *out, size_t len)
{
	char cwd[PATH_MAX];
	int n;

	if (!in[0])
		return -EINVAL;
	if (in[0] == '/') {
		n = snprintf(out, len, "%s", in);
	} else {
		if (!getcwd(cwd, sizeof(cwd)))
			return -errno;
		n = snprintf(out, len, "%s/%s", cwd, in);
	}
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int xs_metric_file_write(const char *path, const char *text)
{
	size_t len = strlen(text), done = 0;
	char tmp[PATH_MAX];
	int fd, ret = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return -errno;
	while (done < len && !ret) {
		ssize_t n = write(fd, text + done, len - done);

		if (n < 0 && errno != EINTR)
			ret = -errno;
		else if (n > 0)
			done += (size_t)n;
	}
	if (close(fd) && !ret)
		ret = -errno;
	if (!ret && rename(tmp, path))
		ret = -errno;
	if (ret)
		unlink(tmp);
	return ret;
}
