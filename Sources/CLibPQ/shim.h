#ifndef CITYPIPE_CLIBPQ_SHIM_H
#define CITYPIPE_CLIBPQ_SHIM_H
#include <libpq-fe.h>
#endif
