/* What `tug oci spec` writes and `tug oci features` prints, as runc does. */
#ifndef TUG_OCI_DEFAULTS_H
#define TUG_OCI_DEFAULTS_H

#include <stdbool.h>
#include <cjson/cJSON.h>

/* The default config.json (rootless: a user namespace mapping uid/gid to 0). */
cJSON *oci_default_spec(bool rootless, unsigned uid, unsigned gid);
cJSON *oci_features(void);

#endif
