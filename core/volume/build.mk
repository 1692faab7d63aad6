# core/volume: named volumes, bind mounts and tmpfs as OCI mount entries.
obj-y += core/volume/volume.o
obj-y += core/volume/mounts.o
obj-y += core/volume/cmd.o
tests-y += test_volume
