/* Included in every unit: IS_ENABLED(CONFIG_X) is 1 or 0 at compile time. */
#ifndef TUG_KCONFIG_H
#define TUG_KCONFIG_H

#include <generated/autoconf.h>

#define TUG_ARG_PLACEHOLDER_1 0,
#define tug_take_second_arg(ignored, val, ...) val
#define tug_is_defined(x) tug_is_defined_(x)
#define tug_is_defined_(val) tug_is_defined__(TUG_ARG_PLACEHOLDER_##val)
#define tug_is_defined__(arg1_or_junk) tug_take_second_arg(arg1_or_junk 1, 0)

/* 1 when the symbol is y, 0 otherwise; usable in if () and initialisers. */
#define IS_ENABLED(option) tug_is_defined(option)

#endif
