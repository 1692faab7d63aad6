/* Pure helpers of the CLI: option values, human units, templates, tables. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/client/client.h"
#include "platform/fsutil.h"

int cli_parse_bytes(const char *s, int64_t *out)
{
	char *end;
	double v = strtod(s, &end);
	double mul = 1;

	if (end == s || v < 0 || !isfinite(v))
		return -1;
	switch (tolower((unsigned char)*end)) {
	case '\0':
		break;
	case 'b':
		end++;
		break;
	case 'k':
		mul = 1024.0, end++;
		break;
	case 'm':
		mul = 1024.0 * 1024, end++;
		break;
	case 'g':
		mul = 1024.0 * 1024 * 1024, end++;
		break;
	case 't':
		mul = 1024.0 * 1024 * 1024 * 1024, end++;
		break;
	default:
		return -1;
	}
	if (mul > 1 && tolower((unsigned char)*end) == 'b')
		end++;
	if (*end || v * mul > 9e18)
		return -1;
	*out = (int64_t)(v * mul);
	return 0;
}

int cli_parse_nanocpus(const char *s, int64_t *out)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || *end || v < 0 || v > 1e6 || !isfinite(v))
		return -1;
	*out = (int64_t)llround(v * 1e9);
	return 0;
}

int cli_parse_duration_ns(const char *s, int64_t *out)
{
	static const struct {
		const char *unit;
		double ns;
	} units[] = { { "ns", 1 }, { "us", 1e3 }, { "ms", 1e6 }, { "s", 1e9 }, { "m", 60e9 },
		      { "h", 3600e9 } };
	double total = 0;

	if (!*s)
		return -1;
	if (!strcmp(s, "0")) {
		*out = 0;
		return 0;
	}
	while (*s) {
		char *end;
		double v = strtod(s, &end);
		size_t best = 0, best_len = 0;

		if (end == s || v < 0 || !isfinite(v))
			return -1;
		for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
			size_t l = strlen(units[i].unit);

			if (!strncmp(end, units[i].unit, l) && l > best_len)
				best = i, best_len = l;
		}
		if (!best_len)
			return -1;
		total += v * units[best].ns;
		s = end + best_len;
	}
	if (total > 9e18)
		return -1;
	*out = (int64_t)total;
	return 0;
}

int cli_parse_time(const char *s, int64_t now, double *out)
{
	struct tm tm = { 0 };
	int64_t ns;
	char *end;
	double v;

	if (!*s)
		return -1;
	if (strchr(s, '-') && strchr(s, 'T')) {
		const char *p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
		double frac = 0;
		long off = 0;

		if (!p)
			return -1;
		if (*p == '.') {
			frac = strtod(p, &end);
			p = end;
		}
		if (*p == '+' || *p == '-') {
			int hh, mm;

			if (sscanf(p + 1, "%2d:%2d", &hh, &mm) != 2)
				return -1;
			off = (hh * 3600L + mm * 60L) * (*p == '-' ? -1 : 1);
			p += 6;
		} else if (*p == 'Z') {
			p++;
		}
		if (*p)
			return -1;
		*out = (double)(timegm(&tm) - off) + frac;
		return 0;
	}
	v = strtod(s, &end);
	if (end != s && !*end) {
		*out = v;
		return 0;
	}
	if (cli_parse_duration_ns(s, &ns))
		return -1;
	*out = (double)now - (double)ns / 1e9;
	return 0;
}

int cli_parse_port(const char *s, char *key, size_t ksize, char *ip, size_t ipsize, char *host,
		   size_t hsize)
{
	char buf[256], *parts[3], *proto, *p;
	int n = 0;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	proto = strchr(buf, '/');
	if (proto)
		*proto++ = '\0';
	if (proto && strcmp(proto, "tcp") && strcmp(proto, "udp") && strcmp(proto, "sctp"))
		return -1;
	/* Split from the right: an IPv6 host address may hold colons. */
	p = buf;
	for (char *c = strrchr(p, ':'); c && n < 2; c = strrchr(p, ':')) {
		parts[2 - n++] = c + 1;
		*c = '\0';
	}
	parts[2 - n] = p;
	{
		const char *ctr = parts[2], *hp = n >= 1 ? parts[1] : "", *hi = n == 2 ? parts[0] : "";
		char *e;
		long v = strtol(ctr, &e, 10);

		if (!*ctr || *e || v < 1 || v > 65535)
			return -1;
		if (*hp) {
			long h = strtol(hp, &e, 10);

			if (*e || h < 0 || h > 65535)
				return -1;
		}
		snprintf(key, ksize, "%ld/%s", v, proto ? proto : "tcp");
		snprintf(ip, ipsize, "%s", hi[0] == '[' ? hi + 1 : hi);
		if (ip[0] && ip[strlen(ip) - 1] == ']')
			ip[strlen(ip) - 1] = '\0';
		snprintf(host, hsize, "%s", hp);
	}
	return 0;
}

void cli_human_duration(int64_t secs, char *out, size_t size)
{
	int64_t m = secs / 60, h = secs / 3600;

	if (secs < 1)
		snprintf(out, size, "Less than a second");
	else if (secs == 1)
		snprintf(out, size, "1 second");
	else if (secs < 60)
		snprintf(out, size, "%lld seconds", (long long)secs);
	else if (m == 1)
		snprintf(out, size, "About a minute");
	else if (m < 60)
		snprintf(out, size, "%lld minutes", (long long)m);
	else if (h == 1)
		snprintf(out, size, "About an hour");
	else if (h < 48)
		snprintf(out, size, "%lld hours", (long long)h);
	else if (h < 24 * 7 * 2)
		snprintf(out, size, "%lld days", (long long)h / 24);
	else if (h < 24 * 30 * 2)
		snprintf(out, size, "%lld weeks", (long long)h / 24 / 7);
	else if (h < 24 * 365 * 2)
		snprintf(out, size, "%lld months", (long long)h / 24 / 30);
	else
		snprintf(out, size, "%lld years", (long long)h / 24 / 365);
}

void cli_human_bytes_binary(double b, char *out, size_t size)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	int u = 0;

	while (b >= 1024 && u < 4)
		b /= 1024, u++;
	if (u == 0)
		snprintf(out, size, "%.0f%s", b, units[u]);
	else
		snprintf(out, size, "%.4g%s", b, units[u]);
}

void cli_truncate(const char *s, size_t width, char *out, size_t size)
{
	if (strlen(s) <= width || width < 4)
		snprintf(out, size, "%s", s);
	else
		snprintf(out, size, "%.*s...", (int)(width - 3), s);
}

static void value_text(const cJSON *v, struct buf *out)
{
	char *s;

	if (!v) {
		buf_add(out, "<no value>", 10);
	} else if (cJSON_IsString(v)) {
		buf_add(out, v->valuestring, strlen(v->valuestring));
	} else if (cJSON_IsBool(v)) {
		buf_printf(out, "%s", cJSON_IsTrue(v) ? "true" : "false");
	} else if (cJSON_IsNull(v)) {
		buf_add(out, "<nil>", 5);
	} else if (cJSON_IsNumber(v)) {
		if (v->valuedouble == floor(v->valuedouble) && fabs(v->valuedouble) < 1e18)
			buf_printf(out, "%lld", (long long)v->valuedouble);
		else
			buf_printf(out, "%g", v->valuedouble);
	} else {
		s = cJSON_PrintUnformatted(v);
		if (s)
			buf_add(out, s, strlen(s));
		free(s);
	}
}

/* ".A.B" -> the member; "." -> j itself. */
static const cJSON *lookup(const cJSON *j, const char *path, size_t len)
{
	char key[256];

	if (len == 1 && path[0] == '.')
		return j;
	while (len && j) {
		size_t k;

		if (*path != '.')
			return NULL;
		path++, len--;
		k = 0;
		while (k < len && path[k] != '.')
			k++;
		if (!k || k >= sizeof(key))
			return NULL;
		memcpy(key, path, k);
		key[k] = '\0';
		j = cJSON_GetObjectItemCaseSensitive(j, key);
		path += k, len -= k;
	}
	return j;
}

int cli_template(const char *fmt, const cJSON *j, struct buf *out)
{
	const char *p = fmt;

	while (*p) {
		const char *open = strstr(p, "{{"), *close, *a, *b;
		bool json = false;

		if (!open) {
			open = p + strlen(p);
		}
		/* Literal text, with the \t and \n escapes docker's formats use. */
		for (; p < open; p++) {
			if (p[0] == '\\' && (p[1] == 't' || p[1] == 'n') && p + 1 < open) {
				buf_add(out, p[1] == 't' ? "\t" : "\n", 1);
				p++;
			} else {
				buf_add(out, p, 1);
			}
		}
		if (!*p)
			break;
		close = strstr(open, "}}");
		if (!close)
			return -1;
		a = open + 2;
		b = close;
		while (a < b && (*a == ' ' || *a == '-'))
			a++;
		while (b > a && (b[-1] == ' ' || b[-1] == '-'))
			b--;
		if (b - a > 5 && !strncmp(a, "json ", 5)) {
			json = true;
			a += 5;
			while (a < b && *a == ' ')
				a++;
		}
		if (a >= b || *a != '.')
			return -1;
		{
			const cJSON *v = lookup(j, a, (size_t)(b - a));

			if (json) {
				char *s = v ? cJSON_PrintUnformatted(v) : NULL;

				buf_printf(out, "%s", s ? s : "null");
				free(s);
			} else {
				value_text(v, out);
			}
		}
		p = close + 2;
	}
	buf_add(out, "", 0);
	return 0;
}

void cli_table_add(struct cli_table *t, size_t ncols, const char *const *row)
{
	char **cells = realloc(t->cells, (t->nrows + 1) * ncols * sizeof(char *));

	if (!cells)
		return;
	t->cells = cells;
	t->ncols = ncols;
	for (size_t i = 0; i < ncols; i++)
		cells[t->nrows * ncols + i] = strdup(row[i] ? row[i] : "");
	t->nrows++;
}

/* As docker's tabwriter: cells padded by 3, each column at least 10 wide. */
static size_t natural_widths(const struct cli_table *t, size_t w[32])
{
	size_t total = 0, nc = t->ncols < 32 ? t->ncols : 32;

	memset(w, 0, 32 * sizeof(w[0]));
	for (size_t r = 0; r < t->nrows; r++)
		for (size_t c = 0; c < nc; c++) {
			size_t l = strlen(t->cells[r * t->ncols + c]) + (c + 1 < nc ? 3 : 0);

			if (l > w[c])
				w[c] = l;
		}
	for (size_t c = 0; c < nc; c++) {
		if (c + 1 < nc && w[c] < 10)
			w[c] = 10;
		total += w[c];
	}
	return total;
}

size_t cli_table_width(const struct cli_table *t)
{
	size_t w[32];

	return natural_widths(t, w);
}

void cli_table_print(struct cli_table *t, FILE *out)
{
	size_t w[32], nc = t->ncols < 32 ? t->ncols : 32, total = natural_widths(t, w);
	for (size_t k = 0; t->max_width && total > t->max_width && k < 4 && t->shrink[k] >= 0; k++) {
		size_t c = (size_t)t->shrink[k], floor;

		if (c + 1 >= nc || !t->nrows)
			continue;
		/* Down to the header (and "..." room), never below 10. */
		floor = strlen(t->cells[c]) + 3;
		floor = floor < 10 ? 10 : floor;
		if (w[c] > floor) {
			size_t cut = w[c] - floor < total - t->max_width ? w[c] - floor : total - t->max_width;

			w[c] -= cut;
			total -= cut;
		}
	}
	for (size_t r = 0; r < t->nrows; r++) {
		for (size_t c = 0; c < nc; c++) {
			const char *s = t->cells[r * t->ncols + c];
			char cut[256];

			if (c + 1 < nc && strlen(s) + 3 > w[c]) {
				cli_truncate(s, w[c] - 3, cut, sizeof(cut));
				s = cut;
			}
			if (c + 1 == nc)
				fprintf(out, "%s\n", s);
			else
				fprintf(out, "%-*s", (int)w[c], s);
		}
	}
}

void cli_table_free(struct cli_table *t)
{
	for (size_t i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	memset(t, 0, sizeof(*t));
}

void cli_to_fd(void *ctx, const char *d, size_t n)
{
	struct cli_fd_sink *s = ctx;

	if (!s->failed && write_all(s->fd, d, n))
		s->failed = true;
}
