/* tug pull / push / login / logout. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "core/commands.h"
#include "core/registry/registry.h"

#define MAX_LINES 160

/* Progress: redrawn bars on a terminal, one plain line per layer otherwise. */
struct cli_progress {
	bool tty;
	bool quiet;
	size_t n;
	char ids[MAX_LINES][16];
};

static void human(uint64_t n, char *out, size_t size)
{
	if (n >= 1000 * 1000)
		snprintf(out, size, "%.1fMB", (double)n / 1e6);
	else if (n >= 1000)
		snprintf(out, size, "%.1fkB", (double)n / 1e3);
	else
		snprintf(out, size, "%lluB", (unsigned long long)n);
}

static void bar_line(const struct registry_progress *p, char *out, size_t size)
{
	char cur[32], tot[32], bar[52];

	if (p->total && p->current) {
		int w = 40, fill = (int)((double)p->current / (double)p->total * w);

		if (fill > w)
			fill = w;
		memset(bar, '=', (size_t)fill);
		bar[fill] = fill < w ? '>' : '=';
		memset(bar + fill + 1, ' ', (size_t)(w - fill));
		bar[w + 1] = '\0';
		human(p->current, cur, sizeof(cur));
		human(p->total, tot, sizeof(tot));
		snprintf(out, size, "%s: %-18s [%s] %s/%s", p->id, p->status, bar, cur, tot);
	} else {
		snprintf(out, size, "%s: %s", p->id, p->status);
	}
}

static bool final_status(const char *s)
{
	return !strcmp(s, REG_ST_PULL_COMPLETE) || !strcmp(s, REG_ST_EXISTS) ||
	       !strcmp(s, REG_ST_PUSHED) || !strcmp(s, REG_ST_LAYER_EXISTS) ||
	       !strncmp(s, REG_ST_MOUNTED, strlen(REG_ST_MOUNTED));
}

static void on_progress(void *ctx, const struct registry_progress *p)
{
	struct cli_progress *c = ctx;
	char line[200];
	size_t i;

	if (c->quiet)
		return;
	if (!p->id) {
		printf("%s\n", p->status);
		fflush(stdout);
		return;
	}
	if (!c->tty) {
		char cur[32];

		if (!strcmp(p->status, REG_ST_RETRYING)) {
			human(p->current, cur, sizeof(cur));
			printf("%s: %s at %s\n", p->id, p->status, cur);
		} else if (final_status(p->status)) {
			printf("%s: %s\n", p->id, p->status);
		} else {
			return;
		}
		fflush(stdout);
		return;
	}
	for (i = 0; i < c->n; i++)
		if (!strcmp(c->ids[i], p->id))
			break;
	bar_line(p, line, sizeof(line));
	if (i == c->n) {
		if (c->n < MAX_LINES)
			snprintf(c->ids[c->n++], sizeof(c->ids[0]), "%s", p->id);
		printf("%s\n", line);
	} else {
		/* Up to the layer's line, rewrite it, back down. */
		printf("\033[%zuA\r\033[K%s\033[%zuB\r", c->n - i, line, c->n - i);
	}
	fflush(stdout);
}

static const struct option pull_opts[] = {
	{ "platform", required_argument, NULL, 'P' },
	{ "insecure", no_argument, NULL, 'k' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "max-concurrent-downloads", required_argument, NULL, 'j' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int transfer(int argc, char **argv, bool push)
{
	struct cli_progress prog = { .tty = isatty(STDOUT_FILENO) };
	struct registry_opts o = { .progress = on_progress, .progress_ctx = &prog };
	struct registry_result res;
	struct tug_err err = { 0 };
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "qh", pull_opts, NULL)) != -1) {
		switch (c) {
		case 'P':
			o.platform = optarg;
			break;
		case 'k':
			o.insecure = true;
			break;
		case 'q':
			prog.quiet = true;
			break;
		case 'j':
			o.parallel = atoi(optarg);
			if (o.parallel < 1) {
				fprintf(stderr, "tug %s: --max-concurrent-downloads: expected a "
						"number >= 1\n", argv[0]);
				return EXIT_USAGE;
			}
			break;
		case 'h':
			printf("Usage: tug %s [--platform os/arch[/variant]] [--insecure] [-q]\n"
			       "       [--max-concurrent-downloads N] NAME[:TAG|@DIGEST]\n",
			       argv[0]);
			return EXIT_OK;
		default:
			return EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "tug %s: expects one image name\n", argv[0]);
		return EXIT_USAGE;
	}
	if (getenv("TUG_PULL_PARALLEL") && !o.parallel)
		o.parallel = atoi(getenv("TUG_PULL_PARALLEL"));
	if (getenv("TUG_PLATFORM") && !o.platform)
		o.platform = getenv("TUG_PLATFORM");
	if ((push ? registry_push : registry_pull)(argv[optind], &o, &res, &err) < 0) {
		tug_err_print(&err);
		return EXIT_RUNTIME;
	}
	if (push) {
		printf("%s: digest: %s\n", res.name, res.manifest_digest);
	} else if (prog.quiet) {
		printf("%s\n", res.name);
	} else {
		printf("Digest: %s\n", res.repo_digest);
		printf("Status: %s %s\n",
		       res.fresh ? "Downloaded newer image for" : "Image is up to date for",
		       res.name);
	}
	return EXIT_OK;
}

int registry_cmd_pull(int argc, char **argv)
{
	return transfer(argc, argv, false);
}

int registry_cmd_push(int argc, char **argv)
{
	return transfer(argc, argv, true);
}

static void read_line(const char *prompt, bool echo, char *out, size_t size)
{
	struct termios old, t;
	bool tty = isatty(STDIN_FILENO);

	if (tty) {
		fprintf(stderr, "%s", prompt);
		if (!echo && tcgetattr(STDIN_FILENO, &old) == 0) {
			t = old;
			t.c_lflag &= ~(tcflag_t)ECHO;
			tcsetattr(STDIN_FILENO, TCSAFLUSH, &t);
		}
	}
	if (!fgets(out, (int)size, stdin))
		out[0] = '\0';
	out[strcspn(out, "\r\n")] = '\0';
	if (tty && !echo) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fprintf(stderr, "\n");
	}
}

static const struct option login_opts[] = {
	{ "username", required_argument, NULL, 'u' },
	{ "password", required_argument, NULL, 'p' },
	{ "password-stdin", no_argument, NULL, 's' },
	{ "insecure", no_argument, NULL, 'k' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

int registry_cmd_login(int argc, char **argv)
{
	struct registry_opts o = { 0 };
	struct tug_err err = { 0 };
	char user[256] = "", pass[1024] = "";
	bool from_stdin = false;
	const char *server;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "u:p:h", login_opts, NULL)) != -1) {
		switch (c) {
		case 'u':
			snprintf(user, sizeof(user), "%s", optarg);
			break;
		case 'p':
			snprintf(pass, sizeof(pass), "%s", optarg);
			break;
		case 's':
			from_stdin = true;
			break;
		case 'k':
			o.insecure = true;
			break;
		case 'h':
			printf("Usage: tug login [-u USER] [-p PASS | --password-stdin] "
			       "[--insecure] [SERVER]\n");
			return EXIT_OK;
		default:
			return EXIT_USAGE;
		}
	}
	if (argc - optind > 1)
		return fprintf(stderr, "tug login: expects at most one server\n"), EXIT_USAGE;
	server = optind < argc ? argv[optind] : "docker.io";
	if (!user[0])
		read_line("Username: ", true, user, sizeof(user));
	if (from_stdin)
		read_line("", true, pass, sizeof(pass));
	else if (!pass[0])
		read_line("Password: ", false, pass, sizeof(pass));
	if (!user[0] || !pass[0])
		return fprintf(stderr, "tug login: username and password are required\n"),
		       EXIT_USAGE;
	if (registry_login(server, user, pass, &o, &err) < 0) {
		tug_err_print(&err);
		return EXIT_RUNTIME;
	}
	memset(pass, 0, sizeof(pass));
	printf("Login Succeeded\n");
	return EXIT_OK;
}

int registry_cmd_logout(int argc, char **argv)
{
	struct tug_err err = { 0 };
	const char *server = argc > 1 ? argv[1] : "docker.io";

	if (argc > 2 || (argc > 1 && argv[1][0] == '-')) {
		printf("Usage: tug logout [SERVER]\n");
		return argc > 1 && !strcmp(argv[1], "--help") ? EXIT_OK : EXIT_USAGE;
	}
	if (registry_logout(server, &err) < 0) {
		tug_err_print(&err);
		return EXIT_RUNTIME;
	}
	printf("Removing login credentials for %s\n", server);
	return EXIT_OK;
}
