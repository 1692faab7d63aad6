# init/: the multi-call entry point and PID 1.
main-y += init/main.o
# docker-init, the PID 1 of `docker run --init` containers (tugd bind-mounts itself).
obj-$(CONFIG_DAEMON) += init/docker_init.o
obj-$(CONFIG_INIT) += init/init.o init/early.o init/modules.o init/watchdog.o init/shutdown.o
obj-$(CONFIG_INIT) += init/manifest.o init/boot.o init/initctl.o init/slots.o
tests-$(CONFIG_INIT) += test_init_manifest test_init_modules
