/* logs and events: chunked streams read as they come. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/client/client.h"
#include "core/commands.h"
#include "platform/cleanup.h"
#include "platform/fsutil.h"
#include "platform/json.h"

struct log_sink {
	bool mux;
	struct cli_demux dm;
	bool bad;
};

static void log_data(void *ctx, const char *data, size_t len)
{
	struct log_sink *s = ctx;

	if (!s->mux)
		write_all(1, data, len);
	else if (cli_demux_feed(&s->dm, data, len, 1, 2))
		s->bad = true;
}

static void error_body(void *ctx, const char *data, size_t len)
{
	buf_add(ctx, data, len);
}

static int stream_error(struct http_client *c, struct http_response *r, int *code)
{
	struct buf out = { 0 };
	_cleanup_json_ cJSON *reply = NULL;
	struct tug_err err;

	if (!http_client_read_body(c, r, error_body, &out, &err) && buf_size(&out))
		reply = json_parse(buf_head(&out), buf_size(&out), "reply", &err);
	*code = cli_status_error(r->status, reply, EXIT_RUNTIME);
	buf_free(&out);
	http_response_free(r);
	http_client_close(c);
	return -1;
}

static int get_stream(struct http_client *c, struct http_response *r, const char *target,
		      int *code)
{
	struct tug_err err;

	if (cli_connect(c, &err) || http_client_send(c, "GET", target, NULL, NULL, 0, &err) ||
	    http_client_read_head(c, r, &err)) {
		http_client_close(c);
		*code = cli_daemon_error(&err);
		return -1;
	}
	if (r->status != 200)
		return stream_error(c, r, code);
	return 0;
}

int client_cmd_logs(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "follow", no_argument, NULL, 'f' },	     { "timestamps", no_argument, NULL, 't' },
		{ "tail", required_argument, NULL, 'n' },    { "since", required_argument, NULL, 'S' },
		{ "until", required_argument, NULL, 'U' },   { "details", no_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'H' },	     { NULL, 0, NULL, 0 },
	};
	bool follow = false, timestamps = false;
	char tail[32] = "all", since[40] = "", until[40] = "", esc[260], target[600];
	struct http_client c;
	struct http_response r;
	struct log_sink sink = { 0 };
	struct tug_err err;
	const char *ct;
	int opt, code = 0;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "+ftn:", opts, NULL)) != -1) {
		double t;

		switch (opt) {
		case 'f':
			follow = true;
			break;
		case 't':
			timestamps = true;
			break;
		case 'n':
			cli_escape(optarg, tail, sizeof(tail));
			break;
		case 'S':
		case 'U':
			if (cli_parse_time(optarg, (int64_t)time(NULL), &t)) {
				fprintf(stderr, "tug: invalid time value: %s\n", optarg);
				return EXIT_USAGE;
			}
			snprintf(opt == 'S' ? since : until, sizeof(since), "%.9f", t);
			break;
		case 'D':
			break;
		default:
			fprintf(opt == 'H' ? stdout : stderr,
				"Usage: tug logs [-f] [-t] [-n|--tail N] [--since T] [--until T] CONTAINER\n");
			return opt == 'H' ? EXIT_OK : EXIT_USAGE;
		}
	}
	if (optind + 1 != argc) {
		fprintf(stderr, "tug: \"logs\" requires exactly 1 argument.\n");
		return EXIT_USAGE;
	}
	cli_escape(argv[optind], esc, sizeof(esc));
	snprintf(target, sizeof(target),
		 "/containers/%s/logs?stdout=1&stderr=1&follow=%d&timestamps=%d&tail=%s%s%s%s%s", esc,
		 follow, timestamps, tail, *since ? "&since=" : "", since, *until ? "&until=" : "",
		 until);
	if (get_stream(&c, &r, target, &code))
		return code;
	ct = http_response_header(&r, "Content-Type");
	sink.mux = ct && strstr(ct, "multiplexed");
	if (http_client_read_body(&c, &r, log_data, &sink, &err)) {
		tug_err_print(&err);
		code = EXIT_RUNTIME;
	}
	if (sink.bad) {
		fprintf(stderr, "tug: malformed log stream from the daemon\n");
		code = EXIT_RUNTIME;
	}
	http_response_free(&r);
	http_client_close(&c);
	return code;
}

struct event_sink {
	struct buf line;
	const char *format;
};

static void print_event(const cJSON *ev, const char *format)
{
	struct buf out = { 0 };

	if (format && !strcmp(format, "json"))
		format = "{{json .}}";
	if (format) {
		if (!cli_template(format, ev, &out))
			buf_add(&out, "\n", 1);
	} else {
		double ns = cJSON_GetNumberValue(cJSON_GetObjectItem(ev, "timeNano"));
		time_t sec = (time_t)(ns / 1e9);
		long nsec = (long)(ns - (double)sec * 1e9);
		const cJSON *actor = cJSON_GetObjectItem(ev, "Actor"), *a;
		const cJSON *attrs = cJSON_GetObjectItem(actor, "Attributes");
		char when[64], zone[16];
		struct tm tm;
		long off;
		size_t n = (size_t)cJSON_GetArraySize(attrs), k = 0;
		const cJSON **sorted = calloc(n + 1, sizeof(*sorted));

		if (!(ns > 0))
			sec = (time_t)cJSON_GetNumberValue(cJSON_GetObjectItem(ev, "time")), nsec = 0;
		if (nsec < 0)
			nsec = 0;
		localtime_r(&sec, &tm);
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
		off = tm.tm_gmtoff;
		if (!off)
			snprintf(zone, sizeof(zone), "Z");
		else
			snprintf(zone, sizeof(zone), "%c%02ld:%02ld", off < 0 ? '-' : '+',
				 labs(off) / 3600, labs(off) % 3600 / 60);
		buf_printf(&out, "%s.%09ld%s %s %s %s", when, nsec, zone,
			   cJSON_GetStringValue(cJSON_GetObjectItem(ev, "Type")) ?: "",
			   cJSON_GetStringValue(cJSON_GetObjectItem(ev, "Action")) ?: "",
			   cJSON_GetStringValue(cJSON_GetObjectItem(actor, "ID")) ?: "");
		/* Attributes sorted by key, as docker prints them. */
		cJSON_ArrayForEach(a, attrs) if (sorted && k < n) sorted[k++] = a;
		for (size_t i = 1; i < k; i++)
			for (size_t j = i; j > 0 && strcmp(sorted[j - 1]->string, sorted[j]->string) > 0; j--) {
				const cJSON *t = sorted[j];

				sorted[j] = sorted[j - 1];
				sorted[j - 1] = t;
			}
		for (size_t i = 0; i < k; i++)
			buf_printf(&out, "%s%s=%s", i ? ", " : " (", sorted[i]->string,
				   cJSON_GetStringValue(sorted[i]) ?: "");
		buf_printf(&out, "%s\n", k ? ")" : "");
		free(sorted);
	}
	/* write(2), not stdio: --until ends the process from a signal handler. */
	if (buf_size(&out))
		write_all(1, buf_head(&out), buf_size(&out));
	buf_free(&out);
}

static void event_data(void *ctx, const char *data, size_t len)
{
	struct event_sink *s = ctx;
	char *nl;

	buf_add(&s->line, data, len);
	while ((nl = memchr(buf_head(&s->line), '\n', buf_size(&s->line)))) {
		size_t n = (size_t)(nl - buf_head(&s->line));
		struct tug_err err;
		cJSON *ev = n ? json_parse(buf_head(&s->line), n, "event", &err) : NULL;

		if (ev)
			print_event(ev, s->format);
		cJSON_Delete(ev);
		buf_consume(&s->line, n + 1);
	}
}

static void until_reached(int sig)
{
	_exit(0);
}

int client_cmd_events(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "since", required_argument, NULL, 'S' },  { "until", required_argument, NULL, 'U' },
		{ "filter", required_argument, NULL, 'f' }, { "format", required_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'H' },	    { NULL, 0, NULL, 0 },
	};
	_cleanup_json_ cJSON *filters = cJSON_CreateObject();
	struct event_sink sink = { 0 };
	double since = 0, until = 0;
	char target[3400], q[3100] = "";
	struct http_client c;
	struct http_response r;
	struct tug_err err;
	int opt, code = 0;
	int64_t now = (int64_t)time(NULL);

	optind = 1;
	while ((opt = getopt_long(argc, argv, "+f:", opts, NULL)) != -1) {
		switch (opt) {
		case 'S':
		case 'U':
			if (cli_parse_time(optarg, now, opt == 'S' ? &since : &until)) {
				fprintf(stderr, "tug: invalid time value: %s\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'f': {
			const char *eq = strchr(optarg, '=');
			char key[128];
			cJSON *a;

			if (!eq || eq == optarg) {
				fprintf(stderr, "tug: bad format of filter (expected name=value): %s\n", optarg);
				return EXIT_USAGE;
			}
			snprintf(key, sizeof(key), "%.*s", (int)(eq - optarg), optarg);
			a = cJSON_GetObjectItem(filters, key);
			if (!a)
				a = cJSON_AddArrayToObject(filters, key);
			cJSON_AddItemToArray(a, cJSON_CreateString(eq + 1));
			break;
		}
		case 'F':
			sink.format = optarg;
			break;
		default:
			fprintf(opt == 'H' ? stdout : stderr,
				"Usage: tug events [--since T] [--until T] [-f KEY=VALUE] [--format F]\n");
			return opt == 'H' ? EXIT_OK : EXIT_USAGE;
		}
	}
	if (cJSON_GetArraySize(filters)) {
		_cleanup_free_ char *s = cJSON_PrintUnformatted(filters);
		char enc[3000];

		cli_escape(s ?: "{}", enc, sizeof(enc));
		snprintf(q, sizeof(q), "&filters=%s", enc);
	}
	snprintf(target, sizeof(target), "/events?v=1");
	if (since)
		snprintf(target + strlen(target), sizeof(target) - strlen(target), "&since=%.3f", since);
	if (until)
		snprintf(target + strlen(target), sizeof(target) - strlen(target), "&until=%.3f", until);
	snprintf(target + strlen(target), sizeof(target) - strlen(target), "%s", q);
	if (get_stream(&c, &r, target, &code))
		return code;
	if (until) {
		/* tugd ends the stream at --until; an older one may not: stop here too. */
		double left = until - (double)time(NULL);

		/* In the past: the daemon replays what it kept and ends the stream. */
		if (left > 0) {
			signal(SIGALRM, until_reached);
			alarm((unsigned)(left + 1.999));
		}
	}
	if (http_client_read_body(&c, &r, event_data, &sink, &err)) {
		tug_err_print(&err);
		code = EXIT_RUNTIME;
	}
	buf_free(&sink.line);
	http_response_free(&r);
	http_client_close(&c);
	return code;
}
