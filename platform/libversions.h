/* Versions of the libraries linked into this build; NULL when compiled out. */
#ifndef TUG_LIBVERSIONS_H
#define TUG_LIBVERSIONS_H

struct lib_version {
	const char *name;
	const char *symbol;	/* the Kconfig symbol that pulls it in */
	const char *(*version)(void);
};

/* NULL-terminated table of every library tug can link. */
extern const struct lib_version lib_versions[];

#endif
