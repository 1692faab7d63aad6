/* Where tug keeps its state; TUG_STATE_DIR / TUG_RUN_DIR override (tests). */
#ifndef TUG_PATHS_H
#define TUG_PATHS_H

const char *tug_state_dir(void);
const char *tug_run_dir(void);

#endif
