# core/http: HTTP/1.1 parser, body coding, client (API server and CLI).
obj-y += core/http/parser.o core/http/body.o core/http/util.o core/http/buf.o
obj-y += core/http/client.o
tests-y += test_http
fuzz-y += fuzz_http
fuzz_http-objs := core/http/parser.o core/http/body.o core/http/util.o core/http/buf.o
