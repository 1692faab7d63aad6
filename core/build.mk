# core/: the engine, testable without root.
obj-y += core/cli.o
obj-y += core/version.o
obj-y += core/paths.o
obj-y += core/names.o
