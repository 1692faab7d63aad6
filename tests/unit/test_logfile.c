#include <stdlib.h>
#include <sys/stat.h>

#include "test.h"
#include "core/daemon/logfile.h"

static char out[65536];
static size_t outlen;

static void collect(void *ctx, const struct log_record *r)
{
	outlen += (size_t)snprintf(out + outlen, sizeof(out) - outlen, "%d:%.*s%s", r->stream,
				   (int)r->len, r->text, r->partial ? "" : "|");
}

TEST(streams_kept_apart_and_partial_lines)
{
	char dir[] = "/tmp/tug-log-XXXXXX", path[64];
	struct log_writer w;
	struct tug_err err;

	CHECK(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/c.log", dir);
	CHECK(log_writer_open(&w, path, 0, 1, &err) == 0);
	log_writer_write(&w, 1, "a\nb", 3);
	log_writer_write(&w, 2, "err\n", 4);
	log_writer_write(&w, 1, "c\n", 2);
	log_writer_close(&w);
	outlen = 0;
	CHECK(log_read_all(path, 1, -1, collect, NULL, &err) == 0);
	CHECK_STR(out, "1:a|1:b2:err|1:c|");
	outlen = 0;
	CHECK(log_read_all(path, 1, 1, collect, NULL, &err) == 0);
	CHECK_STR(out, "1:c|");
}

TEST(rotation_caps_size_and_count)
{
	char dir[] = "/tmp/tug-log-XXXXXX", path[64], p2[80];
	struct log_writer w;
	struct tug_err err;
	struct stat st;

	CHECK(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/c.log", dir);
	CHECK(log_writer_open(&w, path, 200, 3, &err) == 0);
	for (int i = 0; i < 100; i++)
		log_writer_write(&w, 1, "0123456789\n", 11);
	log_writer_close(&w);
	CHECK(stat(path, &st) == 0 && st.st_size <= 200);
	snprintf(p2, sizeof(p2), "%s.2", path);
	CHECK(stat(p2, &st) == 0 && st.st_size <= 200);
	snprintf(p2, sizeof(p2), "%s.3", path);
	CHECK(stat(p2, &st) != 0);
	outlen = 0;
	CHECK(log_read_all(path, 3, -1, collect, NULL, &err) == 0);
	CHECK(outlen > 0 && outlen < 600);
}

TEST(cursor_follows_across_rotation)
{
	char dir[] = "/tmp/tug-log-XXXXXX", path[64];
	struct log_writer w;
	struct log_cursor c;
	struct tug_err err;

	CHECK(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/c.log", dir);
	CHECK(log_writer_open(&w, path, 120, 2, &err) == 0);
	log_cursor_open(&c, path, false);
	outlen = 0;
	log_writer_write(&w, 1, "one\n", 4);
	log_cursor_poll(&c, collect, NULL);
	/* One rotation between polls is followed (the 50 ms tick); more may skip a file. */
	for (int i = 0; i < 5; i++) {
		log_writer_write(&w, 1, "x\n", 2);
		log_cursor_poll(&c, collect, NULL);
	}
	log_writer_close(&w);
	log_cursor_close(&c);
	CHECK(!strncmp(out, "1:one|", 6));
	CHECK(outlen == 6 + 5 * 4);
}

TEST(rfc3339_seconds_reads_whole_seconds)
{
	CHECK(rfc3339_seconds("1970-01-01T00:01:40Z") == 100);
	CHECK(rfc3339_seconds("2024-02-29T12:00:00.999999999Z") == 1709208000);
	CHECK(rfc3339_seconds("not a time") == 0);
	CHECK(rfc3339_seconds("") == 0);
	CHECK(rfc3339_seconds(NULL) == 0);
}

int main(void)
{
	RUN(streams_kept_apart_and_partial_lines);
	RUN(rotation_caps_size_and_count);
	RUN(cursor_follows_across_rotation);
	RUN(rfc3339_seconds_reads_whole_seconds);
	return test_done();
}
