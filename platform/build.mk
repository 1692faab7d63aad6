# platform/: the kernel and the libraries behind small interfaces.
obj-y += platform/err.o
obj-y += platform/fsutil.o
obj-y += platform/json.o
obj-y += platform/libversions.o

tests-y += test_err
tests-y += test_fsutil
tests-y += test_json
