# core/update: atomic updates (tug update/rollback/apply), revisions, journal replay.
obj-y += core/update/state.o core/update/cmd.o
obj-$(CONFIG_DAEMON) += core/update/txn.o core/update/api.o
tests-y += test_update_state
obj-y += core/update/slot.o
tests-y += test_slot
fuzz-y += fuzz_update_state
fuzz_update_state-objs := core/update/state.o core/names.o platform/err.o
