/* ps, info and stats: tables as docker prints them, plain ASCII. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "core/client/client.h"
#include "core/commands.h"
#include "platform/cleanup.h"
#include "platform/json.h"

static const struct {
	const char *field, *header;
} ps_headers[] = {
	{ "ID", "CONTAINER ID" }, { "Image", "IMAGE" }, { "Command", "COMMAND" },
	{ "CreatedAt", "CREATED AT" }, { "RunningFor", "CREATED" }, { "Ports", "PORTS" },
	{ "Status", "STATUS" }, { "State", "STATE" }, { "Names", "NAMES" },
	{ "Labels", "LABELS" }, { "Size", "SIZE" }, { "Networks", "NETWORKS" },
	{ "Mounts", "MOUNTS" },
};

static void ports_text(const cJSON *ports, struct buf *out)
{
	const cJSON *p;

	cJSON_ArrayForEach(p, ports) {
		const char *ip = cJSON_GetStringValue(cJSON_GetObjectItem(p, "IP"));
		const char *type = cJSON_GetStringValue(cJSON_GetObjectItem(p, "Type"));
		int priv = (int)cJSON_GetNumberValue(cJSON_GetObjectItem(p, "PrivatePort"));
		const cJSON *pub = cJSON_GetObjectItem(p, "PublicPort");

		if (buf_size(out))
			buf_add(out, ", ", 2);
		if (cJSON_IsNumber(pub))
			buf_printf(out, "%s:%d->%d/%s", ip && *ip ? ip : "0.0.0.0",
				   (int)pub->valuedouble, priv, type ? type : "tcp");
		else
			buf_printf(out, "%d/%s", priv, type ? type : "tcp");
	}
	buf_add(out, "", 0);
}

/* The fields docker's ps formats see, from one /containers/json entry. */
static cJSON *ps_fields(const cJSON *c, bool no_trunc, int64_t now)
{
	cJSON *o = cJSON_CreateObject();
	const char *id = cJSON_GetStringValue(cJSON_GetObjectItem(c, "Id")) ?: "";
	const char *cmd = cJSON_GetStringValue(cJSON_GetObjectItem(c, "Command")) ?: "";
	int64_t created = (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(c, "Created"));
	const cJSON *names = cJSON_GetObjectItem(c, "Names"), *n, *labels;
	char buf[1100], dur[64];
	struct buf b = { 0 };
	struct tm tm;
	time_t t = (time_t)created;

	snprintf(buf, sizeof(buf), "%.*s", no_trunc ? 64 : 12, id);
	cJSON_AddStringToObject(o, "ID", buf);
	cJSON_AddStringToObject(o, "Image", cJSON_GetStringValue(cJSON_GetObjectItem(c, "Image")) ?: "");
	if (no_trunc) {
		snprintf(buf, sizeof(buf), "\"%s\"", cmd);
	} else {
		char tr[64];

		cli_truncate(cmd, 20, tr, sizeof(tr));
		snprintf(buf, sizeof(buf), "\"%s\"", tr);
	}
	cJSON_AddStringToObject(o, "Command", buf);
	localtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S %z %Z", &tm);
	cJSON_AddStringToObject(o, "CreatedAt", buf);
	cli_human_duration(now - created, dur, sizeof(dur));
	snprintf(buf, sizeof(buf), "%s ago", dur);
	cJSON_AddStringToObject(o, "RunningFor", buf);
	ports_text(cJSON_GetObjectItem(c, "Ports"), &b);
	cJSON_AddStringToObject(o, "Ports", buf_head(&b) ?: "");
	buf_free(&b);
	cJSON_AddStringToObject(o, "Status", cJSON_GetStringValue(cJSON_GetObjectItem(c, "Status")) ?: "");
	cJSON_AddStringToObject(o, "State", cJSON_GetStringValue(cJSON_GetObjectItem(c, "State")) ?: "");
	cJSON_ArrayForEach(n, names) {
		const char *s = cJSON_GetStringValue(n);

		if (!s)
			continue;
		if (buf_size(&b))
			buf_add(&b, ",", 1);
		buf_printf(&b, "%s", s[0] == '/' ? s + 1 : s);
	}
	buf_add(&b, "", 0);
	cJSON_AddStringToObject(o, "Names", buf_head(&b));
	buf_free(&b);
	labels = cJSON_GetObjectItem(c, "Labels");
	cJSON_ArrayForEach(n, labels) {
		if (buf_size(&b))
			buf_add(&b, ",", 1);
		buf_printf(&b, "%s=%s", n->string, cJSON_GetStringValue(n) ?: "");
	}
	buf_add(&b, "", 0);
	cJSON_AddStringToObject(o, "Labels", buf_head(&b));
	buf_free(&b);
	cJSON_AddStringToObject(o, "Size", "0B");
	cJSON_AddStringToObject(o, "Networks", "");
	cJSON_AddStringToObject(o, "Mounts", "");
	return o;
}

static const char *header_of(const char *field, size_t len)
{
	for (size_t i = 0; i < sizeof(ps_headers) / sizeof(ps_headers[0]); i++)
		if (strlen(ps_headers[i].field) == len && !strncmp(ps_headers[i].field, field, len))
			return ps_headers[i].header;
	return NULL;
}

/* "table {{.ID}}\t{{.Names}}": one row per entry split at tabs, headers first. */
static int build_table(const char *fmt, cJSON *rows, struct cli_table *tp)
{
	struct cli_table t = { .shrink = { -1 } };
	const cJSON *row;
	const char *cells[32];
	size_t ncols = 0;

	for (const char *p = fmt; (p = strstr(p, "{{")) && ncols < 32;) {
		const char *e = strstr(p, "}}"), *f = p + 2;
		char h[128];

		if (!e)
			return -1;
		while (*f == ' ')
			f++;
		if (*f == '.')
			f++;
		{
			size_t len = (size_t)(e - f);

			while (len && f[len - 1] == ' ')
				len--;
			snprintf(h, sizeof(h), "%s", header_of(f, len) ?: "");
			if (!*h)
				snprintf(h, sizeof(h), "%.*s", (int)len, f);
		}
		cells[ncols++] = strdup(h);
		p = e + 2;
	}
	cli_table_add(&t, ncols, cells);
	for (size_t i = 0; i < ncols; i++)
		free((char *)cells[i]);
	cJSON_ArrayForEach(row, rows) {
		struct buf out = { 0 };
		char *s, *rest;
		size_t k = 0;

		if (cli_template(fmt, row, &out)) {
			buf_free(&out);
			cli_table_free(&t);
			return -1;
		}
		/* strsep, not strtok: an empty cell (no ports) stays a cell. */
		rest = buf_size(&out) ? out.data + out.off : NULL;
		while ((s = strsep(&rest, "\t")) && k < ncols)
			cells[k++] = s;
		while (k < ncols)
			cells[k++] = "";
		cli_table_add(&t, ncols, cells);
		buf_free(&out);
	}
	*tp = t;
	return 0;
}

#define PS_COLUMNS "{{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}"

/*
 * The table; with fit, on a terminal narrower than docker's columns (80 on
 * a serial console), CREATED goes (STATUS says how long), PORTS goes when
 * empty, then COMMAND, STATUS and IMAGE are cut.
 */
static int print_table_format(const char *fmt, cJSON *rows, bool fit)
{
	static const int order[4] = { 2, 3, 1, -1 };
	size_t width = fit ? cli_term_width() : 0;
	struct cli_table t;
	const cJSON *row;
	bool ports = false;

	if (build_table(fmt, rows, &t))
		return -1;
	if (width && cli_table_width(&t) > width) {
		cli_table_free(&t);
		cJSON_ArrayForEach(row, rows)
			ports |= *(cJSON_GetStringValue(cJSON_GetObjectItem(row, "Ports")) ?: "") != '\0';
		if (build_table(ports ? "{{.ID}}\t{{.Image}}\t{{.Command}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}"
				      : "{{.ID}}\t{{.Image}}\t{{.Command}}\t{{.Status}}\t{{.Names}}",
				rows, &t))
			return -1;
		t.max_width = width;
		memcpy(t.shrink, order, sizeof(order));
	}
	cli_table_print(&t, stdout);
	cli_table_free(&t);
	return 0;
}

static int add_filter(cJSON *filters, const char *kv)
{
	const char *eq = strchr(kv, '=');
	char key[128];
	cJSON *a;

	if (!eq || eq == kv) {
		fprintf(stderr, "tug: bad format of filter (expected name=value): %s\n", kv);
		return -1;
	}
	snprintf(key, sizeof(key), "%.*s", (int)(eq - kv), kv);
	a = cJSON_GetObjectItem(filters, key);
	if (!a)
		a = cJSON_AddArrayToObject(filters, key);
	cJSON_AddItemToArray(a, cJSON_CreateString(eq + 1));
	return 0;
}

/* "?filters=<urlencoded json>" or "" when empty. */
static void filters_query(const cJSON *filters, char sep, char *out, size_t size)
{
	_cleanup_free_ char *s = NULL;
	char enc[3000];

	out[0] = '\0';
	if (!cJSON_GetArraySize(filters))
		return;
	s = cJSON_PrintUnformatted(filters);
	cli_escape(s ?: "{}", enc, sizeof(enc));
	snprintf(out, size, "%cfilters=%s", sep, enc);
}

int client_cmd_ps(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "all", no_argument, NULL, 'a' },	   { "quiet", no_argument, NULL, 'q' },
		{ "no-trunc", no_argument, NULL, 'T' },	   { "latest", no_argument, NULL, 'l' },
		{ "last", required_argument, NULL, 'n' },  { "filter", required_argument, NULL, 'f' },
		{ "format", required_argument, NULL, 'F' }, { "size", no_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'H' },	   { NULL, 0, NULL, 0 },
	};
	bool all = false, quiet = false, no_trunc = false;
	const char *format = NULL;
	long last = -1;
	_cleanup_json_ cJSON *filters = cJSON_CreateObject();
	_cleanup_json_ cJSON *reply = NULL;
	_cleanup_json_ cJSON *rows = cJSON_CreateArray();
	char target[3300], fq[3100];
	const cJSON *c;
	struct tug_err err;
	int opt, st;
	int64_t now = (int64_t)time(NULL);

	optind = 1;
	while ((opt = getopt_long(argc, argv, "+aqln:f:s", opts, NULL)) != -1) {
		switch (opt) {
		case 'a':
			all = true;
			break;
		case 'q':
			quiet = true;
			break;
		case 'T':
			no_trunc = true;
			break;
		case 'l':
			last = 1;
			all = true;
			break;
		case 'n':
			last = atol(optarg);
			all = true;
			break;
		case 'f':
			if (add_filter(filters, optarg))
				return EXIT_USAGE;
			break;
		case 'F':
			format = optarg;
			break;
		case 's':
			break;
		default:
			fprintf(opt == 'H' ? stdout : stderr,
				"Usage: tug ps [-a] [-q] [--no-trunc] [-n N] [-l] [-f KEY=VALUE]\n"
				"              [--format table|json|TEMPLATE]\n\nList containers.\n");
			return opt == 'H' ? EXIT_OK : EXIT_USAGE;
		}
	}
	filters_query(filters, '&', fq, sizeof(fq));
	snprintf(target, sizeof(target), "/containers/json?all=%d%s%s", all, fq,
		 last > 0 ? "" : "");
	if (last > 0)
		snprintf(target + strlen(target), sizeof(target) - strlen(target), "&limit=%ld", last);
	st = cli_request("GET", target, NULL, &reply, &err);
	if (st < 0)
		return cli_daemon_error(&err);
	if (st != 200)
		return cli_status_error(st, reply, EXIT_RUNTIME);
	cJSON_ArrayForEach(c, reply)
		cJSON_AddItemToArray(rows, ps_fields(c, no_trunc, now));
	if (quiet) {
		cJSON_ArrayForEach(c, rows)
			printf("%s\n", cJSON_GetStringValue(cJSON_GetObjectItem(c, "ID")));
		return EXIT_OK;
	}
	if (format && !strcmp(format, "json")) {
		cJSON_ArrayForEach(c, rows) {
			_cleanup_free_ char *s = cJSON_PrintUnformatted(c);

			printf("%s\n", s);
		}
		return EXIT_OK;
	}
	if (format && strncmp(format, "table", 5)) {
		cJSON_ArrayForEach(c, rows) {
			struct buf out = { 0 };

			if (cli_template(format, c, &out)) {
				fprintf(stderr, "tug: template parsing error: %s\n", format);
				buf_free(&out);
				return EXIT_USAGE;
			}
			printf("%s\n", buf_head(&out));
			buf_free(&out);
		}
		return EXIT_OK;
	}
	if (print_table_format(format ? format + 5 + strspn(format + 5, " ")
				      : PS_COLUMNS,
			       rows, !format && !no_trunc)) {
		fprintf(stderr, "tug: template parsing error: %s\n", format);
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

static void human_size_decimal(double b, char *out, size_t size)
{
	static const char *const units[] = { "B", "kB", "MB", "GB", "TB" };
	int u = 0;

	while (b >= 1000 && u < 4)
		b /= 1000, u++;
	snprintf(out, size, u ? "%.3g%s" : "%.0f%s", b, units[u]);
}

int client_cmd_info(int argc, char **argv)
{
	static const struct {
		const char *key, *label;
	} rows[] = {
		{ "ServerVersion", "Server Version" }, { "Driver", "Storage Driver" },
		{ "LoggingDriver", "Logging Driver" }, { "CgroupDriver", "Cgroup Driver" },
		{ "CgroupVersion", "Cgroup Version" }, { "DefaultRuntime", "Default Runtime" },
		{ "KernelVersion", "Kernel Version" }, { "OperatingSystem", "Operating System" },
		{ "OSType", "OSType" },		       { "Architecture", "Architecture" },
		{ "NCPU", "CPUs" },		       { "MemTotal", "Total Memory" },
		{ "Name", "Name" },		       { "ID", "ID" },
		{ "DockerRootDir", "Docker Root Dir" }, { "LiveRestoreEnabled", "Live Restore Enabled" },
	};
	_cleanup_json_ cJSON *reply = NULL;
	struct tug_err err;
	const char *format = NULL;
	int st;

	for (int i = 1; i < argc; i++) {
		if ((!strcmp(argv[i], "-f") || !strcmp(argv[i], "--format")) && i + 1 < argc)
			format = argv[++i];
		else if (!strncmp(argv[i], "--format=", 9))
			format = argv[i] + 9;
		else {
			fprintf(strcmp(argv[i], "--help") ? stderr : stdout,
				"Usage: tug info [-f FORMAT]\n\nShow the engine's information.\n");
			return strcmp(argv[i], "--help") ? EXIT_USAGE : EXIT_OK;
		}
	}
	st = cli_request("GET", "/info", NULL, &reply, &err);
	if (st < 0)
		return cli_daemon_error(&err);
	if (st != 200)
		return cli_status_error(st, reply, EXIT_RUNTIME);
	if (format) {
		struct buf out = { 0 };

		if (!strcmp(format, "json"))
			format = "{{json .}}";
		if (cli_template(format, reply, &out)) {
			fprintf(stderr, "tug: template parsing error: %s\n", format);
			return EXIT_USAGE;
		}
		printf("%s\n", buf_head(&out));
		buf_free(&out);
		return EXIT_OK;
	}
	printf("Server:\n");
	printf(" Containers: %d\n", (int)cJSON_GetNumberValue(cJSON_GetObjectItem(reply, "Containers")));
	printf("  Running: %d\n", (int)cJSON_GetNumberValue(cJSON_GetObjectItem(reply, "ContainersRunning")));
	printf("  Paused: %d\n", (int)cJSON_GetNumberValue(cJSON_GetObjectItem(reply, "ContainersPaused")));
	printf("  Stopped: %d\n", (int)cJSON_GetNumberValue(cJSON_GetObjectItem(reply, "ContainersStopped")));
	printf(" Images: %d\n", (int)cJSON_GetNumberValue(cJSON_GetObjectItem(reply, "Images")));
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const cJSON *v = cJSON_GetObjectItem(reply, rows[i].key);
		char text[128];

		if (!v)
			continue;
		if (!strcmp(rows[i].key, "MemTotal"))
			cli_human_bytes_binary(v->valuedouble, text, sizeof(text));
		else if (cJSON_IsNumber(v))
			snprintf(text, sizeof(text), "%lld", (long long)v->valuedouble);
		else if (cJSON_IsBool(v))
			snprintf(text, sizeof(text), "%s", cJSON_IsTrue(v) ? "true" : "false");
		else
			snprintf(text, sizeof(text), "%s", cJSON_GetStringValue(v) ?: "");
		printf(" %s: %s\n", rows[i].label, text);
	}
	return EXIT_OK;
}

struct sample {
	char id[80], name[200];
	double cpu_ns, system_ns, ncpu, mem, limit, pids, rx, tx, rd, wr;
	bool ok;
};

static void blkio_sum(const cJSON *st, double *rd, double *wr)
{
	const cJSON *e;

	*rd = *wr = 0;
	cJSON_ArrayForEach(e, cJSON_GetObjectItem(cJSON_GetObjectItem(st, "blkio_stats"),
						  "io_service_bytes_recursive")) {
		const char *op = cJSON_GetStringValue(cJSON_GetObjectItem(e, "op")) ?: "";
		double v = cJSON_GetNumberValue(cJSON_GetObjectItem(e, "value"));

		if (!strcasecmp(op, "read"))
			*rd += v;
		else if (!strcasecmp(op, "write"))
			*wr += v;
	}
}

static int take_sample(const char *id, struct sample *s, double host_mem, bool quiet, int *code)
{
	char esc[260], target[400];
	_cleanup_json_ cJSON *r = NULL;
	const cJSON *n;
	struct tug_err err;
	int st;

	cli_escape(id, esc, sizeof(esc));
	/* One sample now; the CPU % comes from two of them, as docker computes it. */
	snprintf(target, sizeof(target), "/containers/%s/stats?stream=0&one-shot=1", esc);
	st = cli_request("GET", target, NULL, &r, &err);
	if (st < 0) {
		*code = cli_daemon_error(&err);
		return -1;
	}
	if (st != 200) {
		*code = quiet ? EXIT_RUNTIME : cli_status_error(st, r, EXIT_RUNTIME);
		return -1;
	}
	snprintf(s->id, sizeof(s->id), "%s", cJSON_GetStringValue(cJSON_GetObjectItem(r, "id")) ?: id);
	snprintf(s->name, sizeof(s->name), "%s", cJSON_GetStringValue(cJSON_GetObjectItem(r, "name")) ?: id);
	n = cJSON_GetObjectItem(r, "cpu_stats");
	s->cpu_ns = cJSON_GetNumberValue(
		cJSON_GetObjectItem(cJSON_GetObjectItem(n, "cpu_usage"), "total_usage"));
	s->system_ns = cJSON_GetNumberValue(cJSON_GetObjectItem(n, "system_cpu_usage"));
	s->ncpu = cJSON_GetNumberValue(cJSON_GetObjectItem(n, "online_cpus"));
	s->mem = cJSON_GetNumberValue(cJSON_GetObjectItem(cJSON_GetObjectItem(r, "memory_stats"), "usage"));
	s->limit = cJSON_GetNumberValue(cJSON_GetObjectItem(cJSON_GetObjectItem(r, "memory_stats"), "limit"));
	if (!(s->limit > 0))
		s->limit = host_mem;
	s->pids = cJSON_GetNumberValue(cJSON_GetObjectItem(cJSON_GetObjectItem(r, "pids_stats"), "current"));
	s->rx = s->tx = 0;
	cJSON_ArrayForEach(n, cJSON_GetObjectItem(r, "networks")) {
		s->rx += cJSON_GetNumberValue(cJSON_GetObjectItem(n, "rx_bytes"));
		s->tx += cJSON_GetNumberValue(cJSON_GetObjectItem(n, "tx_bytes"));
	}
	blkio_sum(r, &s->rd, &s->wr);
	s->ok = true;
	return 0;
}

static void stats_row(struct cli_table *t, const struct sample *s, const struct sample *prev)
{
	char id[16], cpu[32], mem[64], memp[32], net[64], blk[64], pids[32], a[32], b[32];
	const char *name = s->name[0] == '/' ? s->name + 1 : s->name;
	double pct = 0;

	/* docker's calculateCPUPercentUnix: container time over system time, times CPUs. */
	if (prev && prev->ok && s->system_ns > prev->system_ns && s->cpu_ns > prev->cpu_ns)
		pct = (s->cpu_ns - prev->cpu_ns) / (s->system_ns - prev->system_ns) *
		      (s->ncpu > 0 ? s->ncpu : 1) * 100;
	snprintf(id, sizeof(id), "%.12s", s->id);
	snprintf(cpu, sizeof(cpu), "%.2f%%", pct);
	cli_human_bytes_binary(s->mem, a, sizeof(a));
	cli_human_bytes_binary(s->limit, b, sizeof(b));
	snprintf(mem, sizeof(mem), "%s / %s", a, b);
	snprintf(memp, sizeof(memp), "%.2f%%", s->limit > 0 ? s->mem / s->limit * 100 : 0);
	human_size_decimal(s->rx, a, sizeof(a));
	human_size_decimal(s->tx, b, sizeof(b));
	snprintf(net, sizeof(net), "%s / %s", a, b);
	human_size_decimal(s->rd, a, sizeof(a));
	human_size_decimal(s->wr, b, sizeof(b));
	snprintf(blk, sizeof(blk), "%s / %s", a, b);
	snprintf(pids, sizeof(pids), "%.0f", s->pids);
	{
		const char *row[] = { id, name, cpu, mem, memp, net, blk, pids };

		cli_table_add(t, 8, row);
	}
}

int client_cmd_stats(int argc, char **argv)
{
	static const struct option opts[] = { { "no-stream", no_argument, NULL, 'S' },
					      { "all", no_argument, NULL, 'a' },
					      { "no-trunc", no_argument, NULL, 'T' },
					      { "help", no_argument, NULL, 'H' },
					      { NULL, 0, NULL, 0 } };
	static const char *const header[] = { "CONTAINER ID", "NAME", "CPU %", "MEM USAGE / LIMIT",
					      "MEM %", "NET I/O", "BLOCK I/O", "PIDS" };
	bool stream = true, all = false;
	char **ids = NULL;
	struct sample *prev = NULL, *cur = NULL;
	size_t n = 0;
	double host_mem = 0;
	int c, code = EXIT_OK;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+a", opts, NULL)) != -1) {
		if (c == 'S')
			stream = false;
		else if (c == 'a')
			all = true;
		else if (c != 'T') {
			fprintf(c == 'H' ? stdout : stderr,
				"Usage: tug stats [--no-stream] [-a] [CONTAINER...]\n");
			return c == 'H' ? EXIT_OK : EXIT_USAGE;
		}
	}
	{
		_cleanup_json_ cJSON *info = NULL;
		struct tug_err err;
		int st = cli_request("GET", "/info", NULL, &info, &err);

		if (st < 0)
			return cli_daemon_error(&err);
		host_mem = cJSON_GetNumberValue(cJSON_GetObjectItem(info, "MemTotal"));
	}
	if (optind < argc) {
		ids = argv + optind;
		n = (size_t)(argc - optind);
	} else {
		_cleanup_json_ cJSON *list = NULL;
		const cJSON *e;
		struct tug_err err;
		int st = cli_request("GET", all ? "/containers/json?all=1" : "/containers/json", NULL,
				     &list, &err);

		if (st < 0)
			return cli_daemon_error(&err);
		ids = calloc((size_t)cJSON_GetArraySize(list) + 1, sizeof(char *));
		cJSON_ArrayForEach(e, list)
			ids[n++] = strdup(cJSON_GetStringValue(cJSON_GetObjectItem(e, "Id")) ?: "");
	}
	prev = calloc(n + 1, sizeof(*prev));
	cur = calloc(n + 1, sizeof(*cur));
	/* A first sample a second before the first table, so it shows a real CPU %. */
	for (size_t i = 0; i < n; i++) {
		int one = 0;

		if (take_sample(ids[i], &prev[i], host_mem, true, &one) && one == EXIT_DAEMON) {
			free(prev);
			free(cur);
			return one;
		}
	}
	if (n)
		sleep(1);
	for (;;) {
		struct cli_table t = { 0 };

		cli_table_add(&t, 8, header);
		for (size_t i = 0; i < n; i++) {
			int one = 0;

			if (take_sample(ids[i], &cur[i], host_mem, false, &one)) {
				code = one;
				cur[i].ok = false;
				continue;
			}
			stats_row(&t, &cur[i], &prev[i]);
		}
		if (stream && isatty(1))
			fputs("\033[2J\033[H", stdout);
		cli_table_print(&t, stdout);
		fflush(stdout);
		cli_table_free(&t);
		if (!stream || code == EXIT_DAEMON)
			break;
		memcpy(prev, cur, n * sizeof(*cur));
		sleep(1);
	}
	free(prev);
	free(cur);
	return code;
}
