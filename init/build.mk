# init/: the multi-call entry point and PID 1.
main-y += init/main.o
obj-$(CONFIG_INIT) += init/init.o
