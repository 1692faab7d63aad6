/* Query strings, percent coding, reasons, the attach stream header. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/http/http.h"

static int hexv(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

size_t http_url_decode(const char *in, size_t len, char *out, bool plus_is_space)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		if (in[i] == '%' && i + 2 < len && hexv(in[i + 1]) >= 0 && hexv(in[i + 2]) >= 0) {
			out[o++] = (char)(hexv(in[i + 1]) * 16 + hexv(in[i + 2]));
			i += 2;
		} else if (plus_is_space && in[i] == '+') {
			out[o++] = ' ';
		} else {
			out[o++] = in[i];
		}
	}
	out[o] = '\0';
	return o;
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void http_base64_encode(const void *in, size_t len, char *out, size_t size)
{
	const unsigned char *s = in;
	size_t o = 0;

	for (size_t i = 0; i < len && o + 5 <= size; i += 3) {
		unsigned v = (unsigned)s[i] << 16 | (i + 1 < len ? (unsigned)s[i + 1] << 8 : 0) |
			     (i + 2 < len ? s[i + 2] : 0);

		out[o++] = b64[v >> 18 & 63];
		out[o++] = b64[v >> 12 & 63];
		out[o++] = i + 1 < len ? b64[v >> 6 & 63] : '=';
		out[o++] = i + 2 < len ? b64[v & 63] : '=';
	}
	if (size)
		out[o < size ? o : size - 1] = '\0';
}

int http_base64_decode(const char *in, char *out, size_t size)
{
	unsigned v = 0;
	int bits = 0;
	size_t o = 0;

	for (const char *p = in; *p && *p != '='; p++) {
		const char *q = strchr(b64, *p);

		if (!q)
			return -1;
		v = v << 6 | (unsigned)(q - b64);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o + 1 >= size)
				return -1;
			out[o++] = (char)(v >> bits & 0xff);
		}
	}
	if (!size)
		return -1;
	out[o] = '\0';
	return (int)o;
}

void http_url_encode(const char *in, char *out, size_t size)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	for (; *in && o + 4 < size; in++) {
		unsigned char c = (unsigned char)*in;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    strchr("-_.~", c)) {
			out[o++] = (char)c;
		} else {
			out[o++] = '%';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	out[o] = '\0';
}

bool http_query_get(const char *query, const char *key, char *out, size_t size)
{
	size_t klen = strlen(key);
	const char *p = query;

	while (p && *p) {
		const char *amp = strchr(p, '&'), *eq;
		size_t plen = amp ? (size_t)(amp - p) : strlen(p);
		char name[128];
		size_t nlen;

		eq = memchr(p, '=', plen);
		nlen = eq ? (size_t)(eq - p) : plen;
		if (nlen < sizeof(name)) {
			nlen = http_url_decode(p, nlen, name, true);
			if (nlen == klen && !memcmp(name, key, klen)) {
				const char *v = eq ? eq + 1 : p + plen;
				size_t vlen = (size_t)(p + plen - v);

				if (vlen >= size)
					vlen = size - 1;
				http_url_decode(v, vlen, out, true);
				return true;
			}
		}
		p = amp ? amp + 1 : NULL;
	}
	return false;
}

bool http_query_bool(const char *query, const char *key)
{
	char v[16];

	if (!http_query_get(query, key, v, sizeof(v)))
		return false;
	return !strcmp(v, "1") || !strcasecmp(v, "true") || !strcmp(v, "");
}

const char *http_reason(int status)
{
	switch (status) {
	case 101: return "UPGRADED";
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 409: return "Conflict";
	case 411: return "Length Required";
	case 413: return "Payload Too Large";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 503: return "Service Unavailable";
	case 505: return "HTTP Version Not Supported";
	default: return "Status";
	}
}

void http_stream_header(uint8_t hdr[8], int stream, uint32_t len)
{
	hdr[0] = (uint8_t)stream;
	hdr[1] = hdr[2] = hdr[3] = 0;
	hdr[4] = (uint8_t)(len >> 24);
	hdr[5] = (uint8_t)(len >> 16);
	hdr[6] = (uint8_t)(len >> 8);
	hdr[7] = (uint8_t)len;
}
